#!/usr/bin/env python3
"""Data custody, end to end: the key belongs to the database (a removed,
replaced or unreadable key is refused by every command, and no new key
appears; an empty data directory gets one), `kluis key rotate` keeps every
login, validation code, recovery code, enrolment and queued mail working,
`kluis backup` while the server serves, `kluis restore` and `kluis check`
(a missing or altered file named), and a backup before a migration."""

import glob
import hashlib
import os
import shutil
import sqlite3
import stat
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}
REPO = KLUIS_SHARE


def tmpdir(tag):
	d = tempfile.mkdtemp(prefix="kluis-custody-%s-" % tag)
	if not os.environ.get("KLUIS_E2E_KEEP"):
		atexit.register(shutil.rmtree, d, True)
	return d


def run(srv, *args, data=None, timeout=60):
	"""`kluis ARGS --data DATA`: (exit status, stdout, stderr); a command
	still running after TIMEOUT seconds (a server that started) is killed
	and counts as exit status -1."""
	try:
		p = srv.cli(*(list(args) + ["--data", data or srv.data]),
		    timeout=timeout)
	except subprocess.TimeoutExpired:
		return -1, "", "still running after %d s" % timeout
	return (p.returncode, p.stdout.decode(errors="replace"),
	    p.stderr.decode(errors="replace"))


def sha256_file(path):
	h = hashlib.sha256()
	with open(path, "rb") as f:
		for chunk in iter(lambda: f.read(1 << 20), b""):
			h.update(chunk)
	return h.hexdigest()


def keyring(srv, sql="SELECT name FROM keyring ORDER BY name", data=None):
	"""Rows of the keyring table ([] when the database has none)."""
	try:
		con = sqlite3.connect(os.path.join(data or srv.data, "kluis.db"))
		try:
			return con.execute(sql).fetchall()
		finally:
			con.close()
	except sqlite3.Error as e:
		return [("error: %s" % e,)]


def restart(srv):
	"""Start srv again on its data directory (no first admin is printed)."""
	srv.start(wait_credentials=False)
	return srv


def download(b, fid):
	r = b.get("/files/%d" % fid)
	return r.status, hashlib.sha256(r.body).hexdigest()


@scenario
def setup():
	"""A portal in use: an enrolled user with a grant, a file, recovery codes"""
	srv = temp_server()
	state["srv"] = srv
	key = os.path.join(srv.data, "kluis.key")
	st = os.stat(key)
	check("the first start made DATA/kluis.key, 32 bytes, mode 600",
	    st.st_size == 32 and stat.S_IMODE(st.st_mode) == 0o600,
	    "%d bytes, mode %o" % (st.st_size, stat.S_IMODE(st.st_mode)))
	cli_ok(srv, "subject", "add", "DakMon", "--title", "Dakloosheidsmonitor")
	pa = srv.user_add("alice@example.nl", name="Alice")
	alice = journey(srv, "alice@example.nl", temp_password=pa)
	state["alice"] = alice
	state["vcode"] = grant(srv, "alice@example.nl", "DakMon")
	src = os.path.join(tmpdir("src"), "op-orde-2024.csv")
	data = os.urandom(300 * 1024 + 7)
	with open(src, "wb") as f:
		f.write(data)
	state["sha"] = hashlib.sha256(data).hexdigest()
	state["fid"] = publish(srv, "DakMon", src)
	state["recovery"] = new_recovery_codes(alice.browser)
	require("ten recovery codes", len(state["recovery"]) == 10)
	r = unlock(alice.browser, "DakMon", state["vcode"])
	require_redirect("the validation code unlocks DakMon", r,
	    "/subjects/DakMon")
	check("the file downloads with its SHA-256",
	    download(alice.browser, state["fid"]) == (200, state["sha"]))
	rows = keyring(srv)
	check("the database records the key's fingerprint and the hashing key",
	    rows == [("fingerprint",), ("mac_key",)], rows)


