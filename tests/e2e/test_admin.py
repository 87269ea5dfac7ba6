#!/usr/bin/env python3
"""The admin console over HTTP: role checks (404 for everyone else), CSRF,
create (mailed, never shown), resend (old password dies), disable (login
refused, sessions end) and enable, the audit view and CSV (filters, escaping,
formula neutralisation), the acting admin recorded; the CLI equivalents; the
language remembered per user."""

import csv
import datetime
import io
import os
import re
import sqlite3
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}

ADMIN_GETS = ["/admin", "/admin/users", "/admin/users?q=x", "/admin/users/new",
    "/admin/users/1", "/admin/audit", "/admin/audit?event=login.ok",
    "/admin/audit.csv"]
ADMIN_POSTS = ["/admin/users", "/admin/users/1/resend",
    "/admin/users/1/disable", "/admin/users/1/enable"]


def setup():
	"""One server; the admin fully logged in (state['admin'])."""
	return admin_server(state, "--max-ip-failures", "1000")


def db(srv):
	return sqlite3.connect(os.path.join(srv.data, "kluis.db"))


def user_id(srv, addr):
	with db(srv) as c:
		row = c.execute("SELECT id FROM users WHERE email = ?",
		    (addr,)).fetchone()
	return row[0] if row else None


def audit_rows(srv, event):
	with db(srv) as c:
		return c.execute("SELECT user_id, actor_id, addr, detail FROM audit "
		    "WHERE event = ? ORDER BY id", (event,)).fetchall()


def create_user(srv, b, addr, name="", lang="nl", admin=False):
	"""Create addr through the console; returns (response, temp password)."""
	r = b.get("/admin/users/new")
	require_page("GET /admin/users/new", r, "admin/user_new")
	fields = {"email": addr, "name": name, "lang": lang}
	if admin:
		fields["admin"] = "1"
	before = set(p for p, _ in read_mails(srv))
	r = b.submit(r, "/admin/users", fields)
	uid = user_id(srv, addr)
	require("POST /admin/users creates %s" % addr, uid is not None,
	    r.summary())
	require_redirect("POST /admin/users -> the user's page",
	    r, "/admin/users/%d?done=created" % uid)
	subject = "temporary password" if lang == "en" else TEMP_PASSWORD_SUBJECT
	msg = wait_mail(srv, addr, subject, exclude=before)
	require("temporary password mail to %s" % addr, msg is not None,
	    [str(m["Subject"]) for _, m in read_mails(srv)])
	return r, mail_secret(msg), msg


@scenario
def non_admin_404():
	"""Every /admin route answers 404 to anonymous visitors, users mid-login and non-admins"""
	srv, admin = setup()
	temp = srv.user_add("gewoon@example.org")
	acct = journey(srv, "gewoon@example.org", temp)
	state["plain"] = acct
	b = acct.browser
	r = b.get("/")
	require_page("plain user is logged in", r, "home")
	check("no admin link for a plain user",
	    "/admin" not in r.page.links, r.page.links)
	for path in ADMIN_GETS:
		r = b.get(path)
		check("GET %s as a plain user is 404" % path, r.status == 404 and
		    r.name == "error", r.summary())
	for path in ADMIN_POSTS:
		r = b.post(path, {"email": "x@example.org", "confirm": "1"})
		check("POST %s as a plain user is 404" % path, r.status == 404,
		    r.summary())
	check("the plain user created nobody",
	    user_id(srv, "x@example.org") is None)
	# Anonymous and mid-login sessions never see the console either.
	anon = Browser(srv, "anon")
	for path in ADMIN_GETS[:3]:
		r = anon.get(path)
		check("GET %s without a session -> /login, back there after" %
		    path, is_redirect(r, "/login?next=%s" % path.split("?")[0]),
		    r.summary())
	mid = login(srv, srv.admin_email, admin.password, "/otp", "admin-mid")
	for path in ADMIN_GETS[:3]:
		r = mid.get(path)
		check("GET %s by an admin before the code -> /otp" % path,
		    is_redirect(r, "/otp"), r.summary())


