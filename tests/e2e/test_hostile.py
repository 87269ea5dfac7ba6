#!/usr/bin/env python3
"""Hostile input: requests meant to crash, confuse or smuggle past kluis.
After each one the server must still answer and nothing may have changed."""

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}


def main_server():
	if "srv" not in state:
		state["srv"] = temp_server("--max-ip-failures", "100000")
	return state["srv"]


def main_admin():
	"""The first admin of main_server(), logged in once."""
	if "admin" not in state:
		srv = main_server()
		state["admin"] = journey(srv, srv.admin_email)
	return state["admin"]


def alive(srv, label):
	"""The server answers a plain GET after LABEL."""
	r = Browser(srv, "probe").get("/login")
	return check("server still answers after %s" % label,
	    r.status == 200 and srv.proc.poll() is None,
	    "status %s, process %s" % (r.status, srv.proc.poll()))


# Multipart parts that carry no quoted name: libmicrohttpd hands such a
# part to the field callback with a NULL key.
BAD_PARTS = {
	"no name": b'Content-Disposition: form-data\r\n\r\nx\r\n',
	"unquoted name": b'Content-Disposition: form-data; name=email\r\n\r\nx\r\n',
	"no disposition": b'Content-Type: text/plain\r\n\r\nx\r\n',
	"file without name": b'Content-Disposition: form-data; '
	    b'filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nabc\r\n',
}


def bad_multipart(part, csrf=None):
	boundary = b"----hostile"
	body = b""
	if csrf:
		body += (b"--" + boundary + b'\r\nContent-Disposition: form-data; '
		    b'name="csrf"\r\n\r\n' + csrf.encode() + b"\r\n")
	body += b"--" + boundary + b"\r\n" + part + b"--" + boundary + b"--\r\n"
	return "multipart/form-data; boundary=" + boundary.decode(), body


@scenario
def nameless_multipart_parts():
	"""Multipart parts without a quoted name: 400, and the server lives"""
	srv = main_server()
	for path in ("/login", "/forgot", "/reset"):
		for label, part in BAD_PARTS.items():
			b = Browser(srv, "hostile")
			page = b.get("/login")
			ctype, body = bad_multipart(part, page.csrf)
			r = b.request("POST", path, body, {"Content-Type": ctype})
			check("%s, %s: 400" % (path, label), r.status == 400,
			    r.summary())
			alive(srv, "%s on %s" % (label, path))


@scenario
def nameless_parts_on_the_console_upload():
	"""The console upload with nameless parts: 400, nothing stored"""
	srv = main_server()
	admin = main_admin()
	cli_ok(srv, "subject", "add", "HOSTILE", "--title", "Hostile")
	before = db_rows(srv, "SELECT count(*) FROM files")
	for label, part in BAD_PARTS.items():
		ctype, body = bad_multipart(part, admin.browser.csrf)
		r = admin.browser.request("POST", "/admin/subjects/HOSTILE/upload",
		    body, {"Content-Type": ctype})
		check("upload, %s: 400" % label, r.status == 400, r.summary())
		alive(srv, "upload with %s" % label)
	check("no file was published", db_rows(srv,
	    "SELECT count(*) FROM files") == before)


def read_all(sock, timeout=10):
	"""Every byte until the peer closes (or TIMEOUT); (bytes, closed)."""
	sock.settimeout(timeout)
	chunks = []
	closed = False
	end = time.time() + timeout
	try:
		while time.time() < end:
			b = sock.recv(65536)
			if not b:
				closed = True
				break
			chunks.append(b)
	except socket.timeout:
		pass
	except OSError:
		closed = True
	return b"".join(chunks), closed


SMUGGLED = b"GET /smuggled-request HTTP/1.1\r\nHost: x\r\n\r\n"

