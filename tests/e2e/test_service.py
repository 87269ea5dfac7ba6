#!/usr/bin/env python3
"""Running kluis as a service: the configuration file and the environment
under the command line (serve and a command), errors with file and line,
the SMTP password from a file reaching a real SMTP server's AUTH and
never a command line, kluis mail test, sd_notify on a fake notify socket,
journald priorities, /metrics on its own port, /readyz turning 503 and
back, and an access log that holds no secret after a whole journey."""

import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403
import kluis_test  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KLUIS_BIN = kluis_test.KLUIS_BIN = os.path.abspath(KLUIS_BIN)
work = tempfile.mkdtemp(prefix="kluis-service-")
atexit.register(lambda: os.environ.get("KLUIS_E2E_KEEP") or
    shutil.rmtree(work, ignore_errors=True))


def path(*parts):
	return os.path.join(work, *parts)


def write(p, text, mode=0o600):
	with open(p, "w") as f:
		f.write(text)
	os.chmod(p, mode)
	return p


def base_env(**extra):
	"""The environment without any KLUIS_ setting but the share."""
	env = {k: v for k, v in os.environ.items() if not k.startswith("KLUIS_")
	    and k not in ("NOTIFY_SOCKET", "JOURNAL_STREAM")}
	env["KLUIS_SHARE"] = KLUIS_SHARE
	env.update(extra)
	return env


def get(port, url, timeout=10):
	"""GET url on 127.0.0.1:port: (status, body text); (None, error)."""
	import http.client
	try:
		c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
		c.request("GET", url)
		r = c.getresponse()
		body = r.read().decode("utf-8", "replace")
		c.close()
		return r.status, body
	except OSError as e:
		return None, str(e)


class Proc:
	"""A kluis process whose stdout and stderr are collected."""

	def __init__(self, args, env, stderr=None, cwd=None):
		self.out, self.err = [], []
		note("start: %s" % " ".join(args))
		self.p = subprocess.Popen(args, env=env, cwd=cwd or work,
		    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
		    stderr=stderr if stderr is not None else subprocess.PIPE)
		threading.Thread(target=self._pump, args=(self.p.stdout, self.out),
		    daemon=True).start()
		if stderr is None:
			threading.Thread(target=self._pump, args=(self.p.stderr,
			    self.err), daemon=True).start()

	@staticmethod
	def _pump(stream, sink):
		for raw in iter(stream.readline, b""):
			sink.append(raw.decode("utf-8", "replace").rstrip("\n"))

	def wait_port(self, port, timeout=20):
		deadline = time.time() + timeout
		while time.time() < deadline:
			if self.p.poll() is not None:
				return False
			if get(port, "/healthz", 2)[0] == 200:
				return True
			time.sleep(0.1)
		return False

	def text(self):
		return "\n".join(self.out) + "\n" + "\n".join(self.err)

	def stop(self, sig=signal.SIGTERM):
		if self.p.poll() is None:
			self.p.send_signal(sig)
			try:
				self.p.wait(timeout=20)
			except subprocess.TimeoutExpired:
				self.p.kill()
				self.p.wait()
		time.sleep(0.1)
		report = sanitizer_report(self.text())
		if report:
			check("kluis ran without sanitizer reports", False, report)
		return self.p.returncode


