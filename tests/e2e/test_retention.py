#!/usr/bin/env python3
"""Retention and personal data, end to end: the server's background thread
deletes audit and download rows past audit-retention-days, delivered mail
(rows and outbox files) past mail-retention-days and the content of expired
files, each deletion audited by its count (`kluis housekeeping` does the same
at once); `kluis user export` holds everything about a person and no secret;
`kluis user delete` and the console's delete leave the email nowhere in the
database file, the logs keeping a pseudonym."""

import hashlib
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}
DAY = 86400


def run(srv, *args):
	p = srv.cli(*(list(args) + ["--data", srv.data]))
	return (p.returncode, p.stdout.decode(errors="replace"),
	    p.stderr.decode(errors="replace"))


def write(path, data):
	with open(path, "wb") as f:
		f.write(data)
	return path


def db_bytes(srv):
	"""The database file and its WAL, as they are on disk."""
	out = b""
	for name in ("kluis.db", "kluis.db-wal"):
		p = os.path.join(srv.data, name)
		if os.path.exists(p):
			out += open(p, "rb").read()
	return out


def wait_for(fn, timeout=15):
	deadline = time.time() + timeout
	while time.time() < deadline:
		v = fn()
		if v:
			return v
		time.sleep(0.2)
	return fn()


@scenario
def setup():
	"""Two users with grants, downloads and delivered mail; three files"""
	srv = temp_server()
	state["srv"] = srv
	src = os.path.join(srv.data, "src")
	os.makedirs(src)
	cli_ok(srv, "subject", "add", "DakMon", "--title", "Dakloosheidsmonitor")
	pa = srv.user_add("alice@example.nl", name="Alice Aardvark")
	pb = srv.user_add("bob@example.nl", name="Bob")
	state["alice"] = journey(srv, "alice@example.nl", temp_password=pa)
	state["bob"] = journey(srv, "bob@example.nl", temp_password=pb)
	state["vcode"] = grant(srv, "alice@example.nl", "DakMon")
	state["vcode_b"] = grant(srv, "bob@example.nl", "DakMon")
	state["live"] = publish(srv, "DakMon", write(os.path.join(src,
	    "live.csv"), b"live,content\n" * 100))
	state["expires_at"] = int(time.time()) + 3
	state["expiring"] = publish(srv, "DakMon", write(os.path.join(src,
	    "expiring.csv"), b"expiring,content\n" * 100), "--expires",
	    "@%d" % state["expires_at"])
	state["withdrawn"] = publish(srv, "DakMon", write(os.path.join(src,
	    "withdrawn.csv"), b"withdrawn,content\n" * 100))
	b = state["alice"].browser
	r = unlock(b, "DakMon", state["vcode"])
	require_redirect("alice unlocks DakMon", r, "/subjects/DakMon")
	for fid in (state["live"], state["withdrawn"]):
		r = b.get("/files/%d" % fid)
		require("alice downloads file %d" % fid, r.status == 200)
	state["recovery"] = new_recovery_codes(b)
	cli_ok(srv, "unpublish", str(state["withdrawn"]))
	state["shas"] = {fid: sha for fid, sha in db_rows(srv, "SELECT id, "
	    "sha256 FROM files")}
	require("the mail is delivered", wait_for(lambda: db_rows(srv,
	    "SELECT count(*) FROM mail_queue WHERE sent IS NULL")[0][0] == 0))


def content(srv, fid):
	return os.path.exists(os.path.join(srv.data, "files",
	    state["shas"][fid]))


