-- Named API keys (POST /api-keys). A key is shown once; the store keeps its hash, an id, a name and a masked form
-- (the first 8 and last 4 characters) so people can tell keys apart. Keys made before have no masked form.
ALTER TABLE api_keys ADD COLUMN id TEXT;
ALTER TABLE api_keys ADD COLUMN name TEXT;
ALTER TABLE api_keys ADD COLUMN masked TEXT;
UPDATE api_keys SET id = 'key_' || substr(hash, 1, 16), name = source WHERE id IS NULL;
CREATE UNIQUE INDEX api_keys_by_id ON api_keys (id);