FRAMINGS = {
	"Content-Length and chunked": (b"Content-Length: %d\r\n"
	    b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n" + SMUGGLED),
	"chunked and Content-Length": (b"Transfer-Encoding: chunked\r\n"
	    b"Content-Length: %d\r\n", b"0\r\n\r\n" + SMUGGLED),
	"two Content-Lengths": (b"Content-Length: %d\r\nContent-Length: 5\r\n",
	    b"a=b&c" + SMUGGLED),
	"an unknown transfer coding": (b"Transfer-Encoding: gzip, chunked\r\n",
	    b"0\r\n\r\n" + SMUGGLED),
}


@scenario
def ambiguous_framing_refused():
	"""Content-Length with Transfer-Encoding: 400, connection closed, nothing smuggled"""
	srv = main_server()
	for label, (headers, body) in FRAMINGS.items():
		if b"%d" in headers:
			headers = headers % len(body)
		req = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		    b"Content-Type: application/x-www-form-urlencoded\r\n" +
		    headers + b"\r\n" + body)
		s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
		try:
			s.sendall(req)
			got, closed = read_all(s)
		finally:
			s.close()
		answers = got.count(b"HTTP/1.1 ")
		check("%s: 400" % label, got.startswith(b"HTTP/1.1 400"),
		    got[:200])
		check("%s: one answer, nothing smuggled" % label, answers == 1,
		    got[:2000])
		check("%s: the connection is closed" % label, closed)
	alive(srv, "ambiguous framing")


@scenario
def second_server_on_a_taken_port():
	"""A second kluis serve on a taken address exits with a clear message"""
	srv = main_server()
	data = tempfile.mkdtemp(prefix="kluis-e2e-second-")
	p = subprocess.run([KLUIS_BIN, "serve", "--listen",
	    "127.0.0.1:%d" % srv.port, "--data", data],
	    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE, timeout=30, cwd=KLUIS_SHARE,
	    env=dict(os.environ, KLUIS_SHARE=KLUIS_SHARE))
	err = p.stderr.decode("utf-8", "replace")
	check("the second server exits non-zero", p.returncode != 0,
	    "exit %d" % p.returncode)
	check("it says the address is in use", "already in use" in err, err)
	alive(srv, "a second server tried the port")


@scenario
def slow_headers_cut_at_the_deadline():
	"""Headers trickling in are cut at --header-timeout; others are served"""
	srv = temp_server("--header-timeout", "2")
	s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
	s.settimeout(0.5)
	closed = False
	start = time.time()
	try:
		s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
		while time.time() - start < 15 and not closed:
			try:
				s.sendall(b"X-Slow: 1\r\n")
			except OSError:
				closed = True
				break
			try:
				if s.recv(4096) == b"":
					closed = True
			except socket.timeout:
				pass
			except OSError:
				closed = True
	finally:
		s.close()
	check("a connection sending a header line every 0.5 s is closed "
	    "(header deadline 2 s)", closed, "open after %.1f s" % (
	    time.time() - start))
	alive(srv, "a slow-header connection")
	srv.cleanup()


@scenario
def sighup_is_survived():
	"""SIGHUP does not end the server"""
	srv = main_server()
	srv.proc.send_signal(signal.SIGHUP)
	time.sleep(0.5)
	check("the process still runs after SIGHUP", srv.proc.poll() is None)
	alive(srv, "SIGHUP")
	check("the reload is logged", "SIGHUP" in srv.stderr_text(),
	    srv.stderr_text()[-500:])


