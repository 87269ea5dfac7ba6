#!/usr/bin/env python3
"""What the helpdesk needs, in the console and on the command line, and what
a coordinator types: a failed upload keeps its audience (never wider), a
lockout lifted, a user edited (name, email, language, admin role), every
command that mirrors a console action (user add --lang, user edit, user
show, user unlock, subject edit, requests approve|refuse, downloads, audit
with what each event means), temporary passwords typed loosely, codes typed
as apps show them, and every form answering with a redirect."""

import datetime
import json
import os
import re
import sys
import tempfile
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}


def setup():
	return admin_server(state, "--max-ip-failures", "1000",
	    "--organisation-name", "Gemeente Testdorp", "--contact-phone",
	    "0800 123 45 67", "--contact-email", "helpdesk@testdorp.example")


def cli(srv, *args):
	p = srv.cli(*(list(args) + ["--data", srv.data]))
	return (p.returncode, p.stdout.decode(errors="replace"),
	    p.stderr.decode(errors="replace"))


def multipart(fields, file_field):
	boundary = "----kluis%d" % time.time_ns()
	out = []
	for k, v in fields:
		out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\""
		    "\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
	name, fname, data = file_field
	out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
	    "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n"
	    % (boundary, name, fname)).encode() + data + b"\r\n")
	out.append(("--%s--\r\n" % boundary).encode())
	return "multipart/form-data; boundary=%s" % boundary, b"".join(out)


def upload(b, code, fields):
	ctype, body = multipart([("csrf", b.csrf)] + fields,
	    ("file", "gemeente-a.csv", b"gemeente;aantal\nA;12\n"))
	return b.request("POST", "/admin/subjects/%s/upload" % code, body,
	    {"Content-Type": ctype})


def audience(page):
	"""The upload form of PAGE as it is shown: (audience, ticked user ids)."""
	form = page.form("/admin/subjects/DakMon/upload")
	if form is None:
		return None, None
	radio = [i.get("value") for i in form["inputs"] if i.get("name") ==
	    "audience" and "checked" in i]
	ticked = sorted(int(i.get("value")) for i in form["inputs"] if
	    i.get("name") == "to" and "checked" in i)
	return (radio[0] if len(radio) == 1 else radio), ticked


@scenario
def failed_upload_keeps_the_audience():
	"""A refused upload comes back with the same audience: never everyone"""
	srv, admin = setup()
	b = admin.browser
	cli_ok(srv, "subject", "add", "DakMon", "--title", "Dakloosheid")
	ids = []
	for addr in ("a@gemeente.example", "b@gemeente.example"):
		srv.user_add(addr)
		grant(srv, addr, "DakMon")
		ids.append(uid_of(srv, addr))
	r = b.get("/admin/subjects/DakMon")
	check("a fresh upload form is for everyone", audience(r.page) ==
	    ("all", []), audience(r.page))
	before = db_rows(srv, "SELECT count(*) FROM files")[0][0]

	# Only gemeente A, with an expiry date in the past: refused.
	r = upload(b, "DakMon", [("audience", "chosen"), ("to", ids[0]),
	    ("expires", "2001-01-01")])
	check("a refused upload redirects to the subject page (Post/Redirect/"
	    "Get)", r.status == 303 and r.location == "/admin/subjects/DakMon",
	    r.summary())
	r.shown()
	check("the page says what was wrong (400)", r.status == 400 and
	    r.errors and "vervaldatum" in r.errors[0], r.summary())
	check("the same audience comes back: only the ticked user",
	    audience(r.page) == ("chosen", [ids[0]]), audience(r.page))
	check("the page says to choose the file again",
	    "Kies het bestand opnieuw" in r.page.text, r.page.text[:1500])
	check("the date typed comes back", 'value="2001-01-01"' in r.text)
	check("the error is tied to its field", 'id="expires"' in r.text and
	    re.search(r'id="expires"[^>]*aria-invalid="true"', r.text))

	# "Only the ticked users", nobody ticked: still not everyone.
	r = upload(b, "DakMon", [("audience", "chosen")]).shown()
	check("nobody ticked: refused (400)", r.status == 400, r.summary())
	check("... and the form still says only the ticked users",
	    audience(r.page) == ("chosen", []), audience(r.page))
	check("nothing was published", db_rows(srv, "SELECT count(*) FROM "
	    "files")[0][0] == before)

	# Reload shows the plain form: the message was shown once.
	r = b.get("/admin/subjects/DakMon")
	check("a reload shows the form afresh (200, no error)", r.status == 200
	    and not r.errors, r.summary())

	# The form filled in again as it came back publishes to A only.
	r = upload(b, "DakMon", [("audience", "chosen"), ("to", ids[0])])
	check("sent again, it publishes", r.status == 303 and "published" in
	    (r.location or ""), r.summary())
	rows = db_rows(srv, "SELECT all_grantees, (SELECT group_concat(user_id) "
	    "FROM file_recipients WHERE file_id = files.id) FROM files ORDER BY "
	    "id DESC LIMIT 1")
	check("... to gemeente A only", rows and rows[0][0] == 0 and
	    str(rows[0][1]) == str(ids[0]), rows)
	state["file_id"] = db_rows(srv, "SELECT max(id) FROM files")[0][0]