@scenario
def retention_by_the_server():
	"""Past their retention: old audit rows, delivered mail, expired content go"""
	srv = state["srv"]
	time.sleep(max(0, state["expires_at"] + 1 - time.time()))
	srv.stop()
	now = int(time.time())
	audit_ids = [r[0] for r in db_rows(srv, "SELECT id FROM audit ORDER BY "
	    "id")]
	old_audit, new_audit = audit_ids[:5], audit_ids[5:]
	db_write(srv, "UPDATE audit SET at = ? WHERE id <= ?", (now - 401 * DAY,
	    old_audit[-1]))
	dl = [r[0] for r in db_rows(srv, "SELECT id FROM downloads ORDER BY id")]
	db_write(srv, "UPDATE downloads SET at = ? WHERE id = ?", (now - 401 *
	    DAY, dl[0]))
	mails = [r[0] for r in db_rows(srv, "SELECT id FROM mail_queue ORDER "
	    "BY id")]
	old_mail = mails[:2]
	for m in old_mail:
		db_write(srv, "UPDATE mail_queue SET sent = ? WHERE id = ?", (now -
		    31 * DAY, m))
		os.utime(os.path.join(srv.outbox, "%010d.eml" % m), (now - 31 * DAY,
		    now - 31 * DAY))
	outbox_before = sorted(os.listdir(srv.outbox))
	check("the expired file's content is still on disk before",
	    content(srv, state["expiring"]))
	srv.start(wait_credentials=False)
	events = wait_for(lambda: (lambda rows: rows if len(rows) >= 3 else
	    None)(db_rows(srv, "SELECT event, detail FROM audit WHERE event "
	    "LIKE 'retention.%'")))
	ev = dict(events or [])
	check("the server's background thread audited each deletion by count",
	    set(ev) == {"retention.audit", "retention.mail", "retention.files"},
	    events)
	check("retention.audit says 5 audit and 1 download rows older than 400 "
	    "days", ev.get("retention.audit") == "5 audit and 1 download rows "
	    "older than 400 days", ev)
	check("retention.mail says 2 messages and 2 outbox files older than 30 "
	    "days", ev.get("retention.mail") == "2 delivered messages and 2 "
	    "outbox files older than 30 days", ev)
	check("retention.files counts the expired file's content",
	    ev.get("retention.files") == "the content of 1 withdrawn or expired "
	    "files", ev)
	left = [r[0] for r in db_rows(srv, "SELECT id FROM audit")]
	check("the old audit rows are gone, the newer ones kept",
	    not set(old_audit) & set(left) and set(new_audit) <= set(left))
	left = [r[0] for r in db_rows(srv, "SELECT id FROM downloads")]
	check("the old download row is gone, the newer kept", left == dl[1:],
	    left)
	left = [r[0] for r in db_rows(srv, "SELECT id FROM mail_queue")]
	check("the old delivered mail rows are gone, the newer kept",
	    left == mails[2:], left)
	outbox = sorted(os.listdir(srv.outbox))
	check("their outbox files are gone, the newer kept", outbox ==
	    [f for f in outbox_before if f not in ("%010d.eml" % m
	    for m in old_mail)], (outbox_before, outbox))
	check("the expired file's content is deleted",
	    not content(srv, state["expiring"]))
	check("the withdrawn file's content is deleted",
	    not content(srv, state["withdrawn"]))
	check("the live file's content is kept", content(srv, state["live"]))
	rc, out, err = run(srv, "check")
	check("kluis check still passes", rc == 0, out + err)


@scenario
def housekeeping_command():
	"""kluis housekeeping: the same round at once, with its counts"""
	srv = state["srv"]
	now = int(time.time())
	db_write(srv, "UPDATE audit SET at = ? WHERE event = 'user.create'",
	    (now - 3 * DAY,))
	n = db_rows(srv, "SELECT count(*) FROM audit WHERE at < ?", (now - DAY,))
	rc, out, err = run(srv, "housekeeping", "--audit-retention-days", "2")
	check("kluis housekeeping --audit-retention-days 2 exits 0 and counts",
	    rc == 0 and "deleted %d audit rows" % n[0][0] in out, out + err)
	check("... the rows are gone", db_rows(srv, "SELECT count(*) FROM audit "
	    "WHERE at < ?", (now - DAY,)) == [(0,)])
	rc, out, err = run(srv, "housekeeping", "--mail-retention-days", "0")
	check("a retention of 0 days is refused", rc == 2, err)


@scenario
def export_has_everything_and_no_secret():
	"""kluis user export: the person's data as JSON, without secrets"""
	srv, alice = state["srv"], state["alice"]
	rc, out, err = run(srv, "user", "export", "alice@example.nl")
	require("kluis user export exits 0", rc == 0, err)
	try:
		doc = json.loads(out)
	except ValueError as e:
		doc = {}
		check("the export is JSON", False, "%s\n%s" % (e, out[:2000]))
	acct = doc.get("account", {})
	check("the account: email, name, dates", acct.get("email") ==
	    "alice@example.nl" and acct.get("name") == "Alice Aardvark" and
	    re.match(r"\d{4}-\d\d-\d\dT", acct.get("created") or ""), acct)
	check("the devices by name and date", [d.get("name") for d in
	    doc.get("devices", [])] == ["Mijn telefoon"] and
	    doc["devices"][0].get("added"), doc.get("devices"))
	check("the grants", [g.get("subject") for g in doc.get("grants", [])] ==
	    ["DakMon"], doc.get("grants"))
	check("the downloads", len(doc.get("downloads", [])) >= 1 and all(
	    "bytes" in d and "address" in d for d in doc["downloads"]),
	    doc.get("downloads"))
	events = [a.get("event") for a in doc.get("audit", [])]
	check("the audit events about her", "login.ok" in events and "grant" in
	    events, events)
	check("the recovery codes counted, not shown",
	    doc.get("recovery_codes", {}).get("unused") == 10)
	secrets = [alice.device.secret, state["vcode"], alice.password] + \
	    state["recovery"]
	hashes = [r[0] for r in db_rows(srv, "SELECT password_hash FROM users "
	    "WHERE email = 'alice@example.nl'")]
	leaked = [s for s in secrets + hashes if s and s.lower() in out.lower()]
	check("no secret and no hash in it (TOTP secret, validation code, "
	    "password, recovery codes, password hash)", not leaked, leaked)
	check("no field names a secret", not re.search(r'"(secret|password_hash|'
	    r'code_mac|code_hash|token_hash)"', out), out[:1500])
	rc, out, err = run(srv, "user", "export", "nobody@example.nl")
	check("an unknown account: exit 1", rc == 1 and "no account" in err, err)