@scenario
def sigterm_lets_a_download_finish():
	"""SIGTERM: a running download completes with the right SHA-256; exit 0"""
	srv = temp_server()
	acct = journey(srv, srv.admin_email)
	cli_ok(srv, "subject", "add", "GROOT", "--title", "Groot bestand")
	vcode = grant(srv, srv.admin_email, "GROOT")
	d = tempfile.mkdtemp(prefix="kluis-e2e-big-")
	path = os.path.join(d, "groot.bin")
	data = os.urandom(1 << 20) * 48
	with open(path, "wb") as f:
		f.write(data)
	fid = publish(srv, "GROOT", path)
	r = unlock(acct.browser, "GROOT", vcode)
	require("unlocked", r.status == 303, r.summary())
	cookie = "; ".join("%s=%s" % kv for kv in acct.browser.cookies.items())
	s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
	s.sendall(("GET /files/%d HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n\r\n"
	    % (fid, cookie)).encode())
	got = s.recv(65536)
	require("the download started", got.startswith(b"HTTP/1.1 200"),
	    got[:200])
	srv.proc.send_signal(signal.SIGTERM)
	time.sleep(1)
	check("the server still runs while the download goes on",
	    srv.proc.poll() is None)
	try:
		c = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
		c.close()
		refused = False
	except OSError:
		refused = True
	check("no new connections after SIGTERM", refused)
	rest, closed = read_all(s, timeout=60)
	s.close()
	got += rest
	head, _, body = got.partition(b"\r\n\r\n")
	check("the whole file arrived (%d of %d bytes)" % (len(body), len(data)),
	    len(body) == len(data))
	check("its SHA-256 is the published one",
	    hashlib.sha256(body).hexdigest() == hashlib.sha256(data).hexdigest())
	try:
		srv.proc.wait(timeout=30)
	except subprocess.TimeoutExpired:
		pass
	check("the server exits 0 after the download", srv.proc.returncode == 0,
	    "exit %s" % srv.proc.returncode)
	srv.cleanup()


def openssl_connect(port, *args):
	p = subprocess.run(["openssl", "s_client", "-connect",
	    "127.0.0.1:%d" % port, "-servername", "localhost"] + list(args),
	    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
	    stderr=subprocess.STDOUT, timeout=30)
	out = p.stdout.decode("utf-8", "replace")
	ok = p.returncode == 0 and "Cipher is (NONE)" not in out and \
	    re.search(r"Cipher is \S+", out) is not None
	return ok, out


def make_cert(d, name, cn):
	cert, key = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
	p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
	    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj",
	    "/CN=" + cn], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
	require("openssl made a certificate", p.returncode == 0, p.stderr)
	return cert, key


@scenario
def tls_versions_and_suites():
	"""TLS: 1.2 and 1.3 with AEAD suites only; SIGHUP loads a new certificate"""
	d = tempfile.mkdtemp(prefix="kluis-e2e-tls-")
	cert, key = make_cert(d, "live", "eerste.example")
	port = free_port()
	data = tempfile.mkdtemp(prefix="kluis-e2e-tls-data-")
	proc = subprocess.Popen([KLUIS_BIN, "serve", "--listen",
	    "127.0.0.1:%d" % port, "--data", data, "--tls-cert", cert,
	    "--tls-key", key], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
	    env=dict(os.environ, KLUIS_SHARE=KLUIS_SHARE))
	try:
		deadline = time.time() + 20
		ok = False
		while time.time() < deadline and not ok:
			ok, out = openssl_connect(port, "-tls1_3")
			if not ok:
				time.sleep(0.3)
		check("TLS 1.3 works", ok, out[-1500:])
		low = "DEFAULT:@SECLEVEL=0"
		for flag in ("-tls1", "-tls1_1"):
			ok, out = openssl_connect(port, flag, "-cipher", low)
			check("%s is refused" % flag, not ok, out[-1500:])
		for suite in ("AES128-SHA", "AES256-GCM-SHA384",
		    "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384"):
			ok, out = openssl_connect(port, "-tls1_2", "-cipher",
			    suite + ":@SECLEVEL=0")
			check("TLS 1.2 %s (no forward secrecy or no AEAD) is refused"
			    % suite, not ok, out[-1500:])
		ok, out = openssl_connect(port, "-tls1_2", "-cipher",
		    "ECDHE-RSA-AES128-GCM-SHA256")
		check("TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 works", ok, out[-1500:])
		# The server's order wins: offered last, AES-GCM is still chosen.
		ok, out = openssl_connect(port, "-tls1_2", "-cipher",
		    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256")
		check("the server's suite order wins", ok and
		    "ECDHE-RSA-AES128-GCM-SHA256" in out, out[-1500:])
		# SIGHUP: a renewed certificate is served without a restart.
		new_cert, new_key = make_cert(d, "new", "tweede.example")
		os.replace(new_cert, cert)
		os.replace(new_key, key)
		proc.send_signal(signal.SIGHUP)
		time.sleep(1)
		check("the TLS server survives SIGHUP", proc.poll() is None)
		ok, out = openssl_connect(port, "-tls1_3")
		check("after SIGHUP the new certificate is served", ok and
		    "tweede.example" in out, out[-1500:])
		with open(key, "w") as f:
			f.write("not a key\n")
		proc.send_signal(signal.SIGHUP)
		time.sleep(1)
		ok, out = openssl_connect(port, "-tls1_3")
		check("a broken key on SIGHUP keeps the certificate in use", ok and
		    "tweede.example" in out, out[-1500:])
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


def login_from(srv, source, email, password):
	"""GET /login then POST it from the loopback address SOURCE; the
	POST's (status, Retry-After)."""
	import http.client
	import urllib.parse
	c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60,
	    source_address=(source, 0))
	try:
		c.request("GET", "/login")
		r = c.getresponse()
		body = r.read().decode("utf-8", "replace")
		cookie = (r.getheader("Set-Cookie") or "").split(";")[0]
		m = re.search(r'name="csrf" value="([^"]+)"', body)
		form = urllib.parse.urlencode({"email": email,
		    "password": password, "csrf": m.group(1) if m else ""})
		c.request("POST", "/login", form, {"Cookie": cookie,
		    "Content-Type": "application/x-www-form-urlencoded"})
		r = c.getresponse()
		r.read()
		if r.status != 303 or r.getheader("Location") != "/login":
			return r.status, r.getheader("Retry-After")
		# Refused: the login page says why, with the refusal's status.
		flash = [h.split(";")[0] for k, h in r.getheaders()
		    if k.lower() == "set-cookie" and h.startswith("kluis_flash=")]
		c.request("GET", "/login", headers={"Cookie": "; ".join([cookie] +
		    flash)})
		r = c.getresponse()
		r.read()
		return r.status, r.getheader("Retry-After")
	except OSError as e:
		return 0, str(e)
	finally:
		c.close()