def kluis(*args, env=None, timeout=60):
	p = subprocess.run([KLUIS_BIN] + [str(a) for a in args], env=env or
	    base_env(), cwd=work, stdin=subprocess.DEVNULL,
	    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
	out, err = p.stdout.decode(errors="replace"), p.stderr.decode(
	    errors="replace")
	report = sanitizer_report(err)
	if report:
		check("kluis %s ran without sanitizer reports" % args[0], False,
		    report)
	return p.returncode, out, err


# --------------------------------------------------------------- config

@scenario
def config_precedence_serve():
	"""kluis serve: the file, then the environment, then the command line"""
	data = path("prec-data")
	a, b, c = free_port(), free_port(), free_port()
	conf = write(path("prec.conf"), "# kluis.conf for the test\n"
	    "listen = 127.0.0.1:%d\n"
	    "   data = %s\n"
	    "admin-email = file@example.org\n"
	    "issuer = Uit het bestand ; a comment\n"
	    "trust-proxy = yes\n" % (a, data))
	p = Proc([KLUIS_BIN, "serve", "--config", conf], base_env())
	up = p.wait_port(a)
	check("the file alone: it listens on the file's port", up, p.text())
	check("the file's admin-email made the first admin",
	    "file@example.org" in p.text(), p.text())
	check("serve exits 0", p.stop() == 0, p.text())
	check("the file's data directory holds the database",
	    os.path.isfile(os.path.join(data, "kluis.db")))

	p = Proc([KLUIS_BIN, "serve", "--config", conf],
	    base_env(KLUIS_LISTEN="127.0.0.1:%d" % b))
	check("KLUIS_LISTEN wins over the file", p.wait_port(b), p.text())
	check("... and the file's port stays closed", get(a, "/healthz", 2)[0]
	    is None)
	p.stop()

	p = Proc([KLUIS_BIN, "serve", "--config", conf, "--listen",
	    "127.0.0.1:%d" % c], base_env(KLUIS_LISTEN="127.0.0.1:%d" % b))
	check("--listen wins over KLUIS_LISTEN and the file", p.wait_port(c),
	    p.text())
	check("... and neither other port is open", get(a, "/healthz", 2)[0] is
	    None and get(b, "/healthz", 2)[0] is None)
	p.stop()

	# KLUIS_CONFIG names the file when --config does not.
	p = Proc([KLUIS_BIN, "serve"], base_env(KLUIS_CONFIG=conf))
	check("KLUIS_CONFIG names the file", p.wait_port(a), p.text())
	p.stop()


@scenario
def config_precedence_command():
	"""kluis user list finds the data directory in the file, env and line"""
	data = path("cmd-data")
	other = path("cmd-other")
	port = free_port()
	conf = write(path("cmd.conf"), "data = %s\nlisten = 127.0.0.1:%d\n"
	    "admin-email = boss@example.org\n" % (data, port))
	p = Proc([KLUIS_BIN, "serve", "--config", conf], base_env())
	require("serve from the file starts", p.wait_port(port), p.text())
	p.stop()
	status, out, err = kluis("user", "list", "--config", conf)
	check("kluis user list --config FILE lists the service's admin",
	    status == 0 and "boss@example.org" in out, out + err)
	status, out, err = kluis("user", "list", env=base_env(KLUIS_CONFIG=conf))
	check("... and with KLUIS_CONFIG", status == 0 and "boss@example.org" in
	    out, out + err)
	status, out, err = kluis("user", "list", "--config", conf,
	    env=base_env(KLUIS_DATA=other))
	check("KLUIS_DATA wins over the file (another, empty data directory)",
	    status == 0 and "boss@example.org" not in out and
	    os.path.isdir(other), out + err)
	status, out, err = kluis("user", "list", "--config", conf, "--data",
	    data, env=base_env(KLUIS_DATA=other))
	check("--data wins over KLUIS_DATA", status == 0 and "boss@example.org"
	    in out, out + err)


@scenario
def config_errors():
	"""A bad file or variable stops every command with file and line"""
	cases = [
	    ("unknown", "# ok\nlisten = 127.0.0.1:1\nlistn = 127.0.0.1:2\n", 3,
		'unknown setting "listn"'),
	    ("number", "threads = many\n", 1, "threads must be a number"),
	    ("range", "\n\nthreads = 0\n", 3, "threads must be a number from 1"),
	    ("flag", "trust-proxy = maybe\n", 1, "trust-proxy must be on or off"),
	    ("level", "log-level = loud\n", 1, "log-level must be error"),
	    ("empty", "public-url =\n", 1, "public-url needs a value"),
	    ("syntax", "listen 127.0.0.1:1\n", 1, 'not "name = value"'),
	    ("section", "[kluis]\ndata = x\n", 2, "sections"),
	    ("long", "data = /%s\n" % ("x" * 300), 1, "line too long"),
	    ("not-command", "config = /etc/other.conf\n", 1,
		'unknown setting "config"'),
	]
	for name, text, line, msg in cases:
		conf = write(path("bad-%s.conf" % name), text)
		for cmd in (["serve"], ["user", "list"]):
			status, out, err = kluis(*(cmd + ["--config", conf]))
			check("%s: kluis %s stops with %s:%d: %s" % (name, cmd[0],
			    os.path.basename(conf), line, msg), status == 2 and
			    ("%s:%d: " % (conf, line)) in err and msg in err,
			    "exit %d\n%s" % (status, err))
	for cmd in (["serve"], ["user", "list"]):
		status, out, err = kluis(*(cmd + ["--config", path("missing.conf")]))
		check("a missing --config file stops kluis %s" % cmd[0],
		    status == 2 and "missing.conf" in err and
		    "No such file" in err, err)
	status, out, err = kluis("serve", "--config", path("bad-flag.conf"),
	    env=base_env(KLUIS_TRUST_PROXY="on"))
	check("a bad value in the file stops kluis even when the environment "
	    "sets it", status == 2 and "bad-flag.conf:1:" in err, err)
	status, out, err = kluis("user", "list", "--data", path("env-bad"),
	    env=base_env(KLUIS_THREADS="0"))
	check("a bad variable names it", status == 2 and
	    "KLUIS_THREADS" in err and "must be a number" in err, err)


# --------------------------------------------------------------- SMTP

def start_smtp_auth(port, user, password_file, out):
	"""smtp_auth_server.py: aiosmtpd that wants AUTH, recording into OUT."""
	p = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE,
	    "smtp_auth_server.py"), str(port), user, password_file, out],
	    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
	atexit.register(lambda: p.poll() is None and p.kill())
	deadline = time.time() + 15
	while time.time() < deadline:
		try:
			socket.create_connection(("127.0.0.1", port), 1).close()
			return p
		except OSError:
			time.sleep(0.1)
	p.kill()
	raise Abort("the SMTP server did not start")


