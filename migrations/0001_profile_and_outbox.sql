-- The local copy of the user's profile. One row per profile stored on this device.
CREATE TABLE profile (
    id          TEXT    PRIMARY KEY NOT NULL,          -- UUIDv7
    name        TEXT    NOT NULL,
    language    TEXT    NOT NULL CHECK (language IN ('en', 'ru')),
    created_at  INTEGER NOT NULL,                      -- ms since epoch, UTC
    updated_at  INTEGER NOT NULL
) STRICT;

-- Every applied mutation, in the order it was made on this device, until the server acknowledges it.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY NOT NULL CHECK (seq > 0),  -- 1, 2, 3 … per sync client
    mutation_id  TEXT    NOT NULL UNIQUE,                        -- UUIDv7
    name         TEXT    NOT NULL,                               -- e.g. 'profile.set'
    payload      TEXT    NOT NULL CHECK (json_valid(payload)),
    created_at   INTEGER NOT NULL
) STRICT;

-- Sequence counter of this device's sync client; survives acknowledged outbox rows being dropped.
CREATE TABLE sync_client (
    id        INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    next_seq  INTEGER NOT NULL CHECK (next_seq > 0)
) STRICT;
INSERT INTO sync_client (id, next_seq) VALUES (1, 1);
