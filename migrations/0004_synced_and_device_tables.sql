-- Synced state (what a user's devices and the server share: profile, session) and
-- device-local state (this device's sign-in, its local password, throttle, sync client,
-- outbox, cached pictures) in separate tables; profile-core's `tables.rs` lists which is
-- which. A pull replaces only synced tables.

-- Device-local: this device's sign-in, its server link and its own last use.
-- No foreign key to `session`: a pull replaces the synced tables wholesale.
CREATE TABLE device (
    id                  INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    current_session_id  TEXT,                  -- NULL = signed out on this device
    server_url          TEXT,                  -- NULL = a local profile, no server
    last_active_at      INTEGER                -- this device's last use of its session
) STRICT;
INSERT INTO device (id, current_session_id)
    VALUES (1, (SELECT current_session_id FROM account ORDER BY rowid LIMIT 1));

-- Device-local: the password of a local account (a server-linked device holds none).
CREATE TABLE credential (
    profile_id        TEXT    PRIMARY KEY NOT NULL REFERENCES profile (id),
    password_hash     TEXT    NOT NULL CHECK (password_hash LIKE '$argon2id$%'),  -- PHC string
    password_version  INTEGER NOT NULL CHECK (password_version > 0)              -- compare-and-set
) STRICT;
INSERT INTO credential (profile_id, password_hash, password_version)
    SELECT profile_id, password_hash, password_version FROM account;
DROP TABLE account;

-- Device-local: avatar pictures by the SHA-256 of their bytes. The synced profile names
-- its avatar by hash; the bytes of older rows move here when the store opens (SQL has no
-- SHA-256), after which `profile.avatar` stays NULL.
CREATE TABLE avatar_blob (
    sha256  TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
    mime    TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png')),
    bytes   BLOB NOT NULL
) STRICT;
ALTER TABLE profile ADD COLUMN avatar_sha256 TEXT;

-- Device-local: the outbox counts per sync client (the server session the rows are for;
-- NULL for a local profile's rows, which are never pushed). Unpushed rows of an ended
-- session are sealed, never sent again.
CREATE TABLE outbox_by_client (
    id           INTEGER PRIMARY KEY NOT NULL,
    client_id    TEXT,
    seq          INTEGER NOT NULL CHECK (seq > 0),
    mutation_id  TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    payload      TEXT    NOT NULL CHECK (json_valid(payload)),
    created_at   INTEGER NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sealed')),
    cookie       INTEGER NOT NULL DEFAULT 0,    -- the server version the change was made against
    UNIQUE (client_id, seq)
) STRICT;
INSERT INTO outbox_by_client (client_id, seq, mutation_id, name, payload, created_at)
    SELECT NULL, seq, mutation_id, name, payload, created_at FROM outbox ORDER BY seq;
DROP TABLE outbox;
ALTER TABLE outbox_by_client RENAME TO outbox;

-- The sync client's place: which session it pushes as, the server version it last saw, and
-- the seq up to which it has the server's results.
ALTER TABLE sync_client ADD COLUMN client_id TEXT;
ALTER TABLE sync_client ADD COLUMN cookie INTEGER NOT NULL DEFAULT 0 CHECK (cookie >= 0);
ALTER TABLE sync_client ADD COLUMN acked_seq INTEGER NOT NULL DEFAULT 0 CHECK (acked_seq >= 0);

-- Device-local: this device's changes the server refused, kept to show the person.
CREATE TABLE sync_rejection (
    client_id    TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    mutation_id  TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    payload      TEXT    NOT NULL CHECK (json_valid(payload)),
    code         TEXT    NOT NULL,
    field        TEXT,
    PRIMARY KEY (client_id, seq)
) STRICT;

-- Device-local: values the server kept from being lost when a later change overwrote them.
CREATE TABLE sync_conflict (
    id           TEXT    PRIMARY KEY NOT NULL,
    field        TEXT    NOT NULL,
    overwritten  TEXT    NOT NULL CHECK (json_valid(overwritten)),
    applied      TEXT    NOT NULL CHECK (json_valid(applied)),
    by_session   TEXT    NOT NULL,
    at           INTEGER NOT NULL
) STRICT;

-- Synced: sessions as a server records them, which may also end by signing out or by an
-- administrator disabling the user. (Rebuilt to widen the reason's CHECK.)
CREATE TABLE session_synced (
    id              TEXT    PRIMARY KEY NOT NULL,          -- UUIDv7
    profile_id      TEXT    NOT NULL REFERENCES profile (id),
    device_name     TEXT    NOT NULL,
    os              TEXT    NOT NULL,
    app_version     TEXT    NOT NULL,
    address         TEXT,                                  -- known only to a server
    started_at      INTEGER NOT NULL,                      -- ms since epoch, UTC
    last_active_at  INTEGER NOT NULL,
    ended_at        INTEGER,                               -- NULL while active
    end_reason      TEXT CHECK (end_reason IN ('ended', 'password_changed', 'signed_out', 'disabled')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
) STRICT;
INSERT INTO session_synced SELECT id, profile_id, device_name, os, app_version, address,
    started_at, last_active_at, ended_at, end_reason FROM session;
DROP TABLE session;
ALTER TABLE session_synced RENAME TO session;
CREATE INDEX session_by_activity ON session (ended_at, last_active_at);

-- Ending is final: no statement may bring an ended session back or rewrite how it ended.
-- (A pull replaces the table by DELETE and INSERT, which this does not stop.)
CREATE TRIGGER session_end_is_final
BEFORE UPDATE OF ended_at, end_reason ON session
WHEN OLD.ended_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'session already ended');
END;