@scenario
def delete_leaves_a_pseudonym():
	"""kluis user delete: the email nowhere in the database file"""
	srv, alice = state["srv"], state["alice"]
	uid = db_rows(srv, "SELECT id FROM users WHERE email = "
	    "'alice@example.nl'")[0][0]
	n_events = db_rows(srv, "SELECT count(*) FROM audit WHERE user_id = ?",
	    (uid,))[0][0]
	require("alice's email is in the database file before", b"alice@example.nl"
	    in db_bytes(srv))
	rc, out, err = run(srv, "user", "delete", "alice@example.nl")
	require("kluis user delete exits 0", rc == 0, out + err)
	m = re.search(r"(deleted-user-[0-9a-f]{12})", out)
	require("it names the pseudonym", m, out)
	alias = m.group(1)
	r = alice.browser.get("/")
	check("her session is gone", r.status == 303, r.summary())
	for table in ("devices", "sessions", "grants", "recovery_codes",
	    "reset_tokens", "otp_reset_requests", "file_recipients"):
		rows = db_rows(srv, "SELECT count(*) FROM %s WHERE user_id = ?" %
		    table, (uid,))
		check("nothing of hers in %s" % table, rows == [(0,)], rows)
	check("no mail to her in the queue", db_rows(srv, "SELECT count(*) FROM "
	    "mail_queue WHERE rcpt = 'alice@example.nl'") == [(0,)])
	check("no outbox file to her", not [p for p, msg in read_mails(srv)
	    if "alice@example.nl" in str(msg.get("To", ""))])
	rows = db_rows(srv, "SELECT count(*) FROM audit WHERE user_alias = ?",
	    (alias,))
	check("her audit rows keep the pseudonym (and the delete is one)",
	    rows == [(n_events + 1,)], (rows, n_events))
	check("her download rows keep the pseudonym", db_rows(srv, "SELECT "
	    "count(*) FROM downloads WHERE user_alias = ?", (alias,))[0][0] >= 1)
	rc, out, err = run(srv, "audit", "--user", alias)
	check("kluis audit shows the pseudonym", rc == 0 and alias in out and
	    "user.delete" in out, out)
	data = db_bytes(srv)
	check("the email appears nowhere in the database file or its WAL, "
	    "the server running", b"alice@example.nl" not in data and
	    b"alice@example.nl".upper() not in data)
	check("nor her name", b"Alice Aardvark" not in data)
	srv.stop()
	check("... nor after the server stopped", b"alice@example.nl" not in
	    db_bytes(srv))
	srv.start(wait_credentials=False)
	rc, out, err = run(srv, "check")
	check("kluis check passes after the delete", rc == 0, out + err)


@scenario
def console_delete():
	"""The console deletes an account after a confirmation, never one's own"""
	srv, bob = state["srv"], state["bob"]
	admin = journey(srv, srv.admin_email)
	b = admin.browser
	uid = db_rows(srv, "SELECT id FROM users WHERE email = 'bob@example.nl'")
	require("bob has an account", uid)
	uid = uid[0][0]
	r = b.get("/admin/users/%d" % uid)
	require_page("bob's page in the console", r, "admin/user")
	check("it offers to delete the account", "/admin/users/%d/delete" % uid
	    in r.text)
	r2 = b.submit(r, "/admin/users/%d/delete" % uid, {})
	check_page("delete shows a confirmation first", r2, "admin/confirm")
	check("... naming the account", "bob@example.nl" in r2.page.text)
	check("... and nothing is deleted yet", db_rows(srv, "SELECT count(*) "
	    "FROM users WHERE id = ?", (uid,)) == [(1,)])
	r3 = b.submit(r2, "/admin/users/%d/delete" % uid, {})
	check_redirect("confirmed: back to the list, with a notice", r3,
	    "/admin/users?done=deleted")
	r = b.get("/admin/users?done=deleted")
	check("the list says the account was deleted", "verwijderd" in
	    r.page.text and "bob@example.nl" not in r.text, r.page.text[:600])
	check("bob's session is gone", bob.browser.get("/").status == 303)
	aid = db_rows(srv, "SELECT id FROM users WHERE email = ?",
	    (srv.admin_email,))[0][0]
	r = b.get("/admin/users/%d" % aid)
	check("the admin's own page offers no delete", "/delete" not in r.text)
	r = b.post("/admin/users/%d/delete" % aid, {"confirm": "1"})
	check("deleting one's own account is refused (400)",
	    r.shown().status == 400 and
	    db_rows(srv, "SELECT count(*) FROM users WHERE id = ?", (aid,)) ==
	    [(1,)], r.summary())
	r = b.get("/admin/audit?event=user.delete")
	check("the console's audit shows the deletion by its pseudonym",
	    "deleted-user-" in r.text and "bob@example.nl" not in r.text)
	check("bob's email appears nowhere in the database file or its WAL",
	    b"bob@example.nl" not in db_bytes(srv))


main()