@scenario
def lockout_lifted():
	"""The helpdesk lifts a lockout: console button and kluis user unlock"""
	srv, admin = setup()
	b = admin.browser
	addr = "vergeetachtig@gemeente.example"
	acct = journey(srv, addr, srv.user_add(addr))
	uid = uid_of(srv, addr)
	for i in range(6):
		lb = Browser(srv, "wrong-%d" % i)
		lb.submit(lb.get("/login"), "/login", {"email": addr,
		    "password": "niet-het-goede-%d" % i})
	r = login_attempt(srv, addr, acct.password)
	check("after 6 wrong passwords even the right one waits (429)",
	    r.status == 429, r.summary())
	r = b.get("/admin/users/%d" % uid)
	check("the console says the user is locked", "tijdelijk geblokkeerd" in
	    r.page.text and r.page.form("/admin/users/%d/unlock" % uid),
	    r.page.text[:800])
	r2 = b.submit(r, "/admin/users/%d/unlock" % uid, {})
	check_redirect("unlock -> the user page with a notice", r2,
	    "/admin/users/%d?done=unlocked" % uid)
	r2 = b.get("/admin/users/%d?done=unlocked" % uid)
	check("it says the lock was lifted", "blokkering is opgeheven" in
	    r2.page.text, r2.page.text[:800])
	r = Browser(srv, "right")
	r = r.submit(r.get("/login"), "/login", {"email": addr,
	    "password": acct.password})
	check_redirect("the right password logs in straight away", r, "/otp")
	rows = db_rows(srv, "SELECT actor_id, addr FROM audit WHERE event = "
	    "'user.unlock' AND user_id = ?", (uid,))
	check("user.unlock audited with the admin", rows and rows[-1] ==
	    (state["admin_id"], "127.0.0.1"), rows)

	# The same from the command line.
	for i in range(6):
		login_attempt(srv, addr, "weer-fout-%d" % i)
	check("locked again", login_attempt(srv, addr, acct.password).status ==
	    429)
	code, out, err = cli(srv, "user", "list")
	check("kluis user list says locked", re.search(r"%s.*locked" %
	    re.escape(addr), out), out)
	code, out, err = cli(srv, "user", "unlock", addr)
	check("kluis user unlock exits 0 and says so", code == 0 and
	    "unlocked" in out, out + err)
	check("the right password logs in again", is_redirect(
	    login_attempt(srv, addr, acct.password, shown=False), "/otp"))
	check("kluis user unlock of an unknown account fails",
	    cli(srv, "user", "unlock", "niemand@gemeente.example")[0] == 1)