def smtp_messages(out):
	msgs = []
	for name in sorted(os.listdir(out)) if os.path.isdir(out) else []:
		if name.endswith(".json"):
			with open(os.path.join(out, name)) as f:
				msgs.append(json.load(f))
	return msgs


def auth_log(out):
	try:
		with open(os.path.join(out, "auth.log")) as f:
			return f.read()
	except OSError:
		return ""


def wait_for(fn, timeout=15):
	deadline = time.time() + timeout
	while time.time() < deadline:
		v = fn()
		if v:
			return v
		time.sleep(0.2)
	return fn()


@scenario
def smtp_password_from_file():
	"""The SMTP password from a file reaches AUTH and no command line"""
	password = "Gehe1m wachtw00rd-%d" % os.getpid()
	port = free_port()
	out = path("smtp-out")
	pwfile = write(path("smtp-password"), password + "\n")
	smtp = start_smtp_auth(port, "kluis-mailer", pwfile, out)
	try:
		conf = write(path("smtp.conf"), "smtp-url = smtp://127.0.0.1:%d\n"
		    "smtp-user = kluis-mailer\nsmtp-password-file = %s\n"
		    "mail-from = Het Portaal <portaal@example.org>\n" % (port,
		    pwfile))
		srv = temp_server("--config", conf)
		args = open("/proc/%d/cmdline" % srv.proc.pid, "rb").read()
		check("the password is not on the server's command line",
		    password.encode() not in args, args)
		ps = subprocess.run(["ps", "-eo", "args"], stdout=subprocess.PIPE
		    ).stdout.decode(errors="replace")
		check("ps -eo args shows no password", password not in ps)
		p = srv.cli("user", "add", "smtp-auth@example.org", "--data",
		    srv.data)
		check("user add exits 0", p.returncode == 0, p.stderr)
		msgs = wait_for(lambda: smtp_messages(out))
		check("the mail arrived through AUTH", len(msgs) == 1 and
		    msgs[0]["user"] == "kluis-mailer" and
		    msgs[0]["to"] == ["smtp-auth@example.org"], msgs)
		check("the server saw one good AUTH for the user (the file's "
		    "line end dropped)", auth_log(out).splitlines()[:1] and
		    auth_log(out).splitlines()[0].startswith("ok ") and
		    auth_log(out).split()[-1] == "kluis-mailer", auth_log(out))
		check("the envelope sender is the address of mail-from",
		    msgs and msgs[0]["from"] == "portaal@example.org", msgs)
		srv.stop()
		check("the server's log holds no password",
		    password not in srv.stderr_text(), srv.stderr_text())

		# kluis mail test: now, with the server's answers printed.
		status, text, err = kluis("mail", "test", "probe@example.org",
		    "--config", conf, "--data", srv.data)
		check("kluis mail test exits 0", status == 0, text + err)
		check("it prints the server's answers, AUTH's 235 among them",
		    "< 220 " in text and "< 235 " in text and
		    "< 250 2.0.0 Message accepted" in text, text)
		check("it hides the credentials", "(credentials hidden)" in text and
		    password not in text + err and "R2VoZ" not in text, text)
		msgs = smtp_messages(out)
		check("the test message arrived with the organisation's From",
		    len(msgs) == 2 and msgs[1]["to"] == ["probe@example.org"] and
		    "From: Het Portaal <portaal@example.org>" in msgs[1]["data"]
		    and "kluis mail test" in msgs[1]["data"], msgs[-1:])

		# A wrong password: refused, and said so.
		bad = write(path("smtp-bad"), "not-it\n")
		status, text, err = kluis("mail", "test", "probe@example.org",
		    "--config", conf, "--smtp-password-file", bad,
		    "--data", srv.data)
		check("a wrong password: kluis mail test exits 1 and prints the "
		    "server's refusal", status == 1 and "< 535" in text and
		    "not sent" in text, text + err)
		# An empty file (the unit's empty credential) is no password.
		empty = write(path("smtp-empty"), "\n")
		before = auth_log(out)
		status, text, err = kluis("mail", "test", "probe@example.org",
		    "--config", conf, "--smtp-password-file", empty,
		    "--data", srv.data)
		check("an empty password file: no AUTH is tried (the server wants "
		    "it: 530)", status != 0 and auth_log(out) == before and
		    "530" in text, text + err)
		status, text, err = kluis("mail", "test", "probe@example.org",
		    "--config", conf, "--smtp-password-file", path("nope"))
		check("an unreadable password file stops it", status == 1 and
		    "nope" in err, err)
	finally:
		smtp.kill()
		smtp.wait()