@scenario
def empty_directory_gets_a_key():
	"""An empty data directory gets a key, recorded in its new database"""
	srv = state["srv"]
	d = tmpdir("empty")
	rc, out, err = run(srv, "user", "list", data=d)
	check("kluis user list on an empty directory exits 0", rc == 0, err)
	key = os.path.join(d, "kluis.key")
	check("... and made DATA/kluis.key", os.path.isfile(key) and
	    os.path.getsize(key) == 32)
	rc, out, err = run(srv, "key", "fingerprint", data=d)
	check("kluis key fingerprint: the key file is the database's",
	    rc == 0 and "this is its key" in out, out + err)


COMMANDS = [
	["user", "list"],
	["user", "add", "zoe@example.nl"],
	["user", "disable", "alice@example.nl"],
	["subject", "list"],
	["grant", "alice@example.nl", "DakMon", "--resend"],
	["files", "DakMon"],
	["audit"],
	["mail", "list"],
	["requests"],
	["key", "rotate"],
]


def refused_everywhere(srv, case, key, before, tell):
	"""Every command, serve included, refuses; the key file stays as it is."""
	bdir = os.path.join(tmpdir("refused"), "b")
	cmds = COMMANDS + [["backup", bdir],
	    ["serve", "--listen", "127.0.0.1:%d" % free_port()]]
	timeout = {"serve": 15}
	bad = []
	for cmd in cmds:
		rc, out, err = run(srv, *cmd, timeout=timeout.get(cmd[0], 60))
		if rc == 0 or key not in err or tell not in err or \
		    "Restore" not in err:
			bad.append("%s: exit %d\n%s" % (" ".join(cmd), rc, err[-600:]))
	check("%s key: all %d commands (serve too) refuse, naming the key file "
	    "and what to restore" % (case, len(cmds)), not bad, "\n".join(bad))
	now = open(key, "rb").read() if os.path.isfile(key) else None
	check("%s key: no new key file appeared" % case, now == before and
	    not glob.glob(key + ".*"), "%r -> %r" % (before, now))
	rc, out, err = run(srv, "check")
	check("%s key: kluis check exits 1 with a line about the key" % case,
	    rc == 1 and "key:" in err and key in err, out + err)
	ok = db_rows(srv, "SELECT disabled FROM users WHERE email = ?",
	    ("alice@example.nl",))
	check("%s key: nothing was changed (alice still enabled)" % case,
	    ok == [(0,)], ok)


@scenario
def key_refusals():
	"""A removed, replaced or unreadable key: every command refuses"""
	srv = state["srv"]
	srv.stop()
	key = os.path.join(srv.data, "kluis.key")
	good = open(key, "rb").read()

	os.unlink(key)
	refused_everywhere(srv, "removed", key, None, "is missing")

	with open(key, "wb") as f:
		f.write(os.urandom(32))
	os.chmod(key, 0o600)
	other = open(key, "rb").read()
	refused_everywhere(srv, "replaced", key, other, "is not the key")

	with open(key, "wb") as f:
		f.write(good[:31])
	refused_everywhere(srv, "truncated", key, good[:31], "cannot use")

	with open(key, "wb") as f:
		f.write(good)
	os.chmod(key, 0o644)
	refused_everywhere(srv, "world-readable", key, good, "cannot use")

	os.chmod(key, 0o600)
	rc, out, err = run(srv, "check")
	check("the right key back: kluis check exits 0", rc == 0, out + err)
	restart(srv)
	b = later_login(srv, state["alice"], "after-refusals")
	state["alice"].browser = b