def login_attempt(srv, addr, password, shown=True):
	b = Browser(srv, "attempt")
	r = b.submit(b.get("/login"), "/login", {"email": addr,
	    "password": password})
	return r.shown() if shown else r


@scenario
def user_edited():
	"""A user's name, email, language and admin role, in the console and with kluis user edit"""
	srv, admin = setup()
	b = admin.browser
	addr = "oud.adres@gemeente.example"
	acct = journey(srv, addr, srv.user_add(addr, name="Els"))
	uid = uid_of(srv, addr)
	r = b.get("/admin/users/%d" % uid)
	form = r.page.form("/admin/users/%d/edit" % uid)
	require("the user page has the edit form", form is not None)
	last = read_mails(srv)[-1][0]
	new = "nieuw.adres@gemeente.example"
	r2 = b.submit(r, "/admin/users/%d/edit" % uid, {"email": new,
	    "name": "Els de Vries", "lang": "en", "admin": "1"})
	check_redirect("edit -> the user page with a notice", r2,
	    "/admin/users/%d?done=edited" % uid)
	rows = db_rows(srv, "SELECT email, name, lang, is_admin FROM users "
	    "WHERE id = ?", (uid,))
	check("name, email, language and role changed", rows == [(new,
	    "Els de Vries", "en", 1)], rows)
	_, m_old = newest_mail(srv, addr, "mail", after=last)
	_, m_new = newest_mail(srv, new, "mail", after=last)
	check("both addresses are told (in the user's new language)",
	    m_old is not None and m_new is not None, [str(m["To"]) for _, m in
	    read_mails(srv)][-3:])
	if m_new is not None:
		check("the mail says which organisation's portal sent it",
		    "Gemeente Testdorp" in mail_body(m_new), mail_body(m_new))
	rows = db_rows(srv, "SELECT detail, actor_id FROM audit WHERE event = "
	    "'user.edit' AND user_id = ?", (uid,))
	check("user.edit audited with what changed and the admin", rows and
	    new in rows[-1][0] and "admin" in rows[-1][0] and
	    rows[-1][1] == state["admin_id"], rows)
	r = Browser(srv, "new-login")
	r = r.submit(r.get("/login"), "/login", {"email": new,
	    "password": acct.password})
	check_redirect("the user logs in with the new address", r, "/otp")

	# Refusals come back with what was typed.
	r = b.get("/admin/users/%d" % uid)
	r2 = b.submit(r, "/admin/users/%d/edit" % uid, {"email": srv.admin_email,
	    "name": "Iets anders"})
	check_page("another account's email is refused (409)", r2,
	    "admin/user", 409)
	check("... the form keeps what was typed", 'value="Iets anders"' in
	    r2.text)
	r2 = b.submit(r2, "/admin/users/%d/edit" % uid, {"email": "geen adres",
	    "name": "x"})
	check_page("a bad email is refused (400)", r2, "admin/user", 400)
	aid = state["admin_id"]
	r = b.get("/admin/users/%d" % aid)
	r2 = b.submit(r, "/admin/users/%d/edit" % aid, {"email":
	    srv.admin_email, "name": "", "lang": "nl"})
	check_page("an admin cannot take their own admin role (400)", r2,
	    "admin/user", 400)
	check("... and is still an admin", db_rows(srv, "SELECT is_admin FROM "
	    "users WHERE id = ?", (aid,)) == [(1,)])

	# kluis user edit
	code, out, err = cli(srv, "user", "edit", new, "--name", "Els", "--lang",
	    "nl", "--no-admin")
	check("kluis user edit exits 0", code == 0, out + err)
	check("... name, language and role changed", db_rows(srv, "SELECT name, "
	    "lang, is_admin FROM users WHERE id = ?", (uid,)) == [("Els", "nl",
	    0)])
	code, out, err = cli(srv, "user", "edit", new, "--email", addr)
	check("kluis user edit --email exits 0", code == 0 and db_rows(srv,
	    "SELECT email FROM users WHERE id = ?", (uid,)) == [(addr,)],
	    out + err)
	code, out, err = cli(srv, "user", "edit", addr, "--email",
	    srv.admin_email)
	check("an email in use is refused", code == 1 and "already" in err, err)
	code, out, err = cli(srv, "user", "edit", srv.admin_email, "--no-admin")
	check("the last admin keeps the role", code == 1 and "last admin" in err
	    and db_rows(srv, "SELECT is_admin FROM users WHERE id = ?",
	    (aid,)) == [(1,)], err)
	code, out, err = cli(srv, "user", "edit", addr, "--lang", "fr")
	check("an unknown language is a usage error", code == 2, err)


