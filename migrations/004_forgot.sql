-- 004: "Wachtwoord vergeten?" requests, handled by the background thread so
-- that the answer to the browser costs the same whether an account exists.
CREATE TABLE forgot_requests (
	id		INTEGER PRIMARY KEY,
	email		BLOB NOT NULL,		-- sealed: may name nobody
	addr		TEXT NOT NULL DEFAULT '',
	throttled	INTEGER NOT NULL DEFAULT 0,
	created		INTEGER NOT NULL
);
