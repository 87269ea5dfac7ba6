-- A user may have several live reset links, each used once: a stranger's
-- "Wachtwoord vergeten?" no longer voids the link the owner asked for.
-- All of them die when the password changes.
CREATE TABLE reset_links (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	token_hash	BLOB NOT NULL UNIQUE,	-- keyed hash of the mailed token
	created		INTEGER NOT NULL,
	expires		INTEGER NOT NULL,
	addr		TEXT NOT NULL DEFAULT ''
);
INSERT INTO reset_links (user_id, token_hash, created, expires, addr)
    SELECT user_id, token_hash, created, expires, addr FROM reset_tokens;
DROP TABLE reset_tokens;
ALTER TABLE reset_links RENAME TO reset_tokens;
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);