@scenario
def commands():
	"""Every console action has a command: user add --lang, show, subject edit, requests, downloads, audit"""
	srv, admin = setup()
	addr = "engels@gemeente.example"
	before = read_mails(srv)[-1][0]
	code, out, err = cli(srv, "user", "add", addr, "--name", "Ann",
	    "--lang", "en")
	check("kluis user add --lang en exits 0", code == 0, out + err)
	check("... the account's language is en", db_rows(srv, "SELECT lang "
	    "FROM users WHERE email = ?", (addr,)) == [("en",)])
	_, msg = newest_mail(srv, addr, "temporary password", after=before)
	check("... the temporary password mail is in English, from the "
	    "organisation", msg is not None and "Gemeente Testdorp" in
	    mail_body(msg), msg and mail_body(msg))
	code, out, err = cli(srv, "user", "add", "x@gemeente.example", "--lang",
	    "xx")
	check("an unknown --lang is refused (2) and creates nothing",
	    code == 2 and uid_of(srv, "x@gemeente.example") is None, err)
	acct = journey(srv, addr, mail_secret(msg), device_name="Work phone")
	code, out, err = cli(srv, "user", "show", addr)
	check("kluis user show lists the account and its phones", code == 0 and
	    addr in out and "Work phone" in out and "PHONE" in out and
	    "ADDED" in out, out + err)

	# kluis downloads FILE_ID: who fetched a file, when, how much
	last = read_mails(srv)[-1][0]
	cli_ok(srv, "grant", addr, "DakMon")
	_, msg = newest_mail(srv, addr, "validation code for DakMon", after=last)
	require("the validation code mail, in English", msg is not None)
	vcode = mail_secret(msg)
	path = os.path.join(srv.data, "engels.csv")
	with open(path, "w") as f:
		f.write("a;b\n1;2\n")
	fid = publish(srv, "DakMon", path, "--to", addr)
	r = unlock(acct.browser, "DakMon", vcode)
	check_redirect("the coordinator unlocks DakMon", r, "/subjects/DakMon")
	r = acct.browser.get("/files/%d" % fid)
	check("and downloads the file", r.status == 200 and r.body ==
	    b"a;b\n1;2\n", r.summary())
	code, out, err = cli(srv, "downloads", str(fid))
	check("kluis downloads lists who downloaded it, with status and bytes",
	    code == 0 and re.search(r"%s\s+200\s+8\s+127\.0\.0\.1" %
	    re.escape(addr), out), out + err)

	# kluis subject edit
	code, out, err = cli(srv, "subject", "edit", "DakMon", "--title",
	    "Dakloosheid 2026", "--description", "Rapport per gemeente")
	check("kluis subject edit exits 0", code == 0, out + err)
	check("... title and description changed", db_rows(srv, "SELECT title, "
	    "description FROM subjects WHERE code = 'DakMon'") == [(
	    "Dakloosheid 2026", "Rapport per gemeente")])
	check("... audited", db_rows(srv, "SELECT count(*) FROM audit WHERE "
	    "event = 'subject.edit' AND detail = 'DakMon'")[0][0] >= 1)
	code, out, err = cli(srv, "subject", "edit", "DakMon", "--title", "")
	check("an empty title is a usage error", code == 2, err)
	code, out, err = cli(srv, "subject", "edit", "Bestaatniet", "--title",
	    "x")
	check("an unknown subject fails", code == 1, err)

	# kluis requests refuse / approve
	uid = uid_of(srv, addr)
	db_write(srv, "INSERT INTO otp_reset_requests (user_id, created, addr) "
	    "VALUES (?, ?, '192.0.2.9')", (uid, int(time.time())))
	code, out, err = cli(srv, "requests")
	check("kluis requests lists it", addr in out, out)
	last = read_mails(srv)[-1][0]
	code, out, err = cli(srv, "requests", "refuse", addr)
	check("kluis requests refuse exits 0", code == 0, out + err)
	check("... the request is closed, the phone stays", db_rows(srv,
	    "SELECT count(*) FROM otp_reset_requests")[0][0] == 0 and
	    db_rows(srv, "SELECT count(*) FROM devices WHERE user_id = ?",
	    (uid,))[0][0] == 1)
	_, msg = newest_mail(srv, addr, "refused", after=last)
	check("... the user is told", msg is not None)
	check("... audited", db_rows(srv, "SELECT count(*) FROM audit WHERE "
	    "event = 'otp.request.refuse' AND user_id = ?", (uid,))[0][0] == 1)
	code, out, err = cli(srv, "requests", "refuse", addr)
	check("refusing again fails: no pending request", code == 1 and
	    "no pending request" in err, err)
	db_write(srv, "INSERT INTO otp_reset_requests (user_id, created, addr) "
	    "VALUES (?, ?, '192.0.2.9')", (uid, int(time.time())))
	code, out, err = cli(srv, "requests", "approve", addr)
	check("kluis requests approve exits 0 and resets", code == 0 and
	    db_rows(srv, "SELECT count(*) FROM devices WHERE user_id = ?",
	    (uid,))[0][0] == 0, out + err)

	# kluis downloads of a file nobody fetched; refusals
	require("the upload scenario published a file", "file_id" in state)
	fid = state["file_id"]
	code, out, err = cli(srv, "downloads", str(fid))
	check("kluis downloads of a file nobody fetched says so", code == 0 and
	    "nobody has downloaded it yet" in out, out + err)
	code, out, err = cli(srv, "downloads", "999999")
	check("kluis downloads of an unknown file fails", code == 1, err)
	code, out, err = cli(srv, "downloads", "abc")
	check("kluis downloads with a bad id is a usage error", code == 2, err)

	# kluis audit: the code, and what it means
	code, out, err = cli(srv, "audit", "--event", "user.unlock")
	check("kluis audit keeps the code and adds what it means", code == 0 and
	    "user.unlock" in out and "Lock lifted" in out, out)
	code, out, err = cli(srv, "audit", "--event", "user.unlock", "--lang",
	    "nl")
	check("... in Dutch with --lang nl", "Blokkering opgeheven" in out, out)
	code, out, err = cli(srv, "audit", "--csv", "--separator", "comma",
	    "--no-bom", "--event", "user.")
	lines = out.splitlines()
	check("the CSV keeps the code and adds event_text last", lines and
	    lines[0].endswith(",event_text") and any("user.edit" in l and
	    l.endswith("Details changed") for l in lines), lines[:4])


