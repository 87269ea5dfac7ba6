-- 007: versions of a report, and the CRC-32 of each file's content (what a
-- zip of a subject names without reading the content again).
-- A publication with the name of an earlier one in its subject (or naming
-- the one it replaces) is its next version: REPLACES is the version it
-- follows, REPORT the first version's id, shared by the whole chain.
ALTER TABLE files ADD COLUMN replaces INTEGER REFERENCES files(id);
ALTER TABLE files ADD COLUMN report INTEGER;
ALTER TABLE files ADD COLUMN crc32 INTEGER;	-- NULL until computed (publish.c)

-- What was published before: files of one name in one subject were
-- versions of one report, oldest first.
UPDATE files SET
	report = (SELECT min(g.id) FROM files g WHERE g.subject_id =
	    files.subject_id AND g.name = files.name),
	replaces = (SELECT max(g.id) FROM files g WHERE g.subject_id =
	    files.subject_id AND g.name = files.name AND g.id < files.id);
CREATE INDEX files_report ON files (report, id);
CREATE INDEX files_name ON files (subject_id, name);
