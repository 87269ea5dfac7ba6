-- 008: personal access tokens for researchers' scripts (api-tokens = on).
-- A token is kept only as a keyed hash, by which it is found; it reads the
-- subjects listed for it, while they stay granted, until it expires or is
-- revoked (by its owner, or when their password changes, their
-- authenticators are reset or their account is disabled).
CREATE TABLE api_tokens (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	hash		BLOB NOT NULL UNIQUE,	-- crypto_mac("api-token", token)
	name		TEXT NOT NULL,
	created		INTEGER NOT NULL,
	expires		INTEGER NOT NULL,
	last_used	INTEGER,
	last_addr	TEXT,
	revoked		INTEGER,		-- when; NULL while it works
	revoked_why	TEXT			-- user, password, authenticators, disabled
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE api_token_subjects (
	token_id	INTEGER NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
	subject_id	INTEGER NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
	PRIMARY KEY (token_id, subject_id)
);
CREATE INDEX api_token_subjects_subject ON api_token_subjects (subject_id);
