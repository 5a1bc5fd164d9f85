-- The catalog of a cluster (cove server --store postgresql://...): the same tables and columns as the SQLite
-- migrations (db/migration/sqlite, V1..V5), so one set of SQL statements serves both. Times are epoch
-- milliseconds (BIGINT), flags are 0/1 INTEGERs and JSON columns TEXT, as in SQLite.
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
    started_at            BIGINT  NOT NULL,
    end_at                BIGINT  NOT NULL,
    envd_access_token     TEXT,
    traffic_access_token  TEXT,
    allow_internet_access INTEGER,
    network               TEXT,
    auto_pause            INTEGER NOT NULL DEFAULT 0,
    auto_resume           INTEGER NOT NULL DEFAULT 0,
    ended_at              BIGINT,
    end_reason            TEXT,
    node                  TEXT    NOT NULL                -- the node whose runtime holds (held) it
);
CREATE INDEX sandboxes_by_state ON sandboxes (state);
CREATE INDEX sandboxes_by_node ON sandboxes (node, state);
CREATE INDEX sandboxes_by_ended_at ON sandboxes (ended_at) WHERE ended_at IS NOT NULL;

CREATE TABLE api_keys (
    hash       TEXT    NOT NULL PRIMARY KEY,
    source     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    id         TEXT,
    name       TEXT,
    masked     TEXT
);
CREATE UNIQUE INDEX api_keys_by_id ON api_keys (id);

CREATE TABLE sandbox_ingress (
    sandbox_id     TEXT    NOT NULL PRIMARY KEY REFERENCES sandboxes (id) ON DELETE CASCADE,
    default_access TEXT    NOT NULL CHECK (default_access IN ('private', 'public'))
);

CREATE TABLE port_rules (
    sandbox_id    TEXT    NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
    port          INTEGER NOT NULL,
    access        TEXT    NOT NULL CHECK (access IN ('private', 'link', 'public')),
    exposed_until BIGINT,
    closed_at     BIGINT,
    updated_at    BIGINT  NOT NULL,
    cross_site    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sandbox_id, port)
);

CREATE TABLE share_links (
    id          TEXT    NOT NULL PRIMARY KEY,
    sandbox_id  TEXT    NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
    port        INTEGER NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX share_links_by_sandbox ON share_links (sandbox_id);

CREATE TABLE audit_events (
    seq        BIGSERIAL PRIMARY KEY,
    sandbox_id TEXT    NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
    at         BIGINT  NOT NULL,
    kind       TEXT    NOT NULL,
    port       INTEGER,
    link_id    TEXT,
    source     TEXT,
    access     TEXT,
    status     INTEGER,
    count      INTEGER NOT NULL DEFAULT 1,
    detail     TEXT
);
CREATE INDEX audit_events_by_sandbox ON audit_events (sandbox_id, seq);

CREATE TABLE sandbox_pause (
    sandbox_id         TEXT    NOT NULL PRIMARY KEY REFERENCES sandboxes (id) ON DELETE CASCADE,
    auto_pause_memory  INTEGER NOT NULL DEFAULT 1,
    paused_at          BIGINT,
    paused_with_memory INTEGER
);

-- Membership: a node renews its lease (expires_at) every few seconds; one whose lease lapsed is dead, and the
-- leader (whoever holds the advisory lock) declares its sandboxes lost. api_url is where other nodes forward
-- requests for sandboxes it owns.
CREATE TABLE nodes (
    name        TEXT    NOT NULL PRIMARY KEY,
    api_url     TEXT    NOT NULL,
    started_at  BIGINT  NOT NULL,
    renewed_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    draining    INTEGER NOT NULL DEFAULT 0,
    max_sandboxes INTEGER NOT NULL DEFAULT 0,  -- 0: no per-node maximum
    lost_at     BIGINT                          -- set when the leader declared it lost; cleared when it registers
);

-- The change feed: every change a node's route table must follow, numbered; NOTIFY cove_changes is the doorbell,
-- and nodes catch up by seq periodically so nothing is missed while a notification was lost.
CREATE TABLE changes (
    seq        BIGSERIAL PRIMARY KEY,
    sandbox_id TEXT    NOT NULL,
    node       TEXT    NOT NULL,   -- who made the change
    at         BIGINT  NOT NULL
);

-- The cluster's TLS authority: the first node to start offers its local CA, every node then uses the stored one, so
-- a client trusting ca.crt reaches any node. The key is as secret as the database: keep access to it narrow.
CREATE TABLE cluster_ca (
    id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    certificate TEXT    NOT NULL,   -- PEM
    private_key TEXT    NOT NULL,   -- PEM (PKCS#8)
    created_at  BIGINT  NOT NULL
);