@scenario
def console_pages():
	"""The admin sees the console: link in the header, users list, audit"""
	srv, admin = setup()
	b = admin.browser
	r = b.get("/")
	check("home has a link to /admin for an admin", "/admin" in r.page.links,
	    r.page.links)
	r = b.get("/admin")
	check_page("GET /admin is the users list", r, "admin/users")
	check_headers("admin", r)
	check_forms_csrf(r)
	check("the list shows the admin", srv.admin_email in r.page.text,
	    r.page.text[:500])
	r = b.get("/admin/audit")
	check_page("GET /admin/audit is the audit view", r, "admin/audit")
	check_headers("audit", r)
	check("the audit view lists login.ok", "login.ok" in r.page.text,
	    r.page.text[:800])
	r = b.get("/admin/users/999999")
	check("an unknown user id is 404", r.status == 404, r.summary())
	r = b.get("/admin/users/abc")
	check("a non-numeric user id is 404", r.status == 404, r.summary())


@scenario
def csrf_required():
	"""Every console POST without a valid csrf is 403 and changes nothing"""
	srv, admin = setup()
	b = admin.browser
	b.get("/admin/users/new")
	r = b.post("/admin/users", {"email": "nocsrf@example.org"}, csrf=None)
	check("create without csrf is 403", r.status == 403, r.summary())
	r = b.post("/admin/users", {"email": "nocsrf@example.org"},
	    csrf="0" * 64)
	check("create with a wrong csrf is 403", r.shown().status == 403,
	    r.summary())
	check("nobody was created", user_id(srv, "nocsrf@example.org") is None)
	uid = user_id(srv, "gewoon@example.org")
	for action in ("disable", "resend", "enable"):
		r = b.post("/admin/users/%d/%s" % (uid, action), {"confirm": "1"},
		    csrf=None)
		check("%s without csrf is 403" % action, r.status == 403,
		    r.summary())
	with db(srv) as c:
		row = c.execute("SELECT disabled, password_temp FROM users "
		    "WHERE id = ?", (uid,)).fetchone()
	check("the user is neither disabled nor reset", row == (0, 0), row)


@scenario
def create_user_console():
	"""Create: mailed temporary password, never shown; validation; actor recorded"""
	srv, admin = setup()
	b = admin.browser
	addr = "nieuw.lid@example.org"
	r, temp, msg = create_user(srv, b, addr, name="Nieuw Lid")
	require("mailed temporary password", temp, mail_body(msg))
	check("the redirect carries no password", temp not in (r.location or ""))
	r = b.get(r.location)
	require_page("the new user's page", r, "admin/user")
	check("the page says the password was mailed",
	    "gemaild" in r.page.text, r.page.text[:600])
	check("the page never shows the temporary password",
	    temp not in r.text)
	check("the page shows 'tijdelijk wachtwoord' status",
	    "tijdelijk wachtwoord" in r.page.text)
	uid = user_id(srv, addr)
	rows = [x for x in audit_rows(srv, "user.create") if x[0] == uid]
	check("user.create audited with the admin as actor",
	    rows and rows[-1][1] == user_id(srv, admin.email), rows)
	for path in ("/admin", "/admin/users?q=nieuw", "/admin/audit"):
		check("%s never shows the temporary password" % path,
		    temp not in b.get(path).text)

	# Validation and duplicates: 4xx with the form again, nothing created.
	r = b.get("/admin/users/new")
	r2 = b.submit(r, "/admin/users", {"email": "geen-adres", "name": ""})
	check_page("a bad email re-renders the form with 400", r2,
	    "admin/user_new", 400)
	check("the error says what to do", r2.errors and "e-mailadres" in
	    r2.errors[0], r2.errors)
	r2 = b.submit(r, "/admin/users", {"email": addr.upper(), "name": ""})
	check_page("an existing email is 409 with the form", r2,
	    "admin/user_new", 409)
	r2 = b.submit(r, "/admin/users", {"email": "x2@example.org",
	    "name": "a\nb"})
	check_page("a name with a line break is 400", r2, "admin/user_new", 400)

	# The new user can use the mailed password.
	acct = journey(srv, addr, temp)
	state["lid"] = acct