@scenario
def mail_test_outbox():
	"""kluis mail test without smtp-url writes the message into the outbox"""
	data = path("outbox-data")
	status, text, err = kluis("mail", "test", "ops@example.org", "--data",
	    data, "--mail-from", "Beheer <beheer@example.org>")
	check("exit 0", status == 0, text + err)
	files = os.listdir(os.path.join(data, "outbox")) if os.path.isdir(
	    os.path.join(data, "outbox")) else []
	check("one .eml in DATA/outbox, named in the output", len(files) == 1
	    and files[0] in text, (files, text))
	check("no database was made", not os.path.exists(os.path.join(data,
	    "kluis.db")))
	if files:
		with open(os.path.join(data, "outbox", files[0])) as f:
			msg = f.read()
		check("From and To are right", "From: Beheer <beheer@example.org>"
		    in msg and "To: ops@example.org" in msg, msg[:400])


# --------------------------------------------------------------- systemd

@scenario
def sd_notify():
	"""READY=1 once listening, RELOADING/READY on SIGHUP, STOPPING=1"""
	sock_path = path("notify.sock")
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(sock_path)
	s.settimeout(20)
	port = free_port()
	p = Proc([KLUIS_BIN, "serve", "--listen", "127.0.0.1:%d" % port,
	    "--data", path("notify-data")], base_env(NOTIFY_SOCKET=sock_path))
	try:
		try:
			first = s.recv(4096).decode()
		except socket.timeout:
			first = ""
		lines = first.split("\n")
		check("the first notification is READY=1 with a STATUS",
		    "READY=1" in lines and any(l.startswith("STATUS=listening")
		    for l in lines), first)
		check("... sent once it answers and the first admin exists",
		    get(port, "/healthz")[0] == 200 and os.path.isfile(
		    path("notify-data", "first-admin-password")), p.text())
		p.p.send_signal(signal.SIGHUP)
		msgs = []
		try:
			while len(msgs) < 2:
				msgs.append(s.recv(4096).decode())
		except socket.timeout:
			pass
		check("SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1",
		    len(msgs) == 2 and "RELOADING=1" in msgs[0].split("\n") and
		    any(l.startswith("MONOTONIC_USEC=") for l in
		    msgs[0].split("\n")) and "READY=1" in msgs[1].split("\n"),
		    msgs)
		p.p.send_signal(signal.SIGTERM)
		try:
			stop = s.recv(4096).decode()
		except socket.timeout:
			stop = ""
		check("SIGTERM: STOPPING=1", "STOPPING=1" in stop.split("\n"), stop)
		check("exit 0", p.stop() == 0, p.text())
	finally:
		p.stop()
		s.close()
	port = free_port()
	p = Proc([KLUIS_BIN, "serve", "--listen", "127.0.0.1:%d" % port,
	    "--data", path("notify-data")], base_env())
	check("without NOTIFY_SOCKET it runs as before", p.wait_port(port),
	    p.text())
	check("... and stops with 0", p.stop() == 0)


