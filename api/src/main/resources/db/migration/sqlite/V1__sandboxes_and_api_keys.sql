-- Times are epoch milliseconds (UTC). JSON columns hold objects/arrays written by the api module.
CREATE TABLE sandboxes (
    id                    TEXT    NOT NULL PRIMARY KEY,
    template_id           TEXT    NOT NULL,
    alias                 TEXT,
    client_id             TEXT    NOT NULL,
    state                 TEXT    NOT NULL CHECK (state IN ('starting', 'running', 'paused', 'killed', 'expired')),
    metadata              TEXT    NOT NULL DEFAULT '{}',
    env_vars              TEXT    NOT NULL DEFAULT '{}',  -- may hold secrets; emptied when the sandbox ends
    cpu_count             INTEGER NOT NULL,
    memory_mb             INTEGER NOT NULL,
    disk_size_mb          INTEGER NOT NULL,
    started_at            INTEGER NOT NULL,
    end_at                INTEGER NOT NULL,
    envd_access_token     TEXT,                            -- returned by GET /sandboxes/{id}; NULL once ended
    traffic_access_token  TEXT,                            -- NULL when traffic is public or once ended
    allow_internet_access INTEGER,                         -- NULL = not sent
    network               TEXT,                            -- NULL = not sent
    auto_pause            INTEGER NOT NULL DEFAULT 0,
    auto_resume           INTEGER NOT NULL DEFAULT 0,
    ended_at              INTEGER,
    end_reason            TEXT
);

CREATE INDEX sandboxes_by_state ON sandboxes (state);
CREATE INDEX sandboxes_by_ended_at ON sandboxes (ended_at) WHERE ended_at IS NOT NULL;

-- API keys are stored as SHA-256 hex only.
CREATE TABLE api_keys (
    hash       TEXT    NOT NULL PRIMARY KEY,
    source     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
