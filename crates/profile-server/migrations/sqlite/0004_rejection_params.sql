-- The values a rejection's translated message interpolates (a JSON object, e.g.
-- {"max": 100}); NULL when it has none. A mutation id used again by the same user's same
-- kind of change is logged with its first outcome and a NULL mutation_id.
ALTER TABLE mutation_log ADD COLUMN params TEXT;