@scenario
def hash_queue_is_bounded_and_fair():
	"""A login rush from one address gets 503 + Retry-After; others still log in"""
	import threading
	srv = temp_server("--hash-threads", "1", "--hash-queue", "8",
	    "--max-ip-failures", "100000", "--max-account-failures", "100000")
	results = []
	lock = threading.Lock()

	def attacker(i):
		for j in range(3):
			st = login_from(srv, "127.0.0.2", "x%d-%d@example.org" % (i, j),
			    "Geen-geldig-wachtwoord-%d" % j)
			with lock:
				results.append(st)

	threads = [threading.Thread(target=attacker, args=(i,))
	    for i in range(24)]
	for t in threads:
		t.start()
	time.sleep(0.3)
	other = [login_from(srv, "127.0.0.3", "ander%d@example.org" % i,
	    "Ook-geen-wachtwoord-%d" % i) for i in range(3)]
	for t in threads:
		t.join()
	busy = [r for r in results if r[0] == 503]
	check("the rush from one address gets some 503s", len(busy) > 0,
	    "statuses %s" % sorted(set(r[0] for r in results)))
	check("every 503 carries Retry-After", all(r[1] and r[1].isdigit()
	    for r in busy), busy[:3])
	check("the others are answered (401: wrong password)",
	    all(r[0] in (401, 503) for r in results), set(results))
	check("another address is never refused by the rush",
	    all(st == 401 for st, _ in other), other)
	alive(srv, "a login rush")
	srv.cleanup()