@scenario
def journald_priorities():
	"""With JOURNAL_STREAM naming stderr every line has its <N> priority"""
	r, w = os.pipe()
	st = os.fstat(w)
	port = free_port()
	env = base_env(JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
	p = Proc([KLUIS_BIN, "serve", "--listen", "127.0.0.1:%d" % port,
	    "--data", path("journal-data"), "--tls-cert", path("no-such.pem"),
	    "--tls-key", path("no-such.key")], env, stderr=w)
	os.close(w)
	p.p.wait(timeout=30)
	with os.fdopen(r, "rb") as f:
		err = f.read().decode(errors="replace")
	lines = [l for l in err.splitlines() if l]
	check("a server that cannot start wrote lines", lines, err)
	check("every stderr line starts with <N>", lines and all(
	    re.match(r"^<[3-7]>", l) for l in lines), err)
	check("info lines are <6> (migrations), the failure is <3>",
	    any(l.startswith("<6>") and "migration" in l for l in lines) and
	    any(l.startswith("<3>") and "no-such.pem" in l for l in lines), err)
	check("no timestamp under journald (the journal has its own)",
	    not re.search(r"^<\d>\d{4}-\d\d-\d\dT", err, re.M), err)

	# A stderr that is not the journal's stream (the variable inherited).
	r, w = os.pipe()
	p = Proc([KLUIS_BIN, "serve", "--listen", "127.0.0.1:%d" % port,
	    "--data", path("journal-data")], env, stderr=w)
	os.close(w)
	up = p.wait_port(port)
	p.stop()
	with os.fdopen(r, "rb") as f:
		err = f.read().decode(errors="replace")
	check("elsewhere: a plain line with time and level word", up and
	    re.search(r"^\d{4}-\d\d-\d\dT\S+Z info: kluis \S+ listening", err,
	    re.M) and "<6>" not in err, err)

	# A configuration error of the service, under journald.
	r, w = os.pipe()
	st = os.fstat(w)
	conf = write(path("journal-bad.conf"), "bogus = 1\n")
	p = Proc([KLUIS_BIN, "serve", "--config", conf], base_env(
	    JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino)), stderr=w)
	os.close(w)
	p.p.wait(timeout=30)
	with os.fdopen(r, "rb") as f:
		err = f.read().decode(errors="replace")
	check("a configuration error is <3>FILE:LINE: ...", err.startswith(
	    "<3>%s:1: " % conf), err)

	# --log-level warning leaves the info lines out.
	r, w = os.pipe()
	p = Proc([KLUIS_BIN, "serve", "--listen", "127.0.0.1:%d" % port,
	    "--data", path("journal-data2"), "--log-level", "warning"],
	    base_env(), stderr=w)
	os.close(w)
	up = p.wait_port(port)
	p.stop()
	with os.fdopen(r, "rb") as f:
		err = f.read().decode(errors="replace")
	check("--log-level warning: no info lines", up and " info: " not in err,
	    err)


