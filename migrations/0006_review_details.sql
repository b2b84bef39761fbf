-- Sync review details (issue 10): the values a refusal's message interpolates, and the
-- session a sign-in is joining while its secret is being kept.

-- Device-local: a JSON object such as {"max": 100}; NULL when the refusal has none.
ALTER TABLE sync_rejection ADD COLUMN params TEXT CHECK (params IS NULL OR json_valid(params));
-- Device-local: set before a new session's secret is stored and cleared when the session
-- is taken in; one left behind (the app was killed in between) has its secret forgotten at
-- the next start.
ALTER TABLE device ADD COLUMN joining_session TEXT;