def session_end_shown(b, path="/account"):
	"""The clock time the page says the idle session ends at."""
	r = b.get(path)
	m = re.search(r'id="session-end">[^<]*?(\d{1,2}:\d{2})', r.text)
	return m.group(1) if m else None


def clock_in(zone, t):
	return datetime.datetime.fromtimestamp(t, zoneinfo.ZoneInfo(
	    zone)).strftime("%H:%M")


@scenario
def times_in_the_portals_zone():
	"""Times are the portal's (--timezone, default Europe/Amsterdam), an unknown zone refused at start"""
	srv, admin = setup()
	t = time.time()
	shown = session_end_shown(admin.browser)
	want = {clock_in("Europe/Amsterdam", t + 1800 + d) for d in (-60, 0, 60)}
	check("by default the idle session's end is Amsterdam's time",
	    shown in want, (shown, sorted(want)))
	ny = temp_server("--timezone", "America/New_York")
	acct = journey(ny, ny.admin_email, ny.admin_password)
	t = time.time()
	shown = session_end_shown(acct.browser)
	want = {clock_in("America/New_York", t + 1800 + d) for d in (-60, 0, 60)}
	check("with --timezone America/New_York the page says New York's time",
	    shown in want, (shown, sorted(want)))
	d = tempfile.mkdtemp(prefix="kluis-e2e-tz-")
	p = srv.cli("serve", "--timezone", "Mars/Olympus_Mons", "--listen",
	    "127.0.0.1:%d" % free_port(), "--data", d, timeout=30)
	err = p.stderr.decode(errors="replace")
	check("an unknown time zone stops the server with a message naming it",
	    p.returncode != 0 and "Mars/Olympus_Mons" in err,
	    "exit %d: %s" % (p.returncode, err))