@scenario
def rotate_keeps_everything():
	"""kluis key rotate: logins, codes, enrolments and queued mail still work"""
	srv, alice = state["srv"], state["alice"]
	# An enrolment under way: its secret is sealed in the session.
	pd = srv.user_add("dave@example.nl")
	dave = login(srv, "dave@example.nl", pd, "/enrol", "dave")
	r = dave.get("/enrol")
	require_page("dave's /enrol", r, "enrol")
	dave_secret = enrol_secret(r)
	rc, out, err = run(srv, "key", "rotate")
	check("rotation while the server runs is refused", rc != 0 and
	    "stop it first" in err, err)
	srv.stop()
	# Queued while no server delivers: sealed in the mail queue.
	rc, out, err = run(srv, "user", "add", "carol@example.nl")
	require("carol added with the server stopped", rc == 0, err)
	key = os.path.join(srv.data, "kluis.key")
	old = open(key, "rb").read()
	fp_before = keyring(srv, "SELECT value FROM keyring WHERE name = "
	    "'fingerprint'")
	sealed_before = db_rows(srv, "SELECT secret FROM devices")
	rc, out, err = run(srv, "key", "rotate")
	require("kluis key rotate exits 0", rc == 0, out + err)
	check("it says how many secrets it re-sealed", "re-sealed" in out, out)
	check("the old key is kept as kluis.key.old",
	    open(key + ".old", "rb").read() == old)
	new = open(key, "rb").read()
	check("kluis.key is a new key, mode 600", new != old and len(new) == 32
	    and stat.S_IMODE(os.stat(key).st_mode) == 0o600)
	check("the recorded fingerprint changed", fp_before != keyring(srv,
	    "SELECT value FROM keyring WHERE name = 'fingerprint'"))
	check("the authenticator secrets were sealed again",
	    sealed_before != db_rows(srv, "SELECT secret FROM devices"))
	check("the rotation is in the audit log", ("key.rotate",) in db_rows(
	    srv, "SELECT event FROM audit"))
	restart(srv)
	b = later_login(srv, alice, "after-rotate")
	r = unlock(b, "DakMon", state["vcode"])
	check_redirect("the same validation code still unlocks DakMon", r,
	    "/subjects/DakMon")
	check("the file still downloads with its SHA-256",
	    download(b, state["fid"]) == (200, state["sha"]))
	# A recovery code made before the rotation.
	rb = login(srv, alice.email, alice.password, "/otp", "recovery")
	r = rb.get("/otp/recovery")
	r = rb.submit(r, "/otp/recovery", {"recovery_code": state["recovery"][0]})
	check("a recovery code made before the rotation still logs in",
	    r.status == 303 and r.location in ("/", "/password"), r.summary())
	# The mail queued before the rotation is delivered and readable.
	pc = wait_mail(srv, "carol@example.nl", TEMP_PASSWORD_SUBJECT)
	require("carol's mail, queued before the rotation, is delivered",
	    pc is not None, srv.stderr_text()[-2000:])
	journey(srv, "carol@example.nl", temp_password=mail_secret(pc))
	# The enrolment under way shows the same secret and completes.
	r = dave.get("/enrol")
	check("dave's enrolment under way shows the same secret",
	    enrol_secret(r) == dave_secret, r.summary())
	dev = Device(dave_secret, "Dave")
	code, step = dev.next_code()
	r = dave.submit(r, "/enrol", {"device_name": "Dave", "code": code})
	check_redirect("... and its code enrols the phone", r, "/password")
	srv.stop()
	rc, out, err = run(srv, "key", "rotate")
	check("a second rotation is refused while kluis.key.old exists",
	    rc != 0 and "kluis.key.old exists" in err, err)
	check("... and changed nothing", open(key, "rb").read() == new)
	os.rename(key + ".old", os.path.join(tmpdir("oldkey"), "kluis.key.old"))
	restart(srv)
	state["alice"].browser = b


def busy(srv, acct, stop, counts):
	"""Page views and downloads while a backup runs."""
	b = acct.browser
	while not stop.is_set():
		try:
			r = b.get("/subjects/DakMon")
			counts["pages"] += r.status == 200
			r = b.get("/files/%d" % state["fid"])
			counts["downloads"] += r.status == 200
		except Exception as e:	# noqa: BLE001
			counts["errors"].append(repr(e))


def manifest_ok(d):
	bad = []
	for line in open(os.path.join(d, "MANIFEST")):
		digest, name = line.rstrip("\n").split("  ", 1)
		if sha256_file(os.path.join(d, name)) != digest:
			bad.append(name)
	return bad


