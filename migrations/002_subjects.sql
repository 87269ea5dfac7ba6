-- 002: subjects, grants with hashed validation codes, files by content,
-- publications and their recipients, the download audit, per-session unlocks.
CREATE TABLE subjects (
	id		INTEGER PRIMARY KEY,
	code		TEXT NOT NULL UNIQUE COLLATE NOCASE,	-- e.g. DakMon; in URLs
	title		TEXT NOT NULL,
	description	TEXT NOT NULL DEFAULT '',
	created		INTEGER NOT NULL
);

CREATE TABLE grants (
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	subject_id	INTEGER NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
	code_mac	BLOB NOT NULL,		-- crypto_mac("validation", user, subject, code)
	created		INTEGER NOT NULL,
	code_set	INTEGER NOT NULL,	-- when the current code was made
	PRIMARY KEY (user_id, subject_id)
);
CREATE INDEX grants_subject ON grants (subject_id);

-- One row per publication; the content lives in files/<sha256>.
CREATE TABLE files (
	id		INTEGER PRIMARY KEY,	-- what GET /files/{id} names
	subject_id	INTEGER NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
	sha256		TEXT NOT NULL,		-- lowercase hex: the name on disk
	size		INTEGER NOT NULL,
	name		TEXT NOT NULL,		-- the download name, any UTF-8
	all_grantees	INTEGER NOT NULL,	-- 1: every grantee; 0: file_recipients
	published	INTEGER NOT NULL,
	published_by	INTEGER,
	expires		INTEGER,		-- NULL: never
	unpublished	INTEGER			-- NULL: live
);
CREATE INDEX files_subject ON files (subject_id, published);
CREATE INDEX files_sha ON files (sha256);

CREATE TABLE file_recipients (
	file_id		INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY (file_id, user_id)
);

-- The download audit: who, when, which file, how many bytes, from where.
CREATE TABLE downloads (
	id		INTEGER PRIMARY KEY,
	at		INTEGER NOT NULL,
	user_id		INTEGER NOT NULL,
	file_id		INTEGER NOT NULL,
	status		INTEGER NOT NULL,	-- 200 or 206
	first_byte	INTEGER NOT NULL,	-- of a range; 0 for the whole file
	bytes		INTEGER NOT NULL,
	addr		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX downloads_user_file ON downloads (user_id, file_id, at);
CREATE INDEX downloads_file ON downloads (file_id);

-- A subject unlocked by its validation code, for one session, until a time.
CREATE TABLE unlocks (
	session_hash	BLOB NOT NULL REFERENCES sessions(id_hash) ON DELETE CASCADE,
	subject_id	INTEGER NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
	until		INTEGER NOT NULL,
	PRIMARY KEY (session_hash, subject_id)
);
CREATE INDEX unlocks_subject ON unlocks (subject_id);
