#!/usr/bin/env python3
"""The admin console's subjects, grants, files and authenticator resets:
create and edit subjects, grant (code mailed), resend, revoke (confirmed),
upload streamed to disk (size limit: 413 and nothing left behind), for all
grantees or chosen ones, with expiry; the uploaded file downloads with the
same SHA-256; the download log; unpublish (confirmed) makes it 404; reset
authenticators (confirmed) forces enrolment; reset requests approved or
refused. Non-admins get 404 everywhere, a POST without csrf 403, every
action is audited with the acting admin and the client address."""

import hashlib
import http.client
import os
import socket
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

MAX_UPLOAD = 200000
state = {}


def setup():
	return admin_server(state, "--max-ip-failures", "1000", "--max-upload",
	    str(MAX_UPLOAD))


def tmp_files(srv):
	d = os.path.join(srv.data, "files")
	return [f for f in os.listdir(d) if f.startswith(".tmp-")] \
	    if os.path.isdir(d) else []


def no_tmp_files(srv, timeout=3):
	"""The cleanup runs when the request completes: wait a little."""
	end = time.time() + timeout
	while tmp_files(srv) and time.time() < end:
		time.sleep(0.05)
	return tmp_files(srv) == []


def nfiles(srv):
	return db_rows(srv, "SELECT count(*) FROM files")[0][0]


def audit_by(srv, event):
	return db_rows(srv, "SELECT user_id, actor_id, addr, detail FROM audit "
	    "WHERE event = ? ORDER BY id", (event,))


def check_audited(srv, event, user_id=None):
	rows = audit_by(srv, event)
	last = rows[-1] if rows else None
	ok = last is not None and last[1] == state["admin_id"] and \
	    last[2] == "127.0.0.1" and (user_id is None or last[0] == user_id)
	return check("%s audited with the admin as actor and the address" %
	    event, ok, rows[-3:])


def multipart(fields, file_field=None, csrf_first=None):
	"""A multipart/form-data body: (content-type, bytes)."""
	boundary = "----kluis%d" % time.time_ns()
	out = []
	items = list(fields)
	if csrf_first is not None:
		items.insert(0, ("csrf", csrf_first))
	for k, v in items:
		out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\""
		    "\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
	if file_field is not None:
		name, fname, data = file_field
		out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
		    "filename=\"%s\"\r\nContent-Type: application/octet-stream"
		    "\r\n\r\n" % (boundary, name, fname)).encode() + data + b"\r\n")
	out.append(("--%s--\r\n" % boundary).encode())
	return "multipart/form-data; boundary=%s" % boundary, b"".join(out)


def upload(b, code, data, fname="rapport.csv", extra=(), csrf=AUTO):
	if csrf is AUTO:
		csrf = b.csrf
	ctype, body = multipart(list(extra), ("file", fname, data),
	    csrf_first=csrf)
	return b.request("POST", "/admin/subjects/%s/upload" % code, body,
	    {"Content-Type": ctype})


def chunked_upload(srv, b, code, size):
	"""An upload without Content-Length, streamed in chunks past the limit."""
	ctype, body = multipart([], ("file", "groot.bin", os.urandom(size)),
	    csrf_first=b.csrf)
	c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
	h = {"Content-Type": ctype, "Cookie": "kluis_session=%s" % b.session,
	    "Transfer-Encoding": "chunked"}

	def gen():
		for i in range(0, len(body), 16384):
			yield body[i:i + 16384]
	try:
		c.request("POST", "/admin/subjects/%s/upload" % code, body=gen(),
		    headers=h, encode_chunked=True)
	except (BrokenPipeError, ConnectionResetError):
		pass
	try:
		r = c.getresponse()
		status = r.status
		r.read()
	except Exception:
		status = 0
	c.close()
	return status