@scenario
def backup_restore_check():
	"""A backup while serving, restored elsewhere: same phone, code and file"""
	srv, alice = state["srv"], state["alice"]
	r = unlock(alice.browser, "DakMon", state["vcode"])
	require_redirect("DakMon unlocked", r, "/subjects/DakMon")
	bdir = os.path.join(tmpdir("backup"), "b")
	stop, counts = threading.Event(), {"pages": 0, "downloads": 0,
	    "errors": []}
	t = threading.Thread(target=busy, args=(srv, alice, stop, counts))
	t.start()
	try:
		time.sleep(0.3)
		rc, out, err = run(srv, "backup", bdir)
		time.sleep(0.3)
	finally:
		stop.set()
		t.join()
	check("the server served pages and downloads during the backup",
	    counts["downloads"] > 0 and not counts["errors"], counts)
	require("kluis backup DIR exits 0 while the server runs", rc == 0,
	    out + err)
	names = sorted(os.listdir(bdir))
	check("the backup holds kluis.db, files/, BACKUP and MANIFEST, no key",
	    names == ["BACKUP", "MANIFEST", "files", "kluis.db"], names)
	check("the backup holds the live file's content",
	    os.listdir(os.path.join(bdir, "files")) == [state["sha"]])
	check("every SHA-256 in MANIFEST matches", not manifest_ok(bdir),
	    manifest_ok(bdir))
	con = sqlite3.connect(os.path.join(bdir, "kluis.db"))
	check("the copied database passes PRAGMA integrity_check",
	    con.execute("PRAGMA integrity_check").fetchall() == [("ok",)])
	con.close()

	key = os.path.join(srv.data, "kluis.key")
	n1 = os.path.join(tmpdir("restore"), "n1")
	rc, out, err = run(srv, "restore", bdir, data=n1)
	check("restore without a key exits 0 and says to copy the key",
	    rc == 0 and "no key was restored" in out, out + err)
	rc, out, err = run(srv, "check", data=n1)
	check("kluis check on it: exit 1, the key is missing", rc == 1 and
	    "key:" in err and "is missing" in err, out + err)
	rc, out, err = run(srv, "serve", "--listen", "127.0.0.1:%d" %
	    free_port(), data=n1, timeout=30)
	check("a server on it refuses to start without the key", rc != 0 and
	    "is missing" in err, err[-800:])

	wrong = os.path.join(tmpdir("wrongkey"), "k")
	with open(wrong, "wb") as f:
		f.write(os.urandom(32))
	os.chmod(wrong, 0o600)
	n2 = os.path.join(tmpdir("restore"), "n2")
	rc, out, err = run(srv, "restore", bdir, "--key", wrong, data=n2)
	check("restore with another key is refused", rc != 0 and
	    "is not the key of this backup" in err, out + err)

	n3 = os.path.join(tmpdir("restore"), "n3")
	rc, out, err = run(srv, "restore", bdir, "--key", key, data=n3)
	require("kluis restore DIR --data NEW --key FILE exits 0", rc == 0,
	    out + err)
	rc, out, err = run(srv, "check", data=n3)
	check("kluis check on the restored directory passes", rc == 0 and
	    out.count("ok:") == 3, out + err)
	srv.stop()
	new = Server(data=n3)
	atexit.register(new.cleanup)
	restart(new)
	b = later_login(new, alice, "restored")
	r = unlock(b, "DakMon", state["vcode"])
	check_redirect("on the restored portal the same validation code unlocks",
	    r, "/subjects/DakMon")
	check("... and the file downloads with its SHA-256",
	    download(b, state["fid"]) == (200, state["sha"]))
	new.stop()

	# check names a missing and an altered file.
	content = os.path.join(n3, "files", state["sha"])
	saved = open(content, "rb").read()
	os.unlink(content)
	rc, out, err = run(srv, "check", data=n3)
	check("kluis check names a missing file (exit 1)", rc == 1 and
	    "file %d (op-orde-2024.csv)" % state["fid"] in err and "missing" in
	    err, out + err)
	with open(content, "wb") as f:
		f.write(saved[:-1] + bytes([saved[-1] ^ 1]))
	rc, out, err = run(srv, "check", data=n3)
	check("kluis check names an altered file (exit 1)", rc == 1 and
	    "file %d (op-orde-2024.csv)" % state["fid"] in err and "altered" in
	    err, out + err)

	# --with-key: the key travels in the backup.
	restart(srv)
	b2dir = os.path.join(tmpdir("backup"), "b2")
	rc, out, err = run(srv, "backup", b2dir, "--with-key")
	check("kluis backup --with-key exits 0", rc == 0, out + err)
	check("... and holds kluis.key", os.path.isfile(os.path.join(b2dir,
	    "kluis.key")) and "kluis.key" in open(os.path.join(b2dir,
	    "MANIFEST")).read())
	n4 = os.path.join(tmpdir("restore"), "n4")
	rc, out, err = run(srv, "restore", b2dir, data=n4)
	check("restore of it needs no --key", rc == 0 and "the key is in" in out,
	    out + err)
	rc, out, err = run(srv, "check", data=n4)
	check("kluis check on it passes", rc == 0, out + err)

	# A damaged backup is refused, naming the file.
	bad = os.path.join(b2dir, "files", state["sha"])
	data = bytearray(open(bad, "rb").read())
	data[100] ^= 0xff
	with open(bad, "wb") as f:
		f.write(data)
	n5 = os.path.join(tmpdir("restore"), "n5")
	rc, out, err = run(srv, "restore", b2dir, data=n5)
	check("a backup with an altered file is refused, naming it", rc != 0 and
	    state["sha"] in err and "not what the backup holds" in err, out + err)
	rc, out, err = run(srv, "backup", bdir)
	check("backing up into a directory that is not empty is refused",
	    rc != 0 and "not empty" in err, err)


