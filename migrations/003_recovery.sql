-- 003: recovery codes, password-reset tokens and authenticator-reset requests.
CREATE TABLE recovery_codes (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	code_hash	BLOB NOT NULL,		-- keyed hash of user id and code
	created		INTEGER NOT NULL,
	used		INTEGER			-- when it was spent; NULL while unused
);
CREATE UNIQUE INDEX recovery_codes_hash ON recovery_codes (user_id, code_hash);

-- At most one live reset link per account: a newer one replaces the row.
CREATE TABLE reset_tokens (
	user_id		INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	token_hash	BLOB NOT NULL UNIQUE,	-- keyed hash of the mailed token
	created		INTEGER NOT NULL,
	expires		INTEGER NOT NULL,
	addr		TEXT NOT NULL DEFAULT ''
);

-- A user without device or recovery code asks an admin for an authenticator reset.
CREATE TABLE otp_reset_requests (
	user_id		INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	created		INTEGER NOT NULL,
	addr		TEXT NOT NULL DEFAULT ''
);
