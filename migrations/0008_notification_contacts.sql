-- Synced: the person's notification contacts, one row per contact, checked against the
-- channel catalog by the domain's rules before they are written.
CREATE TABLE contact (
    id          TEXT    PRIMARY KEY NOT NULL,
    profile_id  TEXT    NOT NULL REFERENCES profile (id),
    channel     TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    preferred   INTEGER NOT NULL CHECK (preferred IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- Device-local: the channel catalog the linked server last sent, with the server it came
-- from (a catalog of another server, or none, means the built-in one).
CREATE TABLE channel_catalog (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    server_url  TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    catalog     TEXT    NOT NULL
) STRICT;
