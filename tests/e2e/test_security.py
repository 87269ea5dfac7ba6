#!/usr/bin/env python3
"""DESIGN §3 security requirements that the journey tests do not already
cover: secrets at rest, the key file, brute-force delays per account and per
address (never revealing whether an account exists), Secure cookies and HSTS behind https, a database newer than the
binary, real SMTP delivery through a failing and a working server, and the
audit trail of every login step."""

import http.client
import os
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403


def db_rows(server, sql, args=()):
	con = sqlite3.connect(os.path.join(server.data, "kluis.db"), timeout=10)
	try:
		return con.execute(sql, args).fetchall()
	finally:
		con.close()


def db_bytes(server):
	"""The database and its WAL, as bytes: what a stolen backup holds."""
	out = b""
	for name in ("kluis.db", "kluis.db-wal"):
		p = os.path.join(server.data, name)
		if os.path.exists(p):
			with open(p, "rb") as f:
				out += f.read()
	return out


@scenario
def secrets_at_rest():
	"""No password, TOTP secret, session id or queued mail in clear"""
	srv = temp_server()
	temp = srv.user_add("rust@example.org")
	acct = journey(srv, "rust@example.org", temp)
	raw = db_bytes(srv)
	secret_b32 = acct.device.secret
	import base64
	secret_raw = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
	check("TOTP secret (base32) not in the database", secret_b32.encode()
	    not in raw)
	check("TOTP secret (raw bytes) not in the database", secret_raw not in raw)
	check("password not in the database", acct.password.encode() not in raw)
	check("temporary password not in the database", temp.encode() not in raw)
	check("admin's temporary password not in the database",
	    srv.admin_password.encode() not in raw)
	check("session cookie value not in the database",
	    acct.browser.session.encode() not in raw)
	hashes = db_rows(srv, "SELECT password_hash FROM users")
	check("every password is an argon2id PHC string with OWASP parameters",
	    hashes and all(h[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
	    for h in hashes), hashes)
	rows = db_rows(srv, "SELECT length(message), sent FROM mail_queue")
	check("delivered mail is emptied from the queue",
	    rows and all(r[1] is None or r[0] == 0 for r in rows), rows)
	key = os.path.join(srv.data, "kluis.key")
	st = os.stat(key)
	check("key file exists beside, not in, the database, mode 0600",
	    stat.S_IMODE(st.st_mode) == 0o600 and st.st_size == 32,
	    oct(st.st_mode))
	logs = srv.stderr_text() + srv.stdout_text().replace(srv.admin_password, "")
	check("no secret in the server's log", temp not in logs and
	    acct.password not in logs and secret_b32 not in logs, logs[-2000:])


@scenario
def key_file_guards():
	"""A key file readable by others, or of the wrong size, is refused"""
	srv = Server()
	srv.start()
	srv.stop()
	key = os.path.join(srv.data, "kluis.key")
	os.chmod(key, 0o644)
	p = srv.cli("user", "add", "x@example.org", "--data", srv.data)
	check("kluis refuses a group/world-readable key file", p.returncode != 0
	    and b"key" in p.stderr, p.stderr)
	os.chmod(key, 0o600)
	with open(key, "ab") as f:
		f.write(b"x")
	p = srv.cli("user", "add", "x@example.org", "--data", srv.data)
	check("kluis refuses a key file of the wrong size", p.returncode != 0,
	    p.stderr)
	srv.cleanup()


def try_login(b, addr, password):
	"""A login with ADDR and PASSWORD; the page it leads to when refused
	(Post/Redirect/Get: the login page, with the refusal's status)."""
	r = b.get("/login")
	return b.submit(r, "/login", {"email": addr, "password": password}).shown()


@scenario
def password_throttle_per_account():
	"""After 5 wrong passwords the account waits, known or not alike"""
	srv = temp_server("--max-ip-failures", "1000")
	srv.user_add("slot@example.org")
	answers = {}
	for addr in ("slot@example.org", "niemand@example.org"):
		b = Browser(srv, addr)
		statuses = [try_login(b, addr, "verkeerd-wachtwoord-%d" % i).status
		    for i in range(5)]
		check("5 wrong passwords for %s each get 401" % addr,
		    statuses == [401] * 5, statuses)
		r = try_login(b, addr, "verkeerd-wachtwoord-6")
		answers[addr] = (r.status, r.errors)
		check("the 6th attempt for %s gets 429 with a time to wait" % addr,
		    r.status == 429 and r.header("Retry-After") and
		    any(re.search(r"over (1 minuut|(?!1 )\d+ minuten)", e) for e in r.errors),
		    r.summary())
	check("locked known and unknown accounts answer the same",
	    answers["slot@example.org"] == answers["niemand@example.org"], answers)
	# The right password does not get through while the delay runs.
	temp = None
	for path, msg in read_mails(srv):
		if "slot@example.org" in msg["To"]:
			temp = mail_secret(msg)
	r = try_login(Browser(srv, "right"), "slot@example.org", temp)
	check("the right password waits too during the delay", r.status == 429,
	    r.summary())
	rows = db_rows(srv, "SELECT count(*) FROM audit WHERE event = "
	    "'login.throttled'")
	check("throttled attempts are audited", rows[0][0] >= 1, rows)


@scenario
def concurrent_failures_all_count():
	"""Failures sent at the same moment are all counted"""
	import threading
	srv = temp_server("--max-ip-failures", "1000", "--max-account-failures",
	    "1000", "--threads", "8")
	srv.user_add("tegelijk@example.org")
	browsers = [Browser(srv, "b%d" % i) for i in range(24)]
	pages = [b.get("/login") for b in browsers]
	go = threading.Barrier(len(browsers))
	statuses = []

	def attempt(b, page):
		go.wait()
		statuses.append(b.submit(page, "/login", {"email":
		    "tegelijk@example.org", "password": "fout-fout-fout"})
		    .shown().status)

	threads = [threading.Thread(target=attempt, args=(b, p))
	    for b, p in zip(browsers, pages)]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	# One address may hold only a few places in the hashing queue: the
	# rest are told to come back (503), and are not failures.
	hashed = statuses.count(401)
	check("24 concurrent wrong passwords are refused (401) or told to "
	    "come back (503)", hashed >= 4 and
	    statuses.count(503) + hashed == 24, statuses)
	rows = db_rows(srv, "SELECT failures FROM throttle WHERE kind = 'pw'")
	check("every wrong password is counted, for the account, the pair "
	    "and the address", sorted(r[0] for r in rows) == [hashed] * 3, rows)


@scenario
def password_throttle_per_address():
	"""Failures from one address across many accounts are throttled too"""
	srv = temp_server("--max-ip-failures", "3")
	b = Browser(srv, "sprayer")
	statuses = [try_login(b, "spray%d@example.org" % i, "Wachtwoord-%d" % i)
	    .status for i in range(4)]
	check("3 failures from one address pass, the 4th is delayed",
	    statuses == [401, 401, 401, 429], statuses)


@scenario
def otp_throttle():
	"""Wrong codes are throttled per account"""
	srv = temp_server("--max-ip-failures", "1000")
	temp = srv.user_add("code@example.org")
	acct = journey(srv, "code@example.org", temp)
	b = login(srv, acct.email, acct.password, "/otp", "guesser")
	r = b.get("/otp")
	good = list(acct.device.window_codes())
	statuses = []
	for i in range(6):
		wrong = other_code(*good)
		good.append(wrong)
		r = b.submit(r, "/otp", {"code": wrong}).shown()
		statuses.append(r.status)
	check("5 wrong codes get 401, the 6th 429", statuses == [401] * 5 + [429],
	    statuses)


@scenario
def https_cookies_and_hsts():
	"""An https:// public URL makes cookies Secure and adds HSTS"""
	srv = Server("--public-url", "https://kluis.example.org")
	srv.start()
	b = Browser(srv, "tls")
	r = b.get("/login")
	sc = [c for c in r.header_all("Set-Cookie") if c.startswith(SESSION_COOKIE)]
	check("session cookie is Secure behind https", sc and "secure" in
	    sc[0].lower(), sc)
	hsts = r.header("Strict-Transport-Security") or ""
	check("HSTS header behind https", "max-age=" in hsts, r.headers)
	srv.cleanup()


@scenario
def https_served_directly():
	"""--tls-cert/--tls-key serve HTTPS with Secure cookies and HSTS"""
	import ssl
	import tempfile
	d = tempfile.mkdtemp(prefix="kluis-tls-")
	cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
	p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
	    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj",
	    "/CN=127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
	require("openssl made a test certificate", p.returncode == 0, p.stderr)
	port = free_port()
	data = tempfile.mkdtemp(prefix="kluis-tls-data-")
	proc = subprocess.Popen([KLUIS_BIN, "serve", "--listen",
	    "127.0.0.1:%d" % port, "--data", data, "--tls-cert", cert,
	    "--tls-key", key], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
	    env=dict(os.environ, KLUIS_SHARE=KLUIS_SHARE))
	ctx = ssl.create_default_context(cafile=cert)
	ctx.check_hostname = False
	resp = None
	try:
		deadline = time.time() + 20
		while time.time() < deadline and resp is None:
			try:
				c = http.client.HTTPSConnection("127.0.0.1", port,
				    timeout=5, context=ctx)
				c.request("GET", "/login")
				resp = c.getresponse()
				body = resp.read()
				c.close()
			except OSError:
				time.sleep(0.2)
		require("GET /login answers over TLS", resp is not None and
		    resp.status == 200, resp and resp.status)
		cookie = resp.getheader("Set-Cookie") or ""
		check("the session cookie is Secure over TLS", "Secure" in cookie,
		    cookie)
		check("HSTS over TLS", "max-age=" in (resp.getheader(
		    "Strict-Transport-Security") or ""), resp.getheaders())
		check("the page is the login page", b'data-page="login"' in body)
	finally:
		proc.terminate()
		try:
			proc.wait(timeout=20)
		except subprocess.TimeoutExpired:
			proc.kill()
			proc.wait()
		err = proc.stderr.read().decode("utf-8", "replace")
		check("the TLS server stops cleanly", proc.returncode == 0, err[-2000:])
		report = sanitizer_report(err)
		if report:
			check("the TLS server ran without sanitizer reports", False,
			    report)


@scenario
def newer_database_refused():
	"""A database from a newer kluis is refused with a clear message"""
	srv = Server()
	srv.start()
	srv.stop()
	con = sqlite3.connect(os.path.join(srv.data, "kluis.db"))
	con.execute("PRAGMA user_version = 999")
	con.commit()
	con.close()
	p = subprocess.run([KLUIS_BIN, "serve", "--listen", "127.0.0.1:%d" %
	    free_port(), "--data", srv.data], stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE, timeout=30, env=dict(os.environ,
	    KLUIS_SHARE=KLUIS_SHARE))
	err = p.stderr.decode()
	check("kluis serve exits non-zero on a newer database", p.returncode != 0,
	    p.returncode)
	check("the message names the versions", "999" in err and "newer" in err,
	    err)
	srv.cleanup()


def start_smtp(port, maildir):
	"""aiosmtpd (Debian's python3-aiosmtpd) delivering into a Maildir."""
	p = subprocess.Popen(["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l",
	    "127.0.0.1:%d" % port, "-c", "aiosmtpd.handlers.Mailbox", maildir],
	    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
	import socket
	deadline = time.time() + 15
	while time.time() < deadline:
		try:
			socket.create_connection(("127.0.0.1", port), 1).close()
			return p
		except OSError:
			time.sleep(0.1)
	p.kill()
	raise Abort("aiosmtpd did not start")


def maildir_messages(maildir):
	import email
	import email.policy
	out = []
	new = os.path.join(maildir, "new")
	for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
		with open(os.path.join(new, name), "rb") as f:
			out.append(email.message_from_binary_file(f,
			    policy=email.policy.default))
	return out


@scenario
def smtp_delivery_survives_failure():
	"""Mail to a dead SMTP server stays queued; it arrives once one answers"""
	import tempfile
	port = free_port()
	maildir = os.path.join(tempfile.mkdtemp(prefix="kluis-smtp-"), "Maildir")
	srv = temp_server("--smtp-url", "smtp://127.0.0.1:%d" % port)
	p = srv.cli("user", "add", "smtp@example.org", "--data", srv.data)
	check("user add exits 0 while SMTP is down", p.returncode == 0, p.stderr)
	time.sleep(2)
	p = srv.cli("mail", "list", "--data", srv.data)
	out = p.stdout.decode()
	check("kluis mail list shows the undelivered message with its error",
	    "smtp@example.org" in out and "attempts=" in out, out)
	check("nothing was written to the outbox in SMTP mode",
	    not os.listdir(srv.outbox), os.listdir(srv.outbox))
	smtp = start_smtp(port, maildir)
	try:
		p = srv.cli("mail", "retry", "--data", srv.data)
		check("kluis mail retry exits 0", p.returncode == 0, p.stderr)
		msgs = []
		deadline = time.time() + 15
		while time.time() < deadline and not msgs:
			msgs = maildir_messages(maildir)
			time.sleep(0.2)
		check("the message arrived at the SMTP server", len(msgs) == 1,
		    msgs)
		if msgs:
			m = msgs[0]
			check("SMTP message has every required header",
			    all(m[h] for h in ("To", "From", "Subject", "Date",
			    "Message-ID")), dict(m.items()))
			check("SMTP message is the temporary password mail",
			    m["Subject"] == TEMP_PASSWORD_SUBJECT and mail_secret(m),
			    m["Subject"])
		p = srv.cli("mail", "list", "--data", srv.data)
		check("the queue is empty afterwards", p.stdout.decode().strip() == "",
		    p.stdout)
		# Every command's mail goes the server's way, SMTP here.
		p = srv.cli("user", "resend", "smtp@example.org", "--data", srv.data)
		check("kluis user resend exits 0", p.returncode == 0, p.stderr)
		deadline = time.time() + 15
		while time.time() < deadline and len(msgs) < 2:
			msgs = maildir_messages(maildir)
			time.sleep(0.2)
		check("the resent password also arrives by SMTP", len(msgs) == 2,
		    len(msgs))
		check("and nothing was written to the outbox",
		    not os.listdir(srv.outbox), os.listdir(srv.outbox))
	finally:
		smtp.kill()
		smtp.wait()


@scenario
def smtp_requires_tls_off_this_machine():
	"""Mail to an SMTP server not named as loopback needs STARTTLS"""
	import tempfile
	port = free_port()
	maildir = os.path.join(tempfile.mkdtemp(prefix="kluis-smtp-"), "Maildir")
	smtp = start_smtp(port, maildir)
	try:
		# 0.0.0.0 reaches this machine but is not a loopback name: kluis
		# must treat it as a remote server that offers no STARTTLS.
		srv = temp_server("--smtp-url", "smtp://0.0.0.0:%d" % port)
		p = srv.cli("user", "add", "tls@example.org", "--data", srv.data)
		check("user add exits 0", p.returncode == 0, p.stderr)
		time.sleep(2.5)
		check("no message was sent in clear", not maildir_messages(maildir),
		    maildir_messages(maildir))
		out = srv.cli("mail", "list", "--data", srv.data).stdout.decode()
		check("the message stays queued with a TLS error",
		    "tls@example.org" in out and ("TLS" in out or "SSL" in out),
		    out)
	finally:
		smtp.kill()
		smtp.wait()


def outside_address():
	"""An address of this machine that is not loopback, or None."""
	import socket
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	try:
		s.connect(("192.0.2.1", 9))	# no packet is sent
		a = s.getsockname()[0]
	except OSError:
		return None
	finally:
		s.close()
	return None if a.startswith("127.") else a


@scenario
def smtp_host_named_like_loopback_still_needs_tls():
	"""An SMTP host whose name begins with 127. but is not this machine needs STARTTLS"""
	import tempfile
	me = outside_address()
	if os.geteuid() != 0 or me is None or subprocess.run(["unshare", "-m",
	    "true"], stderr=subprocess.DEVNULL).returncode != 0:
		note("skipped: needs root, unshare -m and a non-loopback address "
		    "to give 127.mail.example a name of its own")
		return
	port = free_port()
	d = tempfile.mkdtemp(prefix="kluis-smtp-name-")
	hosts = os.path.join(d, "hosts")
	with open("/etc/hosts") as f, open(hosts, "w") as g:
		g.write(f.read() + "\n%s 127.mail.example\n" % me)
	wrap = ["unshare", "-m", "sh", "-c",
	    'mount --bind "$0" /etc/hosts && exec "$@"', hosts]
	maildir = os.path.join(d, "Maildir")
	smtp = subprocess.Popen(["/usr/bin/python3", "-m", "aiosmtpd", "-n",
	    "-l", "0.0.0.0:%d" % port, "-c", "aiosmtpd.handlers.Mailbox",
	    maildir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	try:
		time.sleep(1.5)
		url = "smtp://127.mail.example:%d" % port
		srv = Server("--smtp-url", url, wrap=wrap).start()
		p = srv.cli("user", "add", "naam@example.org", "--data", srv.data)
		check("user add exits 0", p.returncode == 0, p.stderr)
		time.sleep(3)
		check("no message went in clear to 127.mail.example (%s)" % me,
		    not maildir_messages(maildir), maildir_messages(maildir))
		out = srv.cli("mail", "list", "--data", srv.data).stdout.decode()
		check("it stays queued with a TLS error", "naam@example.org" in
		    out and ("TLS" in out or "SSL" in out), out)
		srv.cleanup()
		# The explicit option sends it, and says so at start.
		srv = Server("--smtp-url", url, "--smtp-without-tls",
		    wrap=wrap).start()
		p = srv.cli("user", "add", "plain@example.org", "--data", srv.data)
		deadline = time.time() + 15
		while time.time() < deadline and not maildir_messages(maildir):
			time.sleep(0.3)
		check("with --smtp-without-tls the same server gets the mail",
		    maildir_messages(maildir), srv.stderr_text()[-1500:])
		check("and the server warned at start", "smtp-without-tls" in
		    srv.stderr_text(), srv.stderr_text()[-1500:])
		srv.cleanup()
	finally:
		smtp.kill()
		smtp.wait()


@scenario
def new_temporary_password_needs_the_code_first():
	"""A resent temporary password leads to /otp before /password"""
	srv = temp_server()
	addr = "opnieuw@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	p = srv.cli("user", "resend", addr, "--data", srv.data)
	check("kluis user resend exits 0", p.returncode == 0, p.stderr)
	msgs = []
	deadline = time.time() + 10	# the running server delivers it
	while len(msgs) < 2 and time.time() < deadline:
		msgs = [m for _, m in read_mails(srv) if addr in m["To"] and
		    m["Subject"] == TEMP_PASSWORD_SUBJECT]
		time.sleep(0.1)
	require("a second temporary-password mail", len(msgs) == 2, len(msgs))
	temp = mail_secret(msgs[-1])
	b = login(srv, addr, temp, "/otp", "resent")
	r = b.get("/password")
	check_redirect("/password before the code -> /otp", r, "/otp")
	csrf = b.get("/otp").csrf
	r = b.post("/password", {"password": "een-nieuw-en-lang-wachtwoord",
	    "password_confirm": "een-nieuw-en-lang-wachtwoord"}, csrf=csrf)
	check_redirect("POST /password before the code -> /otp", r, "/otp")
	rows = db_rows(srv, "SELECT password_temp FROM users WHERE email = ?",
	    (addr,))
	check("the password is still the temporary one", len(rows) == 1 and
	    rows[0][0] in (1, 2), rows)
	r = b.get("/otp")
	code, step = acct.device.next_code()
	r = b.submit(r, "/otp", {"code": code})
	check_redirect("the code leads to the forced password change", r,
	    "/password")
	acct.device.accepted(step)
	r = b.get("/password")
	new = new_password("r")
	r = b.submit(r, "/password", {"password": new, "password_confirm": new})
	check_redirect("after the new password the user is in (no second code)",
	    r, "/")
	check_page("GET / is the home page", b.get("/"), "home")


@scenario
def anonymous_visits_store_nothing():
	"""Visitors who only look at /login leave no rows behind"""
	srv = temp_server()
	before = db_rows(srv, "SELECT count(*) FROM sessions")[0][0]
	for i in range(40):
		r = Browser(srv, "crawler%d" % i).get("/login")
		if r.status != 200:
			break
	check("40 cookieless visits of /login answer 200", r.status == 200,
	    r.summary())
	after = db_rows(srv, "SELECT count(*) FROM sessions")[0][0]
	check("and store no session", after == before, (before, after))
	b = Browser(srv, "anon")
	r = b.get("/login")
	r = b.submit(r, "/login", {"email": "x@example.org", "password": "y"},
	    csrf="0" * 64)
	check("an anonymous session's POST still needs its CSRF token",
	    r.status == 403, r.summary())


@scenario
def cross_site_language_link_changes_no_account():
	"""A link from another site switches the page, not the account"""
	srv = temp_server()
	acct = journey(srv, "taal@example.org", srv.user_add("taal@example.org"))
	b = acct.browser
	r = b.request("GET", "/lang?to=en&back=/", None,
	    {"Sec-Fetch-Site": "cross-site"})
	check("the cross-site switch answers 303", r.status == 303, r.summary())
	rows = db_rows(srv, "SELECT lang FROM users WHERE email = ?",
	    ("taal@example.org",))
	check("and leaves the account's language alone", rows == [("",)], rows)
	b.request("GET", "/lang?to=en&back=/", None,
	    {"Sec-Fetch-Site": "same-origin"})
	rows = db_rows(srv, "SELECT lang FROM users WHERE email = ?",
	    ("taal@example.org",))
	check("a click on the site itself is remembered", rows == [("en",)], rows)


@scenario
def forgot_spray_writes_nothing():
	"""Past its allowance an address's /forgot requests store nothing"""
	srv = temp_server("--max-ip-failures", "3")
	b = Browser(srv, "sprayer")
	bodies = set()
	for i in range(6):
		r = b.get("/forgot")
		r = b.submit(r, "/forgot", {"email": "nobody%d@example.org" % i})
		bodies.add((r.status, r.location, r.follow().name))
	check("every request gets the same answer", bodies == {(303,
	    "/forgot/sent", "forgot_sent")}, bodies)
	time.sleep(2)
	rows = db_rows(srv, "SELECT count(*) FROM audit WHERE event = "
	    "'reset.unknown'")
	check("only the first 3 were queued and handled", rows == [(3,)], rows)
	rows = db_rows(srv, "SELECT count(*) FROM throttle WHERE kind = 'forgot'")
	# Per email, per (email, address), the address, and everyone's count.
	check("and only their counters exist (3 emails, 3 pairs, the address "
	    "and all)", rows == [(8,)], rows)


@scenario
def client_address_from_the_proxy_only_when_trusted():
	"""X-Forwarded-For counts only with --trust-proxy, and only its last hop"""
	for trust in (False, True):
		extra = ["--trust-proxy"] if trust else []
		srv = temp_server(*extra)
		b = Browser(srv, "xff")
		r = b.get("/login")
		b.request("POST", "/login", urllib.parse.urlencode({"email":
		    "proxy@example.org", "password": "fout-fout-fout",
		    "csrf": r.csrf}).encode(), {"Content-Type":
		    "application/x-www-form-urlencoded",
		    "X-Forwarded-For": "203.0.113.9, 198.51.100.7"})
		rows = db_rows(srv, "SELECT addr FROM audit WHERE event = "
		    "'login.fail'")
		want = "198.51.100.7" if trust else "127.0.0.1"
		check("with%s --trust-proxy the address is %s" % ("" if trust else
		    "out", want), rows == [(want,)], rows)
		srv.cleanup()


@scenario
def failures_and_refusals_are_audited():
	"""Wrong codes, delays and refused downloads leave audit rows"""
	srv = temp_server("--max-ip-failures", "1000")
	acct = journey(srv, "spoor2@example.org", srv.user_add("spoor2@example.org"))
	b = login(srv, acct.email, acct.password, "/otp", "wrong")
	r = b.get("/otp")
	good = list(acct.device.window_codes())
	for i in range(6):
		wrong = other_code(*good)
		good.append(wrong)
		r = b.submit(r, "/otp", {"code": wrong})
	events = [e for (e,) in db_rows(srv, "SELECT event FROM audit")]
	check("wrong codes are audited (otp.fail)", events.count("otp.fail") >= 5,
	    events)
	check("the delay is audited (otp.throttled)", "otp.throttled" in events,
	    events)
	r = acct.browser.get("/files/999")
	check("an unknown file is 404", r.status == 404, r.summary())
	rows = db_rows(srv, "SELECT detail FROM audit WHERE event = "
	    "'download.refused'")
	check("and the refused download is audited", rows and "999" in
	    rows[-1][0], rows)


@scenario
def unknown_cookie_changes_nothing():
	"""A made-up cookie reaches no stage and stores nothing"""
	srv = temp_server()
	fake = "ab" * 32
	b = Browser(srv, "fake").with_cookie(fake)
	before = db_rows(srv, "SELECT count(*) FROM sessions")
	for path in ("/", "/enrol", "/password", "/otp", "/account", "/admin"):
		r = b.get(path)
		check("GET %s with a made-up cookie -> /login" % path,
		    is_redirect(r, "/login"), r.summary())
	r = b.get("/login")
	for path in ("/enrol", "/password", "/otp"):
		r2 = b.post(path, {"code": "123456", "password": "x",
		    "password_confirm": "x", "device_name": "x"}, csrf=r.csrf)
		check("POST %s with a made-up cookie -> /login" % path,
		    is_redirect(r2, "/login"), r2.summary())
	check("no session was stored", db_rows(srv, "SELECT count(*) FROM "
	    "sessions") == before)


@scenario
def language_switch_is_no_open_redirect():
	"""/lang goes back only to a plain local path"""
	srv = temp_server()
	b = Browser(srv, "redirect")
	b.get("/login")
	for back in ("//evil.example/x", "/%09/evil.example/x", "/\\evil.example",
	    "https://evil.example/", "/%0d%0aSet-Cookie:x=1", "/a//b", "javascript:x"):
		r = b.get("/lang?to=en&back=" + urllib.parse.quote(back, safe="/%"))
		check("back=%r leads to / only" % back, r.status == 303 and
		    r.header("Location") == "/", r.summary())
	r = b.get("/lang?to=en&back=/subjects/DakMon")
	check("a plain local path is followed back", r.status == 303 and
	    r.header("Location") == "/subjects/DakMon", r.summary())


@scenario
def audit_of_login_steps():
	"""Every login step and failure is in the audit log with the address"""
	srv = temp_server()
	temp = srv.user_add("spoor@example.org")
	b = Browser(srv, "fail")
	try_login(b, "spoor@example.org", "helemaal-niet-goed")
	journey(srv, "spoor@example.org", temp)
	rows = db_rows(srv, "SELECT a.event, a.addr FROM audit a JOIN users u "
	    "ON u.id = a.user_id WHERE u.email = 'spoor@example.org' ORDER BY a.id")
	events = [e for e, _ in rows]
	for ev in ("user.create", "login.fail", "login.password", "device.add",
	    "password.change", "login.ok"):
		check("audit has %s" % ev, ev in events, events)
	check("audit rows of requests carry the client address",
	    all(a == "127.0.0.1" for e, a in rows if e != "user.create"), rows)


@scenario
def cli_mail_links_to_the_server():
	"""Mail queued by the CLI links to the address the server serves"""
	srv = temp_server("--public-url", "https://portaal.example.org")
	srv.user_add("link@example.org")
	msg = wait_mail(srv, "link@example.org", TEMP_PASSWORD_SUBJECT)
	body = mail_body(msg)
	check("the temporary-password mail names https://portaal.example.org/login",
	    "https://portaal.example.org/login" in body, body)


if __name__ == "__main__":
	main()
