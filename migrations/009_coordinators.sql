-- 009: coordinators and the helpdesk. A session carries what its next page
-- shows after a form failed (Post/Redirect/Get) and the page to return to
-- once logged in; an account keeps the secret of its enrolment in progress,
-- sealed, until a phone is linked, so a new session shows the same QR code.
ALTER TABLE sessions ADD COLUMN flash TEXT;
ALTER TABLE sessions ADD COLUMN return_to TEXT;
ALTER TABLE users ADD COLUMN enrol_secret BLOB;
UPDATE sessions SET pending_secret = NULL;
