-- A port may take requests that other sites' pages make with its visitors' Cove cookie (forms, fetches, WebSockets
-- of another origin): the edge's cross-site guard refuses them unless the port's rule opts out (expose's crossSite).
ALTER TABLE port_rules ADD COLUMN cross_site INTEGER NOT NULL DEFAULT 0;
