-- Users, their sessions, and the shared wrong-password throttle.
-- Times are ms since the epoch (UTC), ids UUIDv7 text, booleans 0/1.

CREATE TABLE users (
    id               TEXT    PRIMARY KEY NOT NULL,
    email            TEXT    NOT NULL,
    -- The e-mail trimmed and lowercased: one account per address, whatever its case.
    email_key        TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    language         TEXT    NOT NULL DEFAULT 'en',
    time_zone        TEXT    NOT NULL DEFAULT 'UTC',
    organization     TEXT,
    phone            TEXT,
    avatar_sha256    TEXT,
    password_hash    TEXT    NOT NULL,
    password_version INTEGER NOT NULL DEFAULT 1,
    is_admin         INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    disabled_at      INTEGER,
    -- The sync cookie: goes up with every change to the user's synced state.
    version          INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id             TEXT    PRIMARY KEY NOT NULL,
    user_id        TEXT    NOT NULL REFERENCES users (id),
    -- SHA-256 (hex) of the session secret; the secret itself is never stored.
    secret_hash    TEXT    NOT NULL UNIQUE,
    device_name    TEXT    NOT NULL,
    os             TEXT    NOT NULL,
    app_version    TEXT    NOT NULL,
    address        TEXT,
    started_at     INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    ended_at       INTEGER,
    end_reason     TEXT CHECK (end_reason IN ('signed_out', 'ended', 'password_changed', 'disabled')),
    -- The device's outbox position the server has applied (sync push).
    last_seq       INTEGER NOT NULL DEFAULT 0,
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id, ended_at);

-- Wrong passwords per account and per client address, shared by every server instance.
-- `key` is SHA-256 (hex) of the lowercased e-mail or of the address.
CREATE TABLE sign_in_failures (
    scope           TEXT    NOT NULL CHECK (scope IN ('account', 'address')),
    key             TEXT    NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;
