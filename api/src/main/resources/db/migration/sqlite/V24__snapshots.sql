-- Snapshots and forks (issue 24). Versioned after the issue, not the next free number, so migrations other branches
-- add meanwhile do not collide with it.
-- A snapshot is a template made from a sandbox: the node template at the bottom, the layers the sandbox stood on, and
-- the layer captured from its writable layer on top. Its id (and name, when it has one) lives in E2B's template
-- namespace: sandboxes are created from it and DELETE /templates/{id} removes it.
CREATE TABLE snapshots (
    id                 TEXT    NOT NULL PRIMARY KEY,
    name               TEXT             UNIQUE,         -- NULL when unnamed
    source_sandbox_id  TEXT    NOT NULL,
    source_template_id TEXT    NOT NULL,                -- what the source sandbox reported as templateID
    template           TEXT    NOT NULL,                -- the node template at the bottom
    template_revision  TEXT    NOT NULL,                -- its files' version then: never stacked on another one
    layers             TEXT    NOT NULL,                -- JSON array of layer keys, bottom to top (the captured one last)
    env_vars           TEXT    NOT NULL DEFAULT '{}',   -- JSON object: the source's environment
    created_at         INTEGER NOT NULL
);
CREATE INDEX snapshots_by_created ON snapshots (created_at, id);
CREATE INDEX snapshots_by_source ON snapshots (source_sandbox_id);

-- Every layer this catalog captured (snapshots, forks, a name's earlier contents), so that only these are ever deleted:
-- the layer directory may be shared with other nodes and with templates. A layer no snapshot names any more is
-- deleted once no sandbox stacks it.
CREATE TABLE snapshot_layers (
    key        TEXT    NOT NULL PRIMARY KEY,
    created_at INTEGER NOT NULL
);
