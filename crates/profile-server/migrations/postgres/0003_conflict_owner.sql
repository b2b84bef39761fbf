-- Whose value a conflict overwrote: the session that last wrote the field before the
-- overwriting mutation, so only that device shows the conflict. NULL for conflicts
-- recorded before this column existed.
ALTER TABLE conflicts ADD COLUMN overwritten_by TEXT;
