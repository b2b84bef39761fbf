-- Sessions: each sign-in of a device. An ended session stays ended (see the trigger).
CREATE TABLE session (
    id              TEXT    PRIMARY KEY NOT NULL,          -- UUIDv7
    profile_id      TEXT    NOT NULL REFERENCES profile (id),
    device_name     TEXT    NOT NULL,
    os              TEXT    NOT NULL,
    app_version     TEXT    NOT NULL,
    address         TEXT,                                  -- known only to a server
    started_at      INTEGER NOT NULL,                      -- ms since epoch, UTC
    last_active_at  INTEGER NOT NULL,
    ended_at        INTEGER,                               -- NULL while active
    end_reason      TEXT CHECK (end_reason IN ('ended', 'password_changed')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
) STRICT;
CREATE INDEX session_by_activity ON session (ended_at, last_active_at);

-- Ending is final: no statement may bring an ended session back or rewrite how it ended.
CREATE TRIGGER session_end_is_final
BEFORE UPDATE OF ended_at, end_reason ON session
WHEN OLD.ended_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'session already ended');
END;

-- The local account of a profile: its password hash and this device's sign-in.
CREATE TABLE account (
    profile_id          TEXT    PRIMARY KEY NOT NULL REFERENCES profile (id),
    password_hash       TEXT    NOT NULL CHECK (password_hash LIKE '$argon2id$%'),  -- PHC string
    password_version    INTEGER NOT NULL CHECK (password_version > 0),  -- compare-and-set
    current_session_id  TEXT    REFERENCES session (id)   -- NULL = signed out on this device
) STRICT;

-- Wrong passwords in a row on this device; never synced.
CREATE TABLE password_throttle (
    id               INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    failures         INTEGER NOT NULL CHECK (failures >= 0),
    last_failure_at  INTEGER
) STRICT;
INSERT INTO password_throttle (id, failures) VALUES (1, 0);