@scenario
def migration_backup():
	"""A database older than the binary is backed up before it is migrated"""
	srv = state["srv"]
	d = tmpdir("old")
	con = sqlite3.connect(os.path.join(d, "kluis.db"))
	for n in (1, 2, 3, 4):
		path = glob.glob(os.path.join(REPO, "migrations", "%03d_*.sql" % n))
		con.executescript(open(path[0]).read())
	con.execute("PRAGMA user_version = 4")
	con.execute("INSERT INTO users (email, password_hash, created) VALUES "
	    "('old@example.nl', 'x', 1)")
	con.commit()
	con.close()
	rc, out, err = run(srv, "user", "list", data=d)
	check("kluis user list migrates the old database", rc == 0 and
	    "old@example.nl" in out, out + err)
	copies = glob.glob(os.path.join(d, "backups", "before-migration-*.db"))
	check("one copy in DATA/backups/ before the migration", len(copies) == 1,
	    copies)
	if copies:
		con = sqlite3.connect(copies[0])
		v = con.execute("PRAGMA user_version").fetchone()[0]
		rows = con.execute("SELECT email FROM users").fetchall()
		con.close()
		check("the copy has the old schema and its data", v == 4 and
		    rows == [("old@example.nl",)], (v, rows))
	rc, out, err = run(srv, "user", "list", data=d)
	check("no copy when nothing is migrated", len(glob.glob(os.path.join(d,
	    "backups", "*"))) == 1)
	e = tmpdir("fresh")
	run(srv, "user", "list", data=e)
	check("a new database is not backed up", not os.path.exists(
	    os.path.join(e, "backups")))


@scenario
def fingerprint_recorded_for_old_databases():
	"""A database without a fingerprint: recorded when the key opens its secrets"""
	srv = state["srv"]
	b = os.path.join(tmpdir("fp"), "b")
	rc, out, err = run(srv, "backup", b, "--with-key")
	require("backup for the copies", rc == 0, err)
	for case, key in (("right", None), ("wrong", os.urandom(32))):
		n = os.path.join(tmpdir("fp"), case)
		rc, out, err = run(srv, "restore", b, data=n)
		require("restore of a copy", rc == 0, err)
		con = sqlite3.connect(os.path.join(n, "kluis.db"))
		con.execute("DELETE FROM keyring")
		con.commit()
		con.close()
		if key is not None:
			with open(os.path.join(n, "kluis.key"), "wb") as f:
				f.write(key)
		rc, out, err = run(srv, "user", "list", data=n)
		rows = keyring(srv, data=n)
		if case == "right":
			check("the key that opens its secrets: accepted and recorded",
			    rc == 0 and rows == [("fingerprint",), ("mac_key",)],
			    (rc, rows, err))
		else:
			check("a key that does not open its secrets is refused",
			    rc != 0 and "does not open the secrets" in err and not
			    rows, (rc, rows, err))


main()
