-- The values a rejection's translated message interpolates (a JSON object, e.g.
-- {"max": 100}); NULL when it has none.
ALTER TABLE mutation_log ADD COLUMN params TEXT;
-- SHA-256 of the mutation's arguments as JSON: a mutation id used again by the same user
-- for the same change (a re-send whose answer was lost) is logged with its first outcome
-- and a NULL mutation_id; NULL for rows logged before this column.
ALTER TABLE mutation_log ADD COLUMN args_sha256 TEXT;