@scenario
def refusals():
	"""Non-admins get 404 on every new route; no csrf is 403; nothing changes"""
	srv, admin = setup()
	cli_ok(srv, "subject", "add", "Geheim", "--title", "Geheim")
	temp = srv.user_add("gewoon@example.org")
	acct = journey(srv, "gewoon@example.org", temp)
	state["plain"] = acct
	uid = uid_of(srv, "gewoon@example.org")
	b = acct.browser
	b.get("/")
	for path in ("/admin/subjects", "/admin/subjects/Geheim", "/admin/files/1"):
		r = b.get(path)
		check("GET %s as a plain user is 404" % path, r.status == 404,
		    r.summary())
	for path in ("/admin/subjects", "/admin/subjects/Geheim/edit",
	    "/admin/subjects/Geheim/grant",
	    "/admin/subjects/Geheim/grants/%d/resend" % uid,
	    "/admin/subjects/Geheim/grants/%d/revoke" % uid,
	    "/admin/files/1/unpublish", "/admin/users/%d/reset-otp" % uid,
	    "/admin/users/%d/refuse" % uid, "/admin/users/%d/grant" % uid):
		r = b.post(path, {"code": "X", "title": "x", "email":
		    "gewoon@example.org", "subject": "Geheim", "confirm": "1"})
		check("POST %s as a plain user is 404" % path, r.status == 404,
		    r.summary())
	r = upload(b, "Geheim", b"x" * 5000)
	check("an upload by a plain user is 404", r.status == 404, r.summary())
	check("... and leaves no temporary file", no_tmp_files(srv),
	    tmp_files(srv))
	check("... and publishes nothing", nfiles(srv) == 0)
	check("the plain user granted nothing", db_rows(srv, "SELECT count(*) "
	    "FROM grants")[0][0] == 0)
	check("the plain user kept their phone", db_rows(srv, "SELECT count(*) "
	    "FROM devices WHERE user_id = ?", (uid,))[0][0] == 1)
	anon = Browser(srv, "anon")
	r = anon.get("/admin/subjects")
	check("GET /admin/subjects without a session -> /login, back there after",
	    is_redirect(r, "/login?next=/admin/subjects"), r.summary())

	# The admin without csrf: 403, nothing changes.
	ab = admin.browser
	ab.get("/admin/subjects")
	r = ab.post("/admin/subjects", {"code": "NoCsrf", "title": "x"},
	    csrf=None)
	check("create subject without csrf is 403", r.status == 403, r.summary())
	r = ab.post("/admin/subjects/Geheim/grant",
	    {"email": "gewoon@example.org"}, csrf=None)
	check("grant without csrf is 403", r.status == 403, r.summary())
	r = ab.post("/admin/users/%d/reset-otp" % uid, {"confirm": "1"},
	    csrf="0" * 64)
	check("reset-otp with a wrong csrf is 403", r.shown().status == 403,
	    r.summary())
	r = upload(ab, "Geheim", b"y" * 5000, csrf=None)
	check("upload without csrf is 403", r.status == 403, r.summary())
	r = upload(ab, "Geheim", b"y" * 5000, csrf="0" * 64)
	check("upload with a wrong csrf is 403", r.shown().status == 403,
	    r.summary())
	check("... and leaves no temporary file", no_tmp_files(srv),
	    tmp_files(srv))
	check("nothing was created, granted, published or reset",
	    db_rows(srv, "SELECT count(*) FROM subjects WHERE code = 'NoCsrf'")
	    [0][0] == 0 and nfiles(srv) == 0 and db_rows(srv, "SELECT count(*) "
	    "FROM grants")[0][0] == 0 and db_rows(srv, "SELECT count(*) FROM "
	    "devices WHERE user_id = ?", (uid,))[0][0] == 1)


