-- Sync (DESIGN.md §6): the log of pushed mutations, per-field versions for conflict
-- records, the conflicts themselves, and avatar blobs by SHA-256.

-- The MIME type of the avatar named by users.avatar_sha256.
ALTER TABLE users ADD COLUMN avatar_mime TEXT;

-- One row per pushed mutation a session's sequence has passed: its stored result, so a
-- resent push gets the same answer without applying anything twice.
CREATE TABLE mutation_log (
    session_id  TEXT   NOT NULL REFERENCES sessions (id),
    seq         INTEGER NOT NULL CHECK (seq > 0),
    -- NULL only for a mutation rejected because its id was used before.
    mutation_id TEXT    UNIQUE,
    user_id     TEXT   NOT NULL REFERENCES users (id),
    name        TEXT   NOT NULL,
    status      TEXT   NOT NULL CHECK (status IN ('applied', 'rejected')),
    code        TEXT,
    field       TEXT,
    -- The user's version this mutation made (applied ones only).
    version     INTEGER,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq),
    CHECK ((status = 'applied') = (version IS NOT NULL)),
    CHECK ((status = 'rejected') = (code IS NOT NULL))
) STRICT;

-- The user's version at which each profile field was last written, and by which session.
CREATE TABLE field_versions (
    user_id    TEXT   NOT NULL REFERENCES users (id),
    field      TEXT   NOT NULL,
    version    INTEGER NOT NULL,
    session_id TEXT   NOT NULL,
    PRIMARY KEY (user_id, field)
) STRICT;

-- A field value overwritten by a change made against an older version (values as JSON).
CREATE TABLE conflicts (
    id          TEXT    PRIMARY KEY NOT NULL,
    user_id     TEXT   NOT NULL REFERENCES users (id),
    field       TEXT   NOT NULL,
    overwritten TEXT   NOT NULL,
    applied     TEXT   NOT NULL,
    by_session  TEXT   NOT NULL,
    -- The user's version the overwriting mutation made.
    version     INTEGER NOT NULL,
    at          INTEGER NOT NULL
) STRICT;

CREATE INDEX conflicts_by_user ON conflicts (user_id, version);

-- Avatar pictures, once per user and SHA-256 (lowercase hex of the bytes).
CREATE TABLE blobs (
    user_id    TEXT   NOT NULL REFERENCES users (id),
    sha256     TEXT   NOT NULL,
    mime       TEXT   NOT NULL,
    bytes      BLOB   NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, sha256)
) STRICT;
