-- The cluster's node-to-node secret: the first node to start offers a random one, every node then signs the requests
-- it forwards to another node with it (HMAC), and trusts a forwarded client's address and scheme only when the
-- signature verifies. As secret as the database: never logged.
CREATE TABLE cluster_secret (
    id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    secret      TEXT    NOT NULL,   -- base64, 32 random bytes
    created_at  BIGINT  NOT NULL
);
