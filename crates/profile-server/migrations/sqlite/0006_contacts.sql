-- Notification contacts (issue 12): rows come from the user's `contact.*` mutations,
-- checked against the server's channel catalog.
CREATE TABLE contacts (
    id          TEXT    PRIMARY KEY NOT NULL,
    user_id     TEXT    NOT NULL REFERENCES users (id),
    channel     TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    preferred   INTEGER NOT NULL CHECK (preferred IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX contacts_by_user ON contacts (user_id);

-- Channels an administrator added (`profile-server channel add`), after the built-in ones.
-- Each row is the channel's definition as JSON; `catalog_changes` counts every addition and
-- removal, so the catalog's version moves and clients learn of it at their next pull.
CREATE TABLE channels (
    id          TEXT    PRIMARY KEY NOT NULL,
    definition  TEXT    NOT NULL,
    added_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE catalog_changes (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    changes     INTEGER NOT NULL
) STRICT;

INSERT INTO catalog_changes (id, changes) VALUES (1, 0);