def trickle_post(srv, browser, path, parts, chunked=False):
	"""POST PARTS, (name, filename or None, value) tuples, as multipart
	with the last value trickling in: the body up to that value, then its
	first 3 bytes (fewer than a boundary), then the rest, each in its own
	TCP segment or HTTP chunk. Returns (status, head of the answer)."""
	b = b"----trickle"
	body = b""
	for name, filename, value in parts:
		body += (b"--" + b + b'\r\nContent-Disposition: form-data; name="' +
		    name.encode() + b'"')
		if filename is not None:
			body += (b'; filename="' + filename.encode() +
			    b'"\r\nContent-Type: application/octet-stream')
		body += b"\r\n\r\n" + value + b"\r\n"
	body += b"--" + b + b"--\r\n"
	cut = len(body) - len(b"\r\n--" + b + b"--\r\n") - len(parts[-1][2])
	pieces = [body[:cut], body[cut:cut + 3], body[cut + 3:]]
	cookie = "; ".join("%s=%s" % kv for kv in browser.cookies.items())
	req = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n"
	    "Content-Type: multipart/form-data; boundary=%s\r\n"
	    "Connection: close\r\n" % (path, cookie, b.decode())).encode()
	if chunked:
		req += b"Transfer-Encoding: chunked\r\n\r\n"
		pieces = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces]
		pieces[-1] += b"0\r\n\r\n"
	else:
		req += b"Content-Length: %d\r\n\r\n" % len(body)
	s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
	s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	try:
		s.sendall(req)
		for p in pieces:
			time.sleep(0.3)		# the server reads each piece alone
			s.sendall(p)
		got = b""
		while True:
			chunk = s.recv(65536)
			if not chunk:
				break
			got += chunk
	finally:
		s.close()
	head, _, body = got.partition(b"\r\n\r\n")
	m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
	return (int(m.group(1)) if m else None), head.decode("latin-1"), body


TRICKLE = (("a later TCP segment", False), ("a later chunk", True))


@scenario
def form_fields_that_trickle_in():
	"""A multipart field whose value trickles in is read whole"""
	srv = main_server()
	for label, chunked in TRICKLE:
		b = Browser(srv, "trickle")
		b.get("/login")
		status, head, body = trickle_post(srv, b, "/forgot",
		    [("csrf", None, b.csrf.encode()),
		    ("email", None, b"someone@example.org")], chunked)
		check("/forgot, email in %s: the mail is on its way" % label,
		    status == 303 and "Location: /forgot/sent" in head, head)
		status, head, body = trickle_post(srv, b, "/login",
		    [("email", None, b"nobody@example.org"),
		    ("password", None, b"not the password"),
		    ("csrf", None, b.csrf.encode())], chunked)
		check("/login, csrf in %s: the form is accepted (and the "
		    "password refused)" % label, status == 303 and
		    "Location: /login" in head and "kluis_flash=" in head, head)


@scenario
def upload_that_trickles_in():
	"""An upload whose file trickles in, a few bytes at a time, is stored whole"""
	srv = main_server()
	admin = main_admin()
	cli_ok(srv, "subject", "add", "TRICKLE", "--title", "Trickle")
	for label, chunked in TRICKLE:
		data = os.urandom(3000) + label.encode()
		name = "trickle-%d.bin" % chunked
		status, head, _ = trickle_post(srv, admin.browser,
		    "/admin/subjects/TRICKLE/upload",
		    [("csrf", None, admin.browser.csrf.encode()),
		    ("file", name, data)], chunked)
		check("file in %s: published" % label,
		    status == 303 and "done=published" in head, head)
		rows = db_rows(srv, "SELECT sha256, size FROM files WHERE name = ?",
		    (name,))
		check("file in %s: stored whole" % label,
		    rows == [(hashlib.sha256(data).hexdigest(), len(data))], rows)


RLO = "\u202e"		# RIGHT-TO-LEFT OVERRIDE: "\u202etxt.exe" shows as "exe.txt"
HOSTILE_FILE_NAMES = [RLO + "txt.exe", "..", ".", " ", ".htaccess",
    "rapport\u2066.pdf", "a\x01b.pdf", "trail.pdf "]


def upload_named(b, code, fname):
	boundary = "----hostilenames"
	body = ("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"
	    "%s\r\n--%s\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n"
	    "data\r\n--%s--\r\n" % (boundary, b.csrf, boundary, fname,
	    boundary)).encode("utf-8")
	return b.request("POST", "/admin/subjects/%s/upload" % code, body,
	    {"Content-Type": "multipart/form-data; boundary=" + boundary}).shown()


