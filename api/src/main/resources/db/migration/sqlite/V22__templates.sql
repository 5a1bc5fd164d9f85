-- Templates built with E2B's Template builder (issue 22). Versioned after the issue, not the next free number, so
-- migrations other branches add meanwhile do not collide with it.
-- A template is a name (E2B's alias) and its builds; sandboxes start from the last ready build, whose `image`
-- (JSON: base template, layer keys bottom to top, env, start command, user, workdir) says what their root and
-- start are.
CREATE TABLE templates (
    id             TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    cpu_count      INTEGER NOT NULL,
    memory_mb      INTEGER NOT NULL,
    ready_build_id TEXT                            -- the build sandboxes start from; NULL until one is ready
);

CREATE TABLE template_builds (
    id          TEXT    NOT NULL PRIMARY KEY,
    template_id TEXT    NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL,                   -- waiting | building | ready | error
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER,
    tags        TEXT    NOT NULL DEFAULT '[]',      -- JSON array
    image       TEXT,                               -- JSON, once ready
    reason      TEXT,                               -- JSON {message, step}, once failed
    logs        TEXT    NOT NULL DEFAULT '[]',      -- JSON array of {timestamp, level, message, step}, once ended
    made_layers TEXT    NOT NULL DEFAULT '[]'       -- JSON array of the layer keys this build made (ready or not)
);
CREATE INDEX template_builds_by_template ON template_builds (template_id, created_at);