# --------------------------------------------------------------- journey

SEEN = {"cookies": set(), "csrf": set()}
_request = kluis_test.Browser.request


def _recording_request(self, method, p, body=None, headers=None):
	"""Every session cookie and CSRF token any browser of the test saw."""
	resp = _request(self, method, p, body, headers)
	for sc in resp.header_all("Set-Cookie"):
		name, _, value = sc.split(";")[0].partition("=")
		if name == SESSION_COOKIE and value:
			SEEN["cookies"].add(value)
	if self.session:
		SEEN["cookies"].add(self.session)
	if resp.is_html:
		for m in re.findall(r'name="csrf" value="([^"]+)"', resp.text):
			SEEN["csrf"].add(m)
	return resp


kluis_test.Browser.request = _recording_request
state = {}


def metrics(port):
	status, text = get(port, "/metrics")
	values = {}
	for line in text.splitlines():
		if line and not line.startswith("#"):
			name, _, v = line.rpartition(" ")
			values[name] = float(v)
	return status, text, values


@scenario
def journey_logs_and_metrics():
	"""A whole journey: counted in /metrics, logged without a secret"""
	t0 = time.time()
	mport = free_port()
	alog = path("access.log")
	conf = write(path("journey.conf"), "access-log = %s\n"
	    "metrics-listen = 127.0.0.1:%d\ntrust-proxy = on\n"
	    "admin-email = chef@example.org\n" % (alog, mport))
	srv = temp_server("--config", conf)
	state["srv"], state["mport"] = srv, mport
	status, _ = get(srv.port, "/metrics")
	check("the public port answers 404 for /metrics", status == 404, status)
	status, text, before = metrics(mport)
	require("/metrics on its own port answers 200", status == 200, text)
	check("build info with the version", re.search(
	    r'^kluis_build_info\{version="[^"]+"\} 1$', text, re.M), text)
	check("/readyz on the metrics port is 200",
	    get(mport, "/readyz") == (200, "ready\n"))
	check("/readyz on the public port is 200",
	    get(srv.port, "/readyz") == (200, "ready\n"))

	admin = srv.admin_email
	acct = journey(srv, admin)
	data = os.urandom(200 * 1024 + 7)
	src = write(path("report.bin"), "")
	with open(src, "wb") as f:
		f.write(data)
	cli_ok(srv, "subject", "add", "Ops", "--title", "Bedrijfsvoering")
	vcode = grant(srv, admin, "Ops")
	fid = publish(srv, "Ops", src)
	r = unlock(acct.browser, "Ops", vcode)
	check("the validation code unlocks the subject", r.status == 303,
	    r.summary())
	r = acct.browser.get("/files/%d" % fid)
	check("the download is the file", r.status == 200 and r.body == data,
	    r.summary())
	r = acct.browser.request("GET", "/login?token=querysecret123456789",
	    headers={"X-Forwarded-For": "203.0.113.9"})
	acct.browser.post("/logout", {})

	# Forgot and reset with the mailed token, opened as the path form too.
	forgot(srv, admin)
	token = wait_reset_token(srv, admin)
	require("a reset mail with a token", token)
	b = Browser(srv, "reset")
	b.get("/reset/" + token)
	r = b.get("/reset?token=" + token)
	r = b.submit(r, "/reset", {})
	require_redirect("POST /reset -> /reset/verify", r, "/reset/verify")
	r = b.get("/reset/verify")
	code, step = acct.device.next_code()
	r = b.submit(r, "/reset/verify", {"code": code})
	require_redirect("a device code -> /reset/password", r,
	    "/reset/password")
	acct.device.accepted(step)
	newpw = new_password("r")
	r = b.get("/reset/password")
	r = b.submit(r, "/reset/password", {"password": newpw,
	    "password_confirm": newpw})
	check("the new password is set", r.status == 303, r.summary())
	b2 = later_login(srv, type(acct)(admin, newpw, acct.device, None))
	r = b2.get("/account")
	r = b2.submit(r, "/account/recovery", {}).shown()
	recovery = RECOVERY_CODE.findall(r.text)
	check("recovery codes were shown", len(recovery) == 10)

	status, text, after = metrics(mport)
	check("/metrics counts the logins", after.get(
	    'kluis_logins_total{result="ok"}', 0) - before.get(
	    'kluis_logins_total{result="ok"}', 0) >= 2, text)
	check("... the download and its bytes", after.get(
	    'kluis_downloads_total{result="whole"}') == 1 and
	    after.get("kluis_download_bytes_total") == len(data), text)
	check("... the requests by route pattern and status", after.get(
	    'kluis_http_requests_total{route="/files/{}",method="GET",'
	    'status="200"}') == 1 and after.get(
	    'kluis_http_requests_total{route="/login",method="POST",'
	    'status="303"}', 0) >= 2 and after.get(
	    'kluis_http_requests_total{route="other",method="",'
	    'status="404"}', 0) >= 1, text)
	for name in ("kluis_mail_queue_depth", "kluis_mail_queue_oldest_seconds",
	    "kluis_hash_queue_depth", "kluis_connections_open",
	    "kluis_connections_cut_total", "kluis_ready"):
		check("/metrics has %s" % name, name in after, text)

	srv.stop()
	with open(alog) as f:
		log = f.read()
	lines = log.splitlines()
	check("the access log has a line per request", len(lines) >= 30, log)
	pat = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (\S+) ([A-Z]+) (\S+) "
	    r"(\d{1,3}) (\d+) (\d+) (\d+|-)$")
	bad = [l for l in lines if not pat.match(l)]
	check("every line: time, address, method, path, status, bytes, ms, "
	    "account", not bad, bad[:5])
	uid = db_rows(srv, "SELECT id FROM users WHERE email = ?", (admin,))[0][0]
	dl = [l for l in lines if " GET /files/%d " % fid in l]
	check("the download's line has status 200, its bytes and the account",
	    len(dl) == 1 and dl[0].endswith(" 200 %d %s %d" % (len(data),
	    dl[0].split()[-2], uid)), dl)
	check("the query string is not logged", " GET /login " in log and
	    "querysecret" not in log, [l for l in lines if "/login" in l][-3:])
	check("the address from X-Forwarded-For (trust-proxy = on in the file)",
	    " 203.0.113.9 GET /login " in log, log[-600:])
	check("the token in the path shows as the route's pattern",
	    " GET /reset/{} 200 " in log, [l for l in lines if "/reset" in l])

	# Every secret the test knows, in neither log.
	codes = set()
	for st in range(int(t0) // 30 - 2, int(time.time()) // 30 + 3):
		codes.add(code_for_step(acct.device.secret, st))
	secrets = {"the first admin's temporary password": [srv.admin_password],
	    "the passwords": [acct.password, newpw],
	    "the TOTP secret": [acct.device.secret],
	    "the validation code": [vcode, vcode.replace("-", "")],
	    "the reset token": [token], "the recovery codes": recovery,
	    "session ids": sorted(SEEN["cookies"]),
	    "CSRF tokens": sorted(SEEN["csrf"])}
	check("the test collected sessions and CSRF tokens",
	    len(SEEN["cookies"]) >= 5 and len(SEEN["csrf"]) >= 5, SEEN)
	err = srv.stderr_text()
	for what, values in secrets.items():
		values = [v for v in values if v]
		found = [v for v in values if v in log or v in err]
		check("%s: in neither the access log nor the event log" % what,
		    not found, found)
	found = [c for c in codes if re.search(r"(?<![\d.])%s(?![\d.])" % c,
	    log + err)]
	check("no TOTP code of the journey's time in either log", not found,
	    found)


# --------------------------------------------------------------- readyz

def nobody_copy():
	"""As root, chmod stops nothing: the server runs as nobody, from a copy
	of the binary and the share that nobody can read."""
	if os.geteuid() != 0:
		return [], KLUIS_BIN, KLUIS_SHARE
	root = path("nobody")
	os.makedirs(root)
	os.chmod(work, 0o755)
	os.chmod(root, 0o755)
	binary = os.path.join(root, "kluis")
	shutil.copy(KLUIS_BIN, binary)
	share = os.path.join(root, "share")
	for d in ("templates", "static", "data"):
		shutil.copytree(os.path.join(KLUIS_SHARE, d), os.path.join(share, d))
	for dirpath, dirs, files in os.walk(root):
		for n in dirs:
			os.chmod(os.path.join(dirpath, n), 0o755)
		for n in files:
			os.chmod(os.path.join(dirpath, n), 0o755 if n == "kluis" else
			    0o644)
	return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], \
	    binary, share