@scenario
def console_exports_a_person():
	"""The console's "download this person's data": JSON as an attachment, audited, admins only"""
	srv, admin = setup()
	addr = "inzage@gemeente.example"
	acct = journey(srv, addr, srv.user_add(addr, name="Ineke"))
	uid = uid_of(srv, addr)
	r = admin.browser.get("/admin/users/%d/export" % uid)
	check("200 with JSON", r.status == 200 and "application/json" in
	    r.content_type, r.summary())
	check("as an attachment", "attachment" in (r.header(
	    "Content-Disposition") or ""), r.header("Content-Disposition"))
	try:
		data = json.loads(r.text)
	except ValueError:
		data = None
	check("it is this person's data", data is not None and addr in r.text
	    and "Ineke" in r.text, r.text[:300])
	check("no secret or hash in it", "argon2" not in r.text and
	    "secret" not in r.text.lower(), r.text[:300])
	check("the export is audited", "user.export" in audit_events(srv, addr),
	    audit_events(srv, addr))
	r = acct.browser.get("/admin/users/%d/export" % uid)
	check("a user who is not an admin gets 404", r.status == 404,
	    r.summary())
	# A crafted login link must not end an admin's login in a download of
	# someone's data: an export is never where a login goes back to.
	anon = Browser(srv, "anon-export")
	for path in ("/admin/users/%d/export" % uid, "/admin/audit.csv",
	    "/account/recovery/codes.txt"):
		r = anon.get(path)
		check("%s without a session: /login, not back there after" % path,
		    r.status == 303 and r.location == "/login", r.summary())
	r = anon.get("/admin/users/%d" % uid)
	check("a console page without a session: /login and back after",
	    r.status == 303 and r.location == "/login?next=/admin/users/%d" %
	    uid, r.summary())


@scenario
def console_shows_readable_events():
	"""The console shows what each audit event means, in the admin's language"""
	srv, admin = setup()
	b = admin.browser
	r = b.get("/admin/audit?event=user.unlock")
	check("the audit view says 'Blokkering opgeheven'",
	    "Blokkering opgeheven" in r.page.text, r.page.text[:1500])
	check("... and keeps the code", "user.unlock" in r.page.text)
	r = b.get("/admin/audit.csv?event=user.unlock&sep=comma&bom=0")
	check("the CSV export keeps the code and says what it means",
	    r.status == 200 and b"user.unlock" in r.body and
	    "Blokkering opgeheven".encode() in r.body, r.body[:400])


