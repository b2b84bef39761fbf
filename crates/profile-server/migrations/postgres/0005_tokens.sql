-- Personal API tokens (DESIGN.md §4): by the SHA-256 of their text, which the server never
-- sees. Rows come from the user's `token.*` mutations; `last_used_*` is the server's own,
-- written at most once a minute per token.
CREATE TABLE tokens (
    id                TEXT    PRIMARY KEY NOT NULL,
    user_id           TEXT    NOT NULL REFERENCES users (id),
    sha256            TEXT    NOT NULL UNIQUE CHECK (length(sha256) = 64),
    prefix            TEXT    NOT NULL,
    scope             TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    description       TEXT    NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT,
    revoked_at        BIGINT,
    last_used_at      BIGINT,
    last_used_address TEXT
);

CREATE INDEX tokens_by_user ON tokens (user_id);
