-- Synced: personal API tokens by the SHA-256 of their text. The text itself is shown once
-- on the device that issued it and never stored. Withdrawn tokens stay until removed;
-- `last_used_*` comes from the server.
CREATE TABLE api_token (
    id                 TEXT    PRIMARY KEY NOT NULL,
    profile_id         TEXT    NOT NULL REFERENCES profile (id),
    sha256             TEXT    NOT NULL UNIQUE CHECK (length(sha256) = 64),
    prefix             TEXT    NOT NULL,
    scope              TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    description        TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER,
    revoked_at         INTEGER,
    last_used_at       INTEGER,
    last_used_address  TEXT
) STRICT;