@scenario
def readyz_turns():
	"""/readyz: 503 with the reason for an unreadable key, a read-only
	database and old mail; 200 again once fixed"""
	prefix, binary, share = nobody_copy()
	data = path("ready-data")
	os.makedirs(data)
	if prefix:
		os.chown(data, 65534, 65534)
	os.chmod(data, 0o700)
	port, mport = free_port(), free_port()
	env = base_env(KLUIS_SHARE=share)
	p = Proc(prefix + [binary, "serve", "--listen", "127.0.0.1:%d" % port,
	    "--data", data, "--metrics-listen", "127.0.0.1:%d" % mport], env,
	    cwd=path("nobody") if prefix else work)
	try:
		require("the server starts%s" % (" as nobody" if prefix else ""),
		    p.wait_port(port), p.text())

		def both():
			return get(port, "/readyz"), get(mport, "/readyz")

		check("ready at first", both() == ((200, "ready\n"),) * 2, both())
		key = os.path.join(data, "kluis.key")
		os.chmod(key, 0)
		(s1, b1), (s2, b2) = both()
		check("key unreadable: 503 on both ports, saying the key", s1 == 503
		    and s2 == 503 and b1.startswith("key not loaded"), (s1, b1))
		_, _, m = metrics(mport)
		check("kluis_ready 0 meanwhile", m.get("kluis_ready") == 0, m)
		os.chmod(key, 0o600)
		check("key readable again: 200", both() == ((200, "ready\n"),) * 2)

		db = os.path.join(data, "kluis.db")
		os.chmod(db, 0o400)
		(s1, b1), _ = both()
		check("database read-only: 503 saying so", s1 == 503 and
		    b1.startswith("database not writable"), (s1, b1))
		# Requests at once, so serving threads that had no connection
		# open one now, while the file cannot be written (SQLite then
		# opens it read-only for good).
		with concurrent.futures.ThreadPoolExecutor(16) as ex:
			list(ex.map(lambda _: get(port, "/readyz"), range(48)))
		os.chmod(db, 0o600)
		check("database writable again: 200", both()[0] == (200, "ready\n"))
		with concurrent.futures.ThreadPoolExecutor(16) as ex:
			again = list(ex.map(lambda _: get(port, "/readyz"), range(48)))
		check("... on every serving thread (a connection opened while the "
		    "file was read-only is opened again)", all(a == (200, "ready\n")
		    for a in again), [a for a in again if a[0] != 200][:3])

		now = int(time.time())
		db_write(Server(data=data), "INSERT INTO mail_queue (rcpt, message, "
		    "created, next_try) VALUES ('late@example.org', X'00', ?, ?)",
		    (now - 20 * 60, now + 3600))
		(s1, b1), _ = both()
		check("mail queued 20 minutes ago: 503 saying so", s1 == 503 and
		    b1.startswith("mail waiting too long"), (s1, b1))
		_, _, m = metrics(mport)
		check("/metrics shows the queue and the age of its oldest message",
		    m.get("kluis_mail_queue_depth") == 1 and
		    m.get("kluis_mail_queue_oldest_seconds", 0) >= 1200, m)
		db_write(Server(data=data), "UPDATE mail_queue SET sent = ?",
		    (now,))
		check("delivered: 200", both()[0] == (200, "ready\n"))
		check("/healthz stayed 200 throughout (liveness)",
		    get(port, "/healthz")[0] == 200)
	finally:
		check("the server stops with 0", p.stop() == 0, p.text()[-2000:])


main()
