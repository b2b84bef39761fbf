-- Personal details, time zone and avatar of the profile. NULL means "not set".
ALTER TABLE profile ADD COLUMN email TEXT;
ALTER TABLE profile ADD COLUMN organization TEXT;
ALTER TABLE profile ADD COLUMN phone TEXT;                     -- E.164, e.g. +79123456789
ALTER TABLE profile ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';  -- IANA id
ALTER TABLE profile ADD COLUMN avatar BLOB;                     -- 512×512 encoded image
ALTER TABLE profile ADD COLUMN avatar_mime TEXT;
