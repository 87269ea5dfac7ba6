-- 001: accounts, authenticator devices, sessions, the mail queue, audit and throttling.
CREATE TABLE users (
	id		INTEGER PRIMARY KEY,
	email		TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name		TEXT NOT NULL DEFAULT '',
	is_admin	INTEGER NOT NULL DEFAULT 0,
	password_hash	TEXT NOT NULL,		-- argon2id PHC string
	password_temp	INTEGER NOT NULL DEFAULT 1,	-- must change at next login
	disabled	INTEGER NOT NULL DEFAULT 0,
	lang		TEXT NOT NULL DEFAULT '',
	created		INTEGER NOT NULL,
	password_changed INTEGER
);

CREATE TABLE devices (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name		TEXT NOT NULL,
	secret		BLOB NOT NULL,		-- TOTP secret sealed with the key file
	last_step	INTEGER NOT NULL DEFAULT 0,	-- last accepted time step
	created		INTEGER NOT NULL,
	last_used	INTEGER,
	UNIQUE (user_id, name)
);

CREATE TABLE sessions (
	id_hash		BLOB PRIMARY KEY,	-- SHA-256 of the cookie value
	user_id		INTEGER REFERENCES users(id) ON DELETE CASCADE,
	stage		INTEGER NOT NULL,
	created		INTEGER NOT NULL,
	last_seen	INTEGER NOT NULL,
	pending_secret	BLOB,			-- sealed secret of an enrolment in progress
	addr		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE mail_queue (
	id		INTEGER PRIMARY KEY,
	rcpt		TEXT NOT NULL,
	message		BLOB NOT NULL,		-- sealed RFC 5322 message; emptied once sent
	created		INTEGER NOT NULL,
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_try	INTEGER NOT NULL,
	claimed_until	INTEGER NOT NULL DEFAULT 0,
	sent		INTEGER,
	last_error	TEXT
);
CREATE INDEX mail_queue_due ON mail_queue (sent, next_try);

CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	at		INTEGER NOT NULL,
	user_id		INTEGER,		-- the account the event is about
	actor_id	INTEGER,		-- who did it, when not the user
	event		TEXT NOT NULL,
	addr		TEXT NOT NULL DEFAULT '',
	detail		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_user ON audit (user_id, at);
CREATE INDEX audit_at ON audit (at);

CREATE TABLE throttle (
	kind		TEXT NOT NULL,		-- pw, otp, validation
	key		BLOB NOT NULL,		-- keyed hash of the account or address
	failures	INTEGER NOT NULL,
	last_failure	INTEGER NOT NULL,
	blocked_until	INTEGER NOT NULL,
	PRIMARY KEY (kind, key)
);
