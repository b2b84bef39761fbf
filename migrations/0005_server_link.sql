-- The app on a server (issue 10): where this device keeps its session secret, whether the
-- person was told about a file fallback, and whose value a conflict overwrote.

-- Device-local: 'keychain' (the OS keychain) or 'file' (a 0600 file in the data
-- directory, where no keychain exists); NULL while not linked.
ALTER TABLE device ADD COLUMN secret_storage TEXT CHECK (secret_storage IN ('keychain', 'file'));
-- Device-local: 1 once the person has been told the secret lives in a file.
ALTER TABLE device ADD COLUMN file_notice_shown INTEGER NOT NULL DEFAULT 0 CHECK (file_notice_shown IN (0, 1));
-- Device-local: when the last sync round finished (ms since epoch), for the header.
ALTER TABLE device ADD COLUMN synced_at INTEGER;

-- The session whose value was overwritten (NULL from servers that do not say): the
-- conflict is shown on that device only.
ALTER TABLE sync_conflict ADD COLUMN overwritten_by TEXT;