@scenario
def subjects_and_grants():
	"""Create and edit a subject, grant (code mailed), resend, revoke with confirmation"""
	srv, admin = setup()
	b = admin.browser
	r = b.get("/admin/subjects")
	require_page("GET /admin/subjects", r, "admin/subjects")
	check_headers("subjects", r)
	check_forms_csrf(r)
	r2 = b.submit(r, "/admin/subjects", {"code": "met spatie", "title": "x"})
	check_page("a bad code is 400 with the form", r2, "admin/subjects", 400)
	r2 = b.submit(r, "/admin/subjects", {"code": "DakMon", "title": ""})
	check_page("an empty title is 400", r2, "admin/subjects", 400)
	r2 = b.submit(r, "/admin/subjects", {"code": "DakMon",
	    "title": "Dakloosheid monitor", "description": "Regel een\r\nRegel twee"})
	require_redirect("create -> the subject page", r2,
	    "/admin/subjects/DakMon?done=created")
	check_audited(srv, "subject.add")
	r2 = b.submit(r, "/admin/subjects", {"code": "DakMon", "title": "x"})
	check_page("a duplicate code is 409", r2, "admin/subjects", 409)
	r = b.get("/admin/subjects/DakMon?done=created")
	require_page("GET /admin/subjects/DakMon", r, "admin/subject")
	check_forms_csrf(r)
	check("the page shows the title", "Dakloosheid monitor" in r.page.text)
	r2 = b.submit(r, "/admin/subjects/DakMon/edit", {"title": "Dakloosheid",
	    "description": "Nieuw"})
	require_redirect("edit -> the subject page", r2,
	    "/admin/subjects/DakMon?done=edited")
	check("the title changed", db_rows(srv, "SELECT title, description FROM "
	    "subjects WHERE code = 'DakMon'") == [("Dakloosheid", "Nieuw")])
	check_audited(srv, "subject.edit")
	check("GET an unknown subject is 404",
	    b.get("/admin/subjects/Onbekend").status == 404)

	# Grant from the subject page: the validation code is mailed.
	addr = "lezer@example.org"
	temp = srv.user_add(addr)
	state["reader"] = journey(srv, addr, temp)
	uid = uid_of(srv, addr)
	r = b.get("/admin/subjects/DakMon")
	r2 = b.submit(r, "/admin/subjects/DakMon/grant", {"email": "nobody@x.org"})
	check_page("granting to an unknown email is 400", r2, "admin/subject",
	    400)
	r2 = b.submit(r, "/admin/subjects/DakMon/grant", {"email": addr.upper()})
	require_redirect("grant -> the subject page", r2,
	    "/admin/subjects/DakMon?done=granted")
	_, msg = newest_mail(srv, addr, "validatiecode voor DakMon")
	require("the validation code was mailed", msg is not None)
	code1 = mail_secret(msg)
	check_audited(srv, "grant", uid)
	r = b.get("/admin/subjects/DakMon")
	check("the grantee is listed", addr in r.page.text)
	check("the page never shows the code", code1 not in r.text)
	r2 = b.submit(r, "/admin/subjects/DakMon/grant", {"email": addr})
	check_page("granting twice is 409", r2, "admin/subject", 409)

	# Resend: a new code, the old one dies.
	last = read_mails(srv)[-1][0]
	r2 = b.post("/admin/subjects/DakMon/grants/%d/resend" % uid, {})
	require_redirect("resend -> the subject page", r2,
	    "/admin/subjects/DakMon?done=resent")
	_, msg = newest_mail(srv, addr, "validatiecode voor DakMon", after=last)
	require("a new code was mailed", msg is not None)
	code2 = mail_secret(msg)
	check("the new code differs", code2 != code1)
	check_audited(srv, "grant.resend", uid)
	rb = state["reader"].browser
	r3 = unlock(rb, "DakMon", code1)
	check("the old code no longer unlocks", r3.shown().status in (400, 401,
	    403), r3.summary())
	r3 = unlock(rb, "DakMon", code2)
	check("the new code unlocks", is_redirect(r3, "/subjects/DakMon"),
	    r3.summary())
	state["code"] = code2

	# Revoke needs a confirmation.
	cli_ok(srv, "subject", "add", "Tijdelijk", "--title", "Tijdelijk")
	r = b.get("/admin/users/%d" % uid)
	require_page("the user page", r, "admin/user")
	check("the user page lists the grant", "DakMon" in r.page.text)
	r2 = b.submit(r, "/admin/users/%d/grant" % uid, {"subject": "Tijdelijk"})
	require_redirect("grant from the user page", r2,
	    "/admin/users/%d?done=granted" % uid)
	check("the grant exists", db_rows(srv, "SELECT count(*) FROM grants g "
	    "JOIN subjects s ON s.id = g.subject_id WHERE s.code = 'Tijdelijk'")
	    [0][0] == 1)
	r2 = b.post("/admin/subjects/Tijdelijk/grants/%d/revoke" % uid, {})
	check_page("revoke first asks for confirmation", r2, "admin/confirm")
	check("the grant is still there", db_rows(srv, "SELECT count(*) FROM "
	    "grants g JOIN subjects s ON s.id = g.subject_id WHERE s.code = "
	    "'Tijdelijk'")[0][0] == 1)
	r3 = b.submit(r2, "/admin/subjects/Tijdelijk/grants/%d/revoke" % uid, {})
	require_redirect("confirmed revoke", r3,
	    "/admin/subjects/Tijdelijk?done=revoked")
	check("the grant is gone", db_rows(srv, "SELECT count(*) FROM grants g "
	    "JOIN subjects s ON s.id = g.subject_id WHERE s.code = 'Tijdelijk'")
	    [0][0] == 0)
	check_audited(srv, "revoke", uid)


