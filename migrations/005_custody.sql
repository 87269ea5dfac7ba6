-- 005: data custody. The key's fingerprint and the sealed hashing key;
-- deleted accounts keep a pseudonym in the logs; a download's row records
-- the bytes sent once its response has ended.
CREATE TABLE keyring (
	name		TEXT PRIMARY KEY,	-- 'fingerprint': MAC of a fixed label under the key file
	value		BLOB NOT NULL		-- 'mac_key': the key of every keyed hash, sealed
);

ALTER TABLE audit ADD COLUMN user_alias TEXT;	-- pseudonym of a deleted account
ALTER TABLE audit ADD COLUMN actor_alias TEXT;
CREATE INDEX audit_actor ON audit (actor_id);

CREATE TABLE downloads_new (
	id		INTEGER PRIMARY KEY,
	at		INTEGER NOT NULL,
	user_id		INTEGER,		-- NULL once the account was deleted ...
	user_alias	TEXT,			-- ... and this its pseudonym
	file_id		INTEGER NOT NULL,
	status		INTEGER NOT NULL,	-- 200 or 206
	first_byte	INTEGER NOT NULL,	-- of a range; 0 for the whole file
	bytes		INTEGER NOT NULL,	-- sent: 0 until the response ended
	addr		TEXT NOT NULL DEFAULT '',
	finished	INTEGER			-- when the response ended; NULL: still sending or cut by a stop
);
INSERT INTO downloads_new (id, at, user_id, file_id, status, first_byte,
    bytes, addr, finished)
	SELECT id, at, user_id, file_id, status, first_byte, bytes, addr, at
	FROM downloads;
DROP TABLE downloads;
ALTER TABLE downloads_new RENAME TO downloads;
CREATE INDEX downloads_user_file ON downloads (user_id, file_id, at);
CREATE INDEX downloads_file ON downloads (file_id);
CREATE INDEX downloads_at ON downloads (at);