@scenario
def search_and_status():
	"""Search by email or name; status shows devices, temporary password, disabled"""
	srv, admin = setup()
	b = admin.browser
	r = b.get("/admin/users?q=Nieuw%20Lid")
	check("search by name finds the user",
	    "nieuw.lid@example.org" in r.page.text, r.page.text[:600])
	check("search by name leaves others out",
	    "gewoon@example.org" not in r.page.text)
	r = b.get("/admin/users?q=GEWOON")
	check("search by email is case-insensitive",
	    "gewoon@example.org" in r.page.text)
	r = b.get("/admin/users?q=%25")
	check("a % in the search is literal (no user matches)",
	    "gewoon@example.org" not in r.page.text, r.page.text[:400])
	r = b.get("/admin/users?q=%3Cscript%3E")
	check("the search is escaped in the page", "<script>" not in r.text)
	# Locked: wrong passwords past the allowance delay further logins.
	srv.user_add("slot@example.org")
	u = Browser(srv, "guesser")
	r = u.get("/login")
	for _ in range(7):
		r = u.post("/login", {"email": "slot@example.org",
		    "password": "wrong-wrong-wrong"})
	r = b.get("/admin/users?q=slot")
	check("a throttled account shows 'tijdelijk geblokkeerd'",
	    "tijdelijk geblokkeerd" in r.page.text, r.page.text[:600])
	r = b.get("/admin/users?q=gewoon")
	check("an account that is not throttled is not shown locked",
	    "tijdelijk geblokkeerd" not in r.page.text)


@scenario
def resend_kills_old():
	"""Resend: confirmation first, then a new mailed password; the old one dies"""
	srv, admin = setup()
	b = admin.browser
	addr = "herstuur@example.org"
	r, temp1, _ = create_user(srv, b, addr)
	uid = user_id(srv, addr)
	r = b.get("/admin/users/%d" % uid)
	before = set(p for p, _ in read_mails(srv))
	r2 = b.submit(r, "/admin/users/%d/resend" % uid, {})
	check_page("resend without confirm shows the confirmation", r2,
	    "admin/confirm")
	check("no mail before confirming", not [p for p, _ in read_mails(srv)
	    if p not in before])
	r3 = b.submit(r2, "/admin/users/%d/resend" % uid, {})
	check_redirect("confirmed resend -> user page", r3,
	    "/admin/users/%d?done=resent" % uid)
	msg = wait_mail(srv, addr, TEMP_PASSWORD_SUBJECT, exclude=before)
	require("a new temporary password mail", msg is not None)
	temp2 = mail_secret(msg)
	check("the new password differs", temp2 and temp2 != temp1)
	u = Browser(srv, "old-temp")
	r = u.get("/login")
	r = u.submit(r, "/login", {"email": addr, "password": temp1})
	check_page("the old temporary password no longer logs in", r, "login",
	    401)
	login(srv, addr, temp2, "/enrol", "new-temp")
	rows = [x for x in audit_rows(srv, "user.resend") if x[0] == uid]
	check("user.resend audited with the admin as actor and address",
	    rows and rows[-1][1] == user_id(srv, admin.email) and rows[-1][2],
	    rows)


