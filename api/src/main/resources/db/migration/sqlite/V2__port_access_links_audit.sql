-- Who may reach a sandbox's ports (docs/ports.md). Rows go with their sandbox (ON DELETE CASCADE when a tombstone
-- is purged). Share-link tokens are never stored: a link is its id, port and expiry; the token is an HMAC over them.

-- The sandbox's default access of ports without a rule: 'private' or 'public'. No row: public (sandboxes made before).
CREATE TABLE sandbox_ingress (
    sandbox_id     TEXT    NOT NULL PRIMARY KEY REFERENCES sandboxes (id) ON DELETE CASCADE,
    default_access TEXT    NOT NULL CHECK (default_access IN ('private', 'public'))
);

-- One rule per exposed (or configured) port.
CREATE TABLE port_rules (
    sandbox_id    TEXT    NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
    port          INTEGER NOT NULL,
    access        TEXT    NOT NULL CHECK (access IN ('private', 'link', 'public')),
    exposed_until INTEGER,          -- end of the exposure window; NULL = the sandbox's lifetime
    closed_at     INTEGER,          -- set by unexpose
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (sandbox_id, port)
);

CREATE TABLE share_links (
    id          TEXT    NOT NULL PRIMARY KEY,
    sandbox_id  TEXT    NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
    port        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,            -- NULL = as long as the sandbox lives
    revoked_at  INTEGER
);
CREATE INDEX share_links_by_sandbox ON share_links (sandbox_id);

-- Grants, revocations and accesses (accesses aggregated per minute, port, credential kind, source and status).
CREATE TABLE audit_events (
    seq        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    sandbox_id TEXT    NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
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