@scenario
def uploads():
	"""Upload streamed to disk: download with the same SHA-256, limits, recipients, expiry, log, unpublish"""
	srv, admin = setup()
	b = admin.browser
	require("the subject and reader exist", "code" in state)
	reader = state["reader"]
	addr = reader.email
	data = os.urandom(150000)
	sha = hashlib.sha256(data).hexdigest()
	before = nfiles(srv)
	b.get("/admin/subjects/DakMon")
	last = read_mails(srv)[-1][0]
	r = upload(b, "DakMon", data, "op orde rapport.csv")
	require_redirect("upload -> the subject page", r,
	    "/admin/subjects/DakMon?done=published")
	rows = db_rows(srv, "SELECT id, sha256, size, name, all_grantees, "
	    "published_by FROM files ORDER BY id DESC LIMIT 1")
	require("a file row", nfiles(srv) == before + 1 and rows, rows)
	fid = rows[0][0]
	check("its SHA-256, size and name are the upload's", rows[0][1:4] ==
	    (sha, len(data), "op orde rapport.csv"), rows)
	check("for every grantee, published by the admin", rows[0][4] == 1 and
	    rows[0][5] == state["admin_id"], rows)
	check("the content is stored under its SHA-256",
	    os.path.exists(os.path.join(srv.data, "files", sha)))
	check("no temporary file is left", no_tmp_files(srv), tmp_files(srv))
	check_audited(srv, "file.publish")
	_, msg = newest_mail(srv, addr, "Nieuw bestand beschikbaar voor DakMon",
	    after=last)
	check("the grantee got the new-file mail", msg is not None)
	r = b.get("/admin/subjects/DakMon?done=published")
	check("the subject page lists the file with its SHA-256",
	    sha in r.text and "op orde rapport.csv" in r.page.text)

	# The reader downloads it (unlocked in the previous scenario).
	rb = reader.browser
	r = rb.get("/subjects/DakMon")
	if r.page is not None and r.page.form("/subjects/DakMon/unlock"):
		unlock(rb, "DakMon", state["code"])
	r = rb.get("/files/%d" % fid)
	check("the reader downloads the file", r.status == 200, r.summary())
	check("the download's SHA-256 matches the upload",
	    hashlib.sha256(r.body).hexdigest() == sha)

	# The file page: the download log.
	r = b.get("/admin/files/%d" % fid)
	require_page("GET /admin/files/ID", r, "admin/file")
	check("the log lists the reader, bytes and address", addr in r.page.text
	    and str(len(data)) in r.page.text and "127.0.0.1" in r.page.text,
	    r.page.text[-600:])

	# Over the limit: 413, nothing left behind.
	before = nfiles(srv)
	r = upload(b, "DakMon", os.urandom(MAX_UPLOAD + 70000), "te-groot.bin")
	check("an upload over --max-upload (Content-Length) is 413",
	    r.status == 413, r.summary())
	check("the 413 page says what to do", r.status == 413 and r.page is
	    not None and r.errors, r.summary())
	b.get("/admin/subjects/DakMon")
	status = chunked_upload(srv, b, "DakMon", MAX_UPLOAD + 200000)
	check("a chunked upload over --max-upload is 413", status == 413, status)
	check("nothing is left in var/files/", no_tmp_files(srv),
	    tmp_files(srv))
	check("no file row was added", nfiles(srv) == before)
	b.get("/admin/subjects/DakMon")
	r = upload(b, "DakMon", os.urandom(MAX_UPLOAD + 1), "een-te-veel.bin")
	check("a file one byte over --max-upload is 413 (the form's room "
	    "does not count for the file)", r.status == 413, r.summary())
	b.get("/admin/subjects/DakMon")
	ctype, body = multipart([("junk", "x" * 300000)], ("file", "a.txt",
	    b"abc"), csrf_first=b.csrf)
	r = b.request("POST", "/admin/subjects/DakMon/upload", body,
	    {"Content-Type": ctype})
	check("a form field over --max-body on the upload route is 413 (fields "
	    "are held in memory)", r.status == 413, r.summary())
	r = Browser(srv, "stranger").request("POST",
	    "/admin/subjects/DakMon/upload", body, {"Content-Type": ctype})
	check("without an admin session the upload route refuses before "
	    "reading the body (404)", r.status == 404, r.summary())
	check("nothing is left after these either", no_tmp_files(srv) and
	    nfiles(srv) == before, tmp_files(srv))
	b.get("/admin/subjects/DakMon")
	r = upload(b, "DakMon", os.urandom(MAX_UPLOAD), "precies.bin")
	require_redirect("a file of exactly --max-upload is accepted", r,
	    "/admin/subjects/DakMon?done=published")
	rows = audit_by(srv, "file.publish")
	check("the publish audit names the file and its SHA-256", rows and
	    "precies.bin" in rows[-1][3] and "sha256" in rows[-1][3], rows[-1:])
	before = nfiles(srv)

	# Refusals re-render the page with 400.
	b.get("/admin/subjects/DakMon")
	r = upload(b, "DakMon", b"abc", extra=[("expires", "2001-01-01")])
	check_page("an expiry in the past is 400", r, "admin/subject", 400)
	r = upload(b, "DakMon", b"abc", extra=[("audience", "chosen")])
	check_page("chosen recipients but none ticked is 400", r,
	    "admin/subject", 400)
	ctype, body = multipart([], None, csrf_first=b.csrf)
	r = b.request("POST", "/admin/subjects/DakMon/upload", body,
	    {"Content-Type": ctype})
	check_page("no file is 400", r, "admin/subject", 400)
	check("the refusals left nothing", no_tmp_files(srv) and
	    nfiles(srv) == before, tmp_files(srv))

	# Chosen recipients and an expiry.
	other = "ander@example.org"
	srv.user_add(other)
	cli_ok(srv, "grant", other, "DakMon")
	data2 = b"alleen voor lezer\n"
	r = upload(b, "DakMon", data2, "lezer.txt", extra=[
	    ("audience", "chosen"), ("to", str(uid_of(srv, addr))),
	    ("expires", "2099-12-31")])
	require_redirect("upload for one recipient", r,
	    "/admin/subjects/DakMon?done=published")
	rows = db_rows(srv, "SELECT id, all_grantees, expires FROM files "
	    "ORDER BY id DESC LIMIT 1")
	fid2 = rows[0][0]
	check("not for all grantees, with an expiry", rows[0][1] == 0 and
	    rows[0][2] and rows[0][2] > time.time(), rows)
	check("the chosen recipient is recorded", db_rows(srv, "SELECT user_id "
	    "FROM file_recipients WHERE file_id = ?", (fid2,)) ==
	    [(uid_of(srv, addr),)])
	r = rb.get("/files/%d" % fid2)
	check("the recipient downloads it", r.status == 200 and r.body == data2,
	    r.summary())

	# Unpublish, confirmed.
	r = b.get("/admin/files/%d" % fid)
	r2 = b.submit(r, "/admin/files/%d/unpublish" % fid, {})
	check_page("unpublish first asks for confirmation", r2, "admin/confirm")
	check("still downloadable before the confirmation",
	    rb.get("/files/%d" % fid).status == 200)
	r3 = b.submit(r2, "/admin/files/%d/unpublish" % fid, {})
	require_redirect("confirmed unpublish", r3,
	    "/admin/subjects/DakMon?done=unpublished")
	check("the file is now 404 for the reader",
	    rb.get("/files/%d" % fid).status == 404)
	check("its content is gone", not os.path.exists(os.path.join(srv.data,
	    "files", sha)))
	check_audited(srv, "file.unpublish")
	rows = audit_by(srv, "file.unpublish")
	check("the unpublish audit names the file", rows and "file %d " % fid in
	    rows[-1][3], rows[-1:])

	# A client that goes away halfway through an upload leaves nothing.
	b.get("/admin/subjects/DakMon")
	before = nfiles(srv)
	ctype, body = multipart([], ("file", "half.bin", os.urandom(150000)),
	    csrf_first=b.csrf)
	s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
	s.sendall(("POST /admin/subjects/DakMon/upload HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: kluis_session=%s\r\nContent-Type: %s\r\n"
	    "Content-Length: %d\r\n\r\n" % (b.session, ctype, len(body)))
	    .encode() + body[:len(body) // 2])
	time.sleep(0.5)
	s.close()
	check("a half-sent upload leaves no temporary file", no_tmp_files(srv, 10),
	    tmp_files(srv))
	check("and no file row", nfiles(srv) == before)

	# Many chosen recipients: every ticked box is a form field.
	ids = []
	for i in range(40):
		a = "veel%02d@example.org" % i
		cli_ok(srv, "user", "add", a)
		cli_ok(srv, "grant", a, "DakMon")
		ids.append(uid_of(srv, a))
	b.get("/admin/subjects/DakMon")
	r = upload(b, "DakMon", b"voor velen\n", "velen.txt", extra=[
	    ("audience", "chosen")] + [("to", str(i)) for i in ids])
	require_redirect("an upload for 40 chosen recipients", r,
	    "/admin/subjects/DakMon?done=published")
	rows = db_rows(srv, "SELECT count(*) FROM file_recipients WHERE "
	    "file_id = (SELECT max(id) FROM files)")
	check("all 40 are recorded", rows == [(40,)], rows)


@scenario
def reset_authenticators():
	"""Reset authenticators from the console (confirmed) forces enrolment; requests approved or refused"""
	srv, admin = setup()
	b = admin.browser
	addr = "telefoon.kwijt@example.org"
	temp = srv.user_add(addr)
	acct = journey(srv, addr, temp)
	uid = uid_of(srv, addr)
	r = b.get("/admin/users/%d" % uid)
	require_page("the user page", r, "admin/user")
	r2 = b.submit(r, "/admin/users/%d/reset-otp" % uid, {})
	check_page("reset-otp first asks for confirmation", r2, "admin/confirm")
	check("the phone is still there", db_rows(srv, "SELECT count(*) FROM "
	    "devices WHERE user_id = ?", (uid,))[0][0] == 1)
	last = read_mails(srv)[-1][0]
	r3 = b.submit(r2, "/admin/users/%d/reset-otp" % uid, {})
	require_redirect("confirmed reset", r3, "/admin/users/%d?done=reset" % uid)
	check("the phones are gone", db_rows(srv, "SELECT count(*) FROM devices "
	    "WHERE user_id = ?", (uid,))[0][0] == 0)
	check_audited(srv, "otp.reset", uid)
	r = acct.browser.get("/")
	check("the user's session ended", is_redirect(r, "/login"), r.summary())
	_, msg = newest_mail(srv, addr, "authenticator", after=last)
	require("the user got the reset mail with a temporary password",
	    msg is not None and mail_secret(msg))
	b2 = login(srv, addr, mail_secret(msg), "/enrol", "after-reset")
	check("the next login must enrol", True)
	r = b.post("/admin/users/%d/reset-otp" % state["admin_id"],
	    {"confirm": "1"})
	check("an admin cannot reset their own authenticators here",
	    r.shown().status == 400, r.summary())

	# Requests: refuse, then approve.
	addr2 = "verzoek@example.org"
	temp2 = srv.user_add(addr2)
	journey(srv, addr2, temp2)
	uid2 = uid_of(srv, addr2)
	db_write(srv, "INSERT INTO otp_reset_requests (user_id, created, addr) "
	    "VALUES (?, ?, '192.0.2.7')", (uid2, int(time.time())))
	r = b.get("/admin")
	check("the users list shows the pending request", addr2 in r.page.text
	    and "/admin/users/%d" % uid2 in r.page.links, r.page.text[:400])
	r = b.get("/admin/users/%d" % uid2)
	check("the user page offers approve and refuse",
	    r.page.form("/admin/users/%d/refuse" % uid2) is not None and
	    "/admin/users/%d/reset-otp" % uid2 in r.page.links)
	last = read_mails(srv)[-1][0]
	r2 = b.submit(r, "/admin/users/%d/refuse" % uid2, {})
	require_redirect("refuse -> the user page", r2,
	    "/admin/users/%d?done=refused" % uid2)
	check("the request is closed", db_rows(srv, "SELECT count(*) FROM "
	    "otp_reset_requests WHERE user_id = ?", (uid2,))[0][0] == 0)
	check("the phone stays", db_rows(srv, "SELECT count(*) FROM devices "
	    "WHERE user_id = ?", (uid2,))[0][0] == 1)
	_, msg = newest_mail(srv, addr2, "geweigerd", after=last)
	check("the user was told by mail", msg is not None)
	check_audited(srv, "otp.request.refuse", uid2)
	r = b.post("/admin/users/%d/refuse" % uid2, {})
	check("refusing again is 409", r.shown().status == 409, r.summary())
	db_write(srv, "INSERT INTO otp_reset_requests (user_id, created, addr) "
	    "VALUES (?, ?, '192.0.2.7')", (uid2, int(time.time())))
	r2 = b.get("/admin/users/%d/reset-otp" % uid2)	# the approve link
	r3 = b.submit(r2, "/admin/users/%d/reset-otp" % uid2, {})
	require_redirect("approve = reset", r3,
	    "/admin/users/%d?done=reset" % uid2)
	check("approving removed the phone and closed the request",
	    db_rows(srv, "SELECT count(*) FROM devices WHERE user_id = ?",
	    (uid2,))[0][0] == 0 and db_rows(srv, "SELECT count(*) FROM "
	    "otp_reset_requests WHERE user_id = ?", (uid2,))[0][0] == 0)


main()