@scenario
def hostile_names_refused():
	"""Control and text-direction characters, dots and blanks: refused as names"""
	srv = temp_server()
	admin = journey(srv, srv.admin_email)
	cli_ok(srv, "subject", "add", "NAMEN", "--title", "Namen")
	before = db_rows(srv, "SELECT count(*) FROM files")
	for name in HOSTILE_FILE_NAMES:
		r = upload_named(admin.browser, "NAMEN", name)
		check("console upload named %r: 400 with a message" % name,
		    r.status == 400 and r.errors, r.summary())
	check("no file was published", db_rows(srv,
	    "SELECT count(*) FROM files") == before)
	d = tempfile.mkdtemp(prefix="kluis-e2e-names-")
	path = os.path.join(d, "rapport.pdf")
	with open(path, "wb") as f:
		f.write(b"%PDF\n")
	for name in HOSTILE_FILE_NAMES:
		p = srv.cli("publish", "NAMEN", path, "--name", name, "--data",
		    srv.data)
		check("kluis publish --name %r refused" % name, p.returncode != 0,
		    p.stdout)
	for title in (RLO + "abc", "a\u2067b", "a\x1bb", "   "):
		p = srv.cli("subject", "add", "T%d" % len(title), "--title", title,
		    "--data", srv.data)
		check("kluis subject add --title %r refused" % title,
		    p.returncode != 0, p.stdout)
	for uname in (RLO + "nnA", "A\u2066", "Bell\x07"):
		p = srv.cli("user", "add", "n%d@example.org" % len(uname), "--name",
		    uname, "--data", srv.data)
		check("kluis user add --name %r refused" % uname,
		    p.returncode != 0, p.stdout)
	r = admin.browser.get("/admin/users/new")
	r = admin.browser.submit(r, "/admin/users", {"email":
	    "rlo@example.org", "name": RLO + "nnA"}).shown()
	check("console: a user name with an override is refused (400)",
	    r.status == 400 and r.errors, r.summary())
	r = admin.browser.get("/admin/subjects")
	r = admin.browser.submit(r, "/admin/subjects", {"code": "RLO",
	    "title": RLO + "eltit"}).shown()
	check("console: a subject title with an override is refused (400)",
	    r.status == 400 and r.errors, r.summary())
	r = admin.browser.get("/account/add")
	code, _ = admin.device.next_code()
	r = admin.browser.submit(r, "/account/add", {"device_name": RLO +
	    "enoof", "code": code, "current_password":
	    admin.browser.password}).shown()
	check("a phone name with an override is refused (400)",
	    r.status == 400 and r.errors, r.summary())
	rows = db_rows(srv, "SELECT name FROM devices UNION ALL SELECT title "
	    "FROM subjects UNION ALL SELECT name FROM users UNION ALL "
	    "SELECT name FROM files")
	check("no stored name holds a control or direction character", not [
	    n for (n,) in rows if n and re.search("[\x00-\x1f\x7f-\x9f"
	    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", n)], rows)
	# Right-to-left letters are a name like any other, shown isolated.
	arabic = "\u062a\u0642\u0631\u064a\u0631.pdf"
	cli_ok(srv, "publish", "NAMEN", path, "--name", arabic)
	cli_ok(srv, "user", "add", "rtl@example.org", "--name", "\u0645\u0631\u064a\u0645")
	r = admin.browser.get("/admin/subjects/NAMEN")
	check("an Arabic file name is isolated on the subject's console page",
	    ("<bdi>%s</bdi>" % arabic) in r.text, r.summary())
	r = admin.browser.get("/admin/users")
	check("an Arabic user name is isolated in the console's list",
	    "<bdi>\u0645\u0631\u064a\u0645</bdi>" in r.text, r.summary())
	check("an ASCII name is shown as it is", ">" + srv.admin_email + "<" in
	    r.text, r.summary())


if __name__ == "__main__":
	main()