@scenario
def loose_typing():
	"""Temporary passwords in capitals or without hyphens, codes with a space or hyphen"""
	srv, admin = setup()
	addr = "typist@gemeente.example"
	temp = srv.user_add(addr)
	check("the temporary password is four groups without look-alikes",
	    re.match(r"^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$", temp),
	    temp)
	for label, typed in (("in capitals", temp.upper()),
	    ("without hyphens", temp.replace("-", "")),
	    ("with spaces", "  " + temp.replace("-", " ") + " "),
	    ("with O for 0 and L for 1", temp.replace("0", "O").replace("1",
	    "L"))):
		b = Browser(srv, "typed")
		r = b.submit(b.get("/login"), "/login", {"email": addr,
		    "password": typed})
		check_redirect("the temporary password typed %s logs in" % label, r,
		    "/enrol")
	b = Browser(srv, "typed")
	r = b.submit(b.get("/login"), "/login", {"email": addr,
	    "password": temp[:-1] + ("x" if temp[-1] != "x" else "y")})
	check_page("one character off is still wrong (401)", r, "login", 401)
	check("... and the email typed comes back in the field",
	    'value="%s"' % addr in r.text, r.text[:2000])

	# A code as the app shows it: "123 456", "123-456".
	b = login(srv, addr, temp.upper(), "/enrol", "enrol-spaced")
	r = b.get("/enrol")
	check("the code field does not cut at 6 characters",
	    'maxlength="6"' not in r.text and 'inputmode="numeric"' in r.text and
	    'autocomplete="one-time-code"' in r.text)
	dev = Device(enrol_secret(r), "Mijn telefoon")
	code, step = dev.next_code()
	r = b.submit(r, "/enrol", {"device_name": dev.name, "code":
	    code[:3] + " " + code[3:]})
	check_redirect("an enrolment code with a space is accepted", r,
	    "/password")
	dev.accepted(step)
	pw = new_password("t")
	r = b.submit(b.get("/password"), "/password", {"password": pw,
	    "password_confirm": pw})
	require_redirect("new password", r, "/otp")
	code, step = dev.next_code()
	r = b.submit(b.get("/otp"), "/otp", {"code": code[:3] + "-" + code[3:]})
	check_redirect("a code with a hyphen logs in", r, FIRST_LOGIN_HOME)
	dev.accepted(step)


@scenario
def every_form_redirects():
	"""Failed forms answer 303 to a page (Back and Reload post nothing again)"""
	srv, admin = setup()
	b = Browser(srv, "prg")
	r = b.submit(b.get("/login"), "/login", {"email": "a@b.example",
	    "password": "fout"})
	check("a failed login is a 303 to /login", r.status == 303 and
	    r.location == "/login", r.summary())
	check("... without the error or the email in the URL",
	    "?" not in r.location)
	p = b.get("/login")
	check("the next page shows the error once (401) with the email",
	    p.status == 401 and p.errors and 'value="a@b.example"' in p.text,
	    p.summary())
	p = b.get("/login")
	check("... and a reload shows the plain form (200)", p.status == 200
	    and not p.errors and 'value="a@b.example"' not in p.text,
	    p.summary())
	# A message cookie of another browser is refused.
	other = Browser(srv, "other")
	r = other.submit(other.get("/login"), "/login", {"email":
	    "stolen@b.example", "password": "fout"})
	flash = other.cookies.get("kluis_flash")
	require("the refusal set a message cookie", flash)
	b.cookies["kluis_flash"] = flash
	p = b.get("/login")
	check("another session's message is not shown",
	    p.status == 200 and "stolen@b.example" not in p.text, p.summary())
	# Logout says so.
	acct = state["admin"]
	lb = later_login(srv, acct, "logout")
	r = lb.submit(lb.get("/"), "/logout", {})
	check_redirect("logout -> /login", r, "/login")
	p = lb.get("/login")
	check("the login page says 'U bent uitgelogd'", "U bent uitgelogd" in
	    p.page.text, p.page.text[:600])


if __name__ == "__main__":
	main()