@scenario
def disable_enable():
	"""Disable: confirmation, login refused, sessions end; enable restores"""
	srv, admin = setup()
	b = admin.browser
	acct = state.get("lid")
	require("an enrolled user exists", acct)
	uid = user_id(srv, acct.email)
	r = acct.browser.get("/")
	require_page("the user is logged in", r, "home")
	r = b.get("/admin/users/%d" % uid)
	require_page("user page", r, "admin/user")
	check("the user page lists the device", "Mijn telefoon" in r.page.text)
	r2 = b.submit(r, "/admin/users/%d/disable" % uid, {})
	check_page("disable without confirm shows the confirmation", r2,
	    "admin/confirm")
	check("the confirmation names the account", acct.email in r2.page.text)
	check("not yet disabled", acct.browser.get("/").name == "home")
	r3 = b.submit(r2, "/admin/users/%d/disable" % uid, {})
	check_redirect("confirmed disable -> user page", r3,
	    "/admin/users/%d?done=disabled" % uid)
	r = acct.browser.get("/")
	check_redirect("the disabled user's session has ended", r, "/login")
	u = Browser(srv, "disabled")
	r = u.get("/login")
	r = u.submit(r, "/login", {"email": acct.email, "password": acct.password})
	check_page("a disabled user cannot log in (same answer as a bad "
	    "password)", r, "login", 401)
	r = b.get("/admin/users/%d" % uid)
	check("the user page shows 'uitgeschakeld'", "uitgeschakeld" in
	    r.page.text)
	check("the user page offers enable", r.page.form(
	    "/admin/users/%d/enable" % uid) is not None)
	r = b.get("/admin/users?q=%s" % acct.email)
	check("the list shows 'uitgeschakeld'", "uitgeschakeld" in r.page.text)

	r = b.get("/admin/users/%d" % uid)
	r2 = b.submit(r, "/admin/users/%d/enable" % uid, {})
	check_redirect("enable -> user page", r2,
	    "/admin/users/%d?done=enabled" % uid)
	acct.browser = later_login(srv, acct, "enabled-again")
	check("after enable the user logs in again",
	    acct.browser.get("/").name == "home")
	aid = user_id(srv, admin.email)
	for ev in ("user.disable", "user.enable"):
		rows = [x for x in audit_rows(srv, ev) if x[0] == uid]
		check("%s audited with the admin as actor" % ev,
		    rows and rows[-1][1] == aid, rows)

	r = b.get("/admin/users/%d" % aid)
	check("no disable button on one's own page", r.page.form(
	    "/admin/users/%d/disable" % aid) is None)
	r = b.post("/admin/users/%d/disable" % aid, {"confirm": "1"})
	check("disabling oneself is refused (400)", r.shown().status == 400,
	    r.summary())


