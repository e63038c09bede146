-- The response cache's shared tier (SWITCHBOARD_CACHE_SHARED): answers one instance made, read by the others after
-- a local miss. cache_key is the SHA-256 of the scope, the routed model and the request; scope is checked again on read.
CREATE TABLE response_cache (
    cache_key VARCHAR(64) NOT NULL PRIMARY KEY,
    scope VARCHAR(300) NOT NULL,
    routed_model VARCHAR(300) NOT NULL,
    served_model VARCHAR(300) NOT NULL,
    served_provider VARCHAR(100),
    cost_usd DOUBLE PRECISION DEFAULT 0 NOT NULL,
    answer VARCHAR(10000000) NOT NULL,
    size_bytes INT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX response_cache_expires_at ON response_cache (expires_at);
CREATE INDEX response_cache_created_at ON response_cache (created_at);