@scenario
def audit_filter_csv():
	"""Audit: filters by user, event, dates; CSV escaped and formula-safe"""
	srv, admin = setup()
	b = admin.browser
	evil = "=HYPERLINK(\"http://evil\"),\"x\"\n"
	# A device name with a formula: the user enrols through the web.
	addr = "formule@example.org"
	r, temp, _ = create_user(srv, b, addr, name="+Formule")
	journey(srv, addr, temp, device_name="=cmd|' /C calc'!A0")
	# An audit detail holding quotes, commas and a newline, from the
	# database directly (no web path writes such details).
	uid = user_id(srv, addr)
	with db(srv) as c:
		c.execute("INSERT INTO audit (at, user_id, actor_id, event, addr, "
		    "detail) VALUES (?, ?, NULL, 'test.evil', '-1', ?)",
		    (int(time.time()), uid, evil))
	r = b.get("/admin/audit?user=formule")
	require_page("filter by user", r, "admin/audit")
	rows_text = r.page.ids.get("rows", "")
	check("filtered view has the user's events",
	    "device.add" in rows_text and addr in rows_text, rows_text[:600])
	check("filtered view leaves other users out",
	    "gewoon@example.org" not in rows_text)
	r = b.get("/admin/audit?event=device.add")
	rows_text = r.page.ids.get("rows", "")
	check("filter by event shows device.add",
	    "device.add" in rows_text and "login.ok" not in rows_text,
	    rows_text[:600])
	r = b.get("/admin/audit?event=login.")
	rows_text = r.page.ids.get("rows", "")
	check("an event prefix ending in '.' matches login.*",
	    "login.ok" in rows_text and "device.add" not in rows_text,
	    rows_text[:600])
	# the portal's day, in its time zone (the default, Europe/Amsterdam)
	today = datetime.datetime.now(zoneinfo.ZoneInfo(
	    "Europe/Amsterdam")).strftime("%Y-%m-%d")
	r = b.get("/admin/audit?since=2000-01-01&until=2000-01-02")
	rows_text = r.page.ids.get("rows", "")
	check("a date range in the past has no events",
	    "login.ok" not in rows_text and "Geen gebeurtenissen" in rows_text,
	    rows_text[:300])
	r = b.get("/admin/audit?since=%s&until=%s" % (today, today))
	check("today's range has events", "login.ok" in r.page.ids.get("rows", ""))
	r = b.get("/admin/audit?since=2025-02-31")
	check_page("a bad date is 400 with the view", r, "admin/audit", 400)
	check("the error says how to write a date", r.errors and
	    "JJJJ-MM-DD" in r.errors[0], r.errors)
	r = b.get("/admin/audit?user=formule&event=login.ok")
	check("the filters stay in the export link",
	    any(l.startswith("/admin/audit.csv?user=formule&event=login.ok")
	    for l in r.page.links), r.page.links)

	r = b.get("/admin/audit.csv?user=formule")
	require("CSV is 200", r.status == 200, r.summary())
	check("CSV content type", r.content_type.startswith("text/csv"),
	    r.content_type)
	check("CSV is an attachment", "attachment" in
	    (r.header("Content-Disposition") or ""))
	check_headers("csv", r)
	check("the CSV starts with the UTF-8 byte order mark (Excel)",
	    r.body[:3] == b"\xef\xbb\xbf", r.body[:20])
	check("... and its header is separated by semicolons",
	    r.body[3:].startswith(b"time_utc;user;actor;event;address;detail;"
	    b"id;event_text\r\n"), r.body[:60])
	text = r.body[3:].decode("utf-8")
	check("CSV rows end in CRLF", "\r\n" in text)
	rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
	check("CSV header", rows and rows[0][:6] == ["time_utc", "user", "actor",
	    "event", "address", "detail"], rows[:1])
	check("CSV only has the filtered user", all(row[1] == addr
	    for row in rows[1:]), rows)
	evil_rows = [row for row in rows if len(row) > 3 and row[3] == "test.evil"]
	check("the quoted detail survives CSV round-trip with a leading quote",
	    evil_rows and evil_rows[0][5] == "'" + evil, evil_rows)
	check("an address starting with '-' is neutralised",
	    evil_rows and evil_rows[0][4] == "'-1", evil_rows)
	dev = [row for row in rows if len(row) > 3 and row[3] == "device.add"]
	check("a device name starting with '=' is neutralised",
	    dev and dev[0][5].startswith("'="), dev)
	bad = [cell for row in rows for cell in row
	    if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
	check("no cell starts with = + - @ tab CR", not bad, bad)
	r = b.get("/admin/audit.csv?event=user.create&sep=comma&bom=0")
	check("on request: commas and no byte order mark",
	    r.body.startswith(b"time_utc,user,actor,event,address,detail,id,"
	    b"event_text\r\n"),
	    r.body[:60])
	rows = list(csv.reader(io.StringIO(r.body.decode(), newline="")))
	check("CSV with event filter has only user.create",
	    len(rows) > 1 and all(row[3] == "user.create" for row in rows[1:]))
	check("CSV records the acting admin",
	    any(row[2] == admin.email for row in rows[1:]), rows)
	r = b.get("/admin/audit.csv?event=user.create&sep=tab")
	check("tabs on request, still with the byte order mark",
	    r.body.startswith(b"\xef\xbb\xbftime_utc\tuser\tactor\t"),
	    r.body[:40])
	r = b.get("/admin/audit.csv?sep=pipe")
	check("an unknown separator is 400", r.status == 400, r.summary())
	r = b.get("/admin/audit")
	forms = [f for f in r.page.forms if f["action"] == "/admin/audit.csv"]
	check("the console offers the separator and the byte order mark",
	    forms and {"sep", "bom"} <= {i.get("name") for i in
	    forms[0]["inputs"]}, forms)
	ex = audit_rows(srv, "audit.export")
	check("the export itself is audited with the admin",
	    ex and ex[-1][1] == user_id(srv, admin.email), ex)


@scenario
def cli_commands():
	"""kluis user list|disable|enable|resend and kluis audit"""
	srv, admin = setup()
	d = ["--data", srv.data]
	p = srv.cli("user", "list", *d)
	out = p.stdout.decode()
	check("user list exits 0 and lists the admin",
	    p.returncode == 0 and srv.admin_email in out, out + p.stderr.decode())
	p = srv.cli("user", "list", "--search", "gewoon", *d)
	out = p.stdout.decode()
	check("user list --search filters", "gewoon@example.org" in out and
	    srv.admin_email not in out, out)
	addr = "cli.user@example.org"
	srv.user_add(addr)
	p = srv.cli("user", "disable", addr, *d)
	check("user disable exits 0", p.returncode == 0, p.stderr.decode())
	p = srv.cli("user", "list", "--search", "cli.user", *d)
	check("list shows disabled", "disabled" in p.stdout.decode(),
	    p.stdout.decode())
	p = srv.cli("user", "enable", addr, *d)
	check("user enable exits 0", p.returncode == 0, p.stderr.decode())
	before = set(p for p, _ in read_mails(srv))
	p = srv.cli("user", "resend", addr, *d)
	check("user resend exits 0", p.returncode == 0, p.stderr.decode())
	msg = wait_mail(srv, addr, TEMP_PASSWORD_SUBJECT, exclude=before)
	check("user resend mails a new password", msg is not None)
	p = srv.cli("user", "disable", "nobody@example.org", *d)
	check("disable of an unknown email fails", p.returncode != 0)
	p = srv.cli("audit", "--user", "cli.user", *d)
	out = p.stdout.decode()
	check("kluis audit --user shows the CLI actions",
	    p.returncode == 0 and "user.disable" in out and "user.enable" in out,
	    out + p.stderr.decode())
	p = srv.cli("audit", "--event", "user.disable", "--csv", *d)
	check("kluis audit --csv: byte order mark and semicolons by default",
	    p.stdout.startswith(b"\xef\xbb\xbftime_utc;user;"), p.stdout[:40])
	rows = list(csv.reader(io.StringIO(p.stdout[3:].decode(), newline=""),
	    delimiter=";"))
	check("kluis audit --csv --event", p.returncode == 0 and len(rows) > 1
	    and all(r[3] == "user.disable" for r in rows[1:]), rows)
	p = srv.cli("audit", "--event", "user.disable", "--csv", "--separator",
	    "comma", "--no-bom", *d)
	check("kluis audit --csv --separator comma --no-bom",
	    p.stdout.startswith(b"time_utc,user,"), p.stdout[:40])
	p = srv.cli("audit", "--csv", "--separator", "pipe", *d)
	check("an unknown separator is a usage error (2)", p.returncode == 2)
	p = srv.cli("audit", "--since", "yesterday", *d)
	check("a bad --since is a usage error (2)", p.returncode == 2)
	p = srv.cli("audit", "--help")
	check("kluis audit --help documents the filters",
	    p.returncode == 0 and all(f in p.stdout.decode() for f in
	    ("--user", "--event", "--since", "--until", "--csv")))
	p = srv.cli("user", "--help")
	check("kluis user --help lists the new subcommands",
	    all(w in p.stdout.decode() for w in ("list", "disable", "enable",
	    "resend")), p.stdout.decode())


@scenario
def language_per_user():
	"""English: switch remembered per user, wins at login, used for mails"""
	srv, admin = setup()
	acct = state.get("plain")
	require("plain user exists", acct)
	b = acct.browser
	r = b.get("/")
	if r.name != "home":
		acct.browser = b = later_login(srv, acct, "plain-again")
	r = b.get("/lang?to=en&back=/")
	check_redirect("/lang?to=en -> back", r, "/")
	r = b.get("/")
	check("home in English after the switch", "Your subjects" in r.page.text,
	    r.page.text[:300])
	with db(srv) as c:
		lang = c.execute("SELECT lang FROM users WHERE email = ?",
		    (acct.email,)).fetchone()[0]
	check("the choice is stored for the user", lang == "en", lang)

	# A fresh browser without cookies and a Dutch Accept-Language: the
	# stored language wins once the password is accepted.
	nb = Browser(srv, "fresh")
	r = nb.request("GET", "/login", headers={"Accept-Language": "nl-NL,nl"})
	check("login page in Dutch for a Dutch browser",
	    "Inloggen" in r.page.text)
	r = nb.submit(r, "/login", {"email": acct.email,
	    "password": acct.password})
	require_redirect("login -> /otp", r, "/otp")
	check("login sets the user's language cookie",
	    nb.cookies.get("kluis_lang") == "en", nb.raw_set_cookies)
	r = nb.request("GET", "/otp", headers={"Accept-Language": "nl"})
	check("the code page is in English", "Authentication code" in
	    r.page.text, r.page.text[:300])

	# Mails to the user use the stored language.
	uid = user_id(srv, acct.email)
	ab = admin.browser
	r = ab.get("/admin/users/%d" % uid)
	check("the admin sees the user's language", "Engels" in r.page.text)
	before = set(p for p, _ in read_mails(srv))
	r = ab.post("/admin/users/%d/resend" % uid, {"confirm": "1"})
	check_redirect("resend", r, "/admin/users/%d?done=resent" % uid)
	msg = wait_mail(srv, acct.email, "temporary password", exclude=before)
	check("the resent mail is in English", msg is not None and
	    "Your temporary password" in str(msg["Subject"]),
	    [str(m["Subject"]) for p, m in read_mails(srv) if p not in before])

	# An account created with English gets its first mail in English.
	r, temp, msg = create_user(srv, ab, "english@example.org", lang="en")
	check("a user created in English gets an English mail",
	    "temporary password" in str(msg["Subject"]).lower(), msg["Subject"])

	# Switching back while logged in stores nl again; the admin's own
	# switch does not touch other accounts.
	r = ab.get("/lang?to=en&back=/admin")
	r = ab.get("/admin")
	check("the console in English", "Users" in r.page.text and
	    "Search by email" in r.page.text, r.page.text[:400])
	r = ab.get("/lang?to=nl&back=/admin")
	check_redirect("switch back", r, "/admin")
	r = ab.get("/admin")
	check("the console in Dutch again", "Gebruikers" in r.page.text)
	rows = audit_rows(srv, "user.lang")
	check("language switches are audited", len(rows) >= 3, rows)


@scenario
def catalogues_complete():
	"""Every catalogue key exists in Dutch and English; no UI text in C"""
	def keys(path):
		out = set()
		with open(path, encoding="utf-8") as f:
			for line in f:
				line = line.strip()
				if line and not line.startswith("#") and "=" in line:
					out.add(line.split("=", 1)[0].strip())
		return out
	base = os.path.join(KLUIS_SHARE, "templates", "i18n")
	nl, en = keys(os.path.join(base, "nl.msg")), keys(os.path.join(base,
	    "en.msg"))
	check("keys only in nl.msg", not (nl - en), sorted(nl - en))
	check("keys only in en.msg", not (en - nl), sorted(en - nl))
	used = set()
	tdir = os.path.join(KLUIS_SHARE, "templates")
	for root, _, files in os.walk(tdir):
		for fn in files:
			if fn.endswith(".html"):
				with open(os.path.join(root, fn), encoding="utf-8") as f:
					used |= set(re.findall(r"\{\{t ([\w.-]+)\}\}", f.read()))
	check("every {{t key}} in the templates is in the catalogues",
	    not (used - nl), sorted(used - nl))
	# Keys C code hands to templates ("admin.new.exists", "otp.bad", ...).
	cdir = os.path.join(KLUIS_SHARE, "portal")
	ckeys = set()
	for fn in os.listdir(cdir):
		if fn.startswith("page_") and fn.endswith(".c"):
			with open(os.path.join(cdir, fn), encoding="utf-8") as f:
				src = f.read()
			ckeys |= set(re.findall(
			    r'"((?:admin|err|otp|login|enrol|pw)\.[a-z_.]+)"', src))
			ckeys -= set(re.findall(r'store_audit\([^;]*?"([a-z_.]+)"',
			    src, re.S))
	check("every catalogue key in page_*.c exists", not (ckeys - nl),
	    sorted(ckeys - nl))


if __name__ == "__main__":
	main()
