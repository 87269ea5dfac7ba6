#!/usr/bin/env python3
"""Throttling without lockout: a stranger who knows only an email cannot
lock its owner out nor silence their reset mail; client addresses come from
trusted proxies only, and IPv6 clients are limited per /64."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

WRONG = "Niet-het-wachtwoord-123"


def attempt(b, email, password):
	"""A login; when refused, the login page it leads to (with the
	refusal's status and Retry-After)."""
	r = b.get("/login")
	r = b.submit(r, "/login", {"email": email, "password": password})
	return r if is_redirect(r, "/otp") else r.shown()


@scenario
def stranger_cannot_lock_the_owner_out():
	"""30 failures from a stranger's address; the owner's browser still logs in"""
	srv = temp_server("--max-account-failures", "3", "--max-ip-failures",
	    "1000")
	owner = journey(srv, srv.admin_email)
	check("a complete login sets the device cookie",
	    "kluis_device" in owner.browser.cookies, owner.browser.cookies)
	dev = [c for c in owner.browser.raw_set_cookies
	    if c.startswith("kluis_device=")]
	attrs = cookie_attrs(dev[-1])[2] if dev else {}
	check("the device cookie is HttpOnly, SameSite=Lax, long-lived",
	    "httponly" in attrs and attrs.get("samesite", "").lower() == "lax"
	    and int(attrs.get("max-age", "0")) > 30 * 86400, dev)
	check("the device cookie names nobody", dev and
	    srv.admin_email.split("@")[0] not in dev[-1], dev)
	r = owner.browser.get("/")
	owner.browser.submit(r, "/logout", {})

	stranger = Browser(srv, "stranger", source="127.0.0.2")
	statuses = [attempt(stranger, srv.admin_email, WRONG) for _ in range(30)]
	codes = [r.status for r in statuses]
	check("the stranger is slowed down (429 after 3 failures)",
	    codes[:3] == [401] * 3 and all(c == 429 for c in codes[3:]), codes)
	limited = [r for r in statuses if r.status == 429]
	check("every 429 carries Retry-After in seconds", limited and all(
	    (r.header("Retry-After") or "").isdigit() and
	    int(r.header("Retry-After")) > 0 for r in limited),
	    [r.header("Retry-After") for r in limited[:3]])
	uid = db_rows(srv, "SELECT id FROM users WHERE email = ?",
	    (srv.admin_email,))[0][0]
	rows = db_rows(srv, "SELECT user_id FROM audit WHERE event = "
	    "'login.throttled'")
	check("throttled logins are audited with the account under attack",
	    rows and all(r[0] == uid for r in rows), rows)

	other = Browser(srv, "new-browser", source="127.0.0.4")
	r = attempt(other, srv.admin_email, owner.password)
	check("a browser without the device cookie is still held back "
	    "(account-wide)", r.status == 429, r.summary())

	forged = Browser(srv, "forged", source="127.0.0.3")
	forged.cookies["kluis_device"] = owner.browser.cookies.get(
	    "kluis_device", "1.00")[:-4] + "0000"
	r = attempt(forged, srv.admin_email, owner.password)
	check("an altered device cookie counts for nothing", r.status == 429,
	    r.summary())

	owner.browser.source = "127.0.0.3"
	r = attempt(owner.browser, srv.admin_email, owner.password)
	check("the owner's browser (its device cookie) still logs in from "
	    "another address", is_redirect(r, "/otp"), r.summary())
	if is_redirect(r, "/otp"):
		r = owner.browser.get("/otp")
		code, step = owner.device.next_code()
		r = owner.browser.submit(r, "/otp", {"code": code})
		check("... and gets in with its code", is_redirect(r, "/"),
		    r.summary())
		owner.device.accepted(step)


@scenario
def stranger_cannot_silence_reset_mail():
	"""A stranger's /forgot requests do not stop the owner's own reset mail"""
	srv = temp_server("--max-account-failures", "3")
	addr = "eigenaar@example.org"
	srv.user_add(addr)
	owner = Browser(srv, "owner", source="127.0.0.3")
	forgot(srv, addr, owner)
	first = wait_reset_token(srv, addr, 1)
	require("the owner's first reset mail", first)
	stranger = Browser(srv, "stranger", source="127.0.0.2")
	for _ in range(10):
		forgot(srv, addr, stranger)
	time.sleep(2)
	n = len(reset_tokens(srv, addr))
	check("the stranger's requests are capped (3 mails at most)", n <= 4,
	    "%d reset mails" % n)
	forgot(srv, addr, owner)
	tok = wait_reset_token(srv, addr, n + 1)
	check("the owner's own request still gets its mail", tok is not None
	    and tok != first, "%d mails" % len(reset_tokens(srv, addr)))
	b = Browser(srv, "link", source="127.0.0.3")
	r = b.get("/reset?token=" + first)
	r = b.submit(r, "/reset", {"token": first})
	check("the owner's first link still works after the stranger's "
	    "requests (never logged in: the phone is linked first)",
	    is_redirect(r, "/enrol"), r.summary())


@scenario
def forwarded_addresses_from_trusted_proxies_only():
	"""X-Forwarded-For is read only from trusted proxies and must be an address"""
	srv = temp_server("--trust-proxy", "--trusted-proxies", "127.0.0.2/32")
	cases = [
	    ("127.0.0.1", "10.9.8.7", "127.0.0.1", "an untrusted peer's header"),
	    ("127.0.0.2", "10.9.8.7", "10.9.8.7", "a trusted proxy's header"),
	    ("127.0.0.2", "<script>alert(1)</script>", "127.0.0.2",
	     "a value that is not an address"),
	    ("127.0.0.2", "10.1.1.1, 10.2.2.2", "10.2.2.2",
	     "the hop the proxy saw"),
	    ("127.0.0.2", "10.3.3.3, 127.0.0.2", "10.3.3.3",
	     "past a trusted hop"),
	    ("127.0.0.2", "10.4.4.4, bogus", "127.0.0.2",
	     "a list whose last hop is not an address"),
	]
	for source, xff, want, label in cases:
		email = "xff-%s@example.org" % want.replace(".", "-")
		b = Browser(srv, "xff", source=source)
		r = b.get("/login")
		b.post("/login", {"email": email, "password": WRONG},
		    headers={"X-Forwarded-For": xff})
		rows = db_rows(srv, "SELECT addr FROM audit WHERE event = "
		    "'login.fail' ORDER BY id DESC LIMIT 1")
		check("%s: the audit says %s" % (label, want),
		    rows and rows[0][0] == want, rows)
	bad = db_rows(srv, "SELECT addr FROM audit WHERE addr LIKE '%<%' OR "
	    "addr LIKE '%bogus%'")
	check("nothing but addresses in the audit's address column", not bad,
	    bad)


@scenario
def ipv6_clients_limited_per_64():
	"""Two addresses of one IPv6 /64 share a limit; another /64 does not"""
	srv = temp_server("--trust-proxy", "--max-ip-failures", "3",
	    "--max-account-failures", "1000")
	b = Browser(srv, "v6")

	def fail(addr, i):
		b.get("/login")
		return b.post("/login", {"email": "v6-%d@example.org" % i,
		    "password": WRONG}, headers={"X-Forwarded-For": addr}) \
		    .shown().status

	got = [fail("2001:db8:1:2::a", 0), fail("2001:db8:1:2::a", 1),
	    fail("2001:db8:1:2:ffff::b", 2), fail("2001:db8:1:2::c", 3)]
	check("the 4th failure in one /64 is delayed, whatever its address",
	    got == [401, 401, 401, 429], got)
	check("another /64 is not", fail("2001:db8:1:3::a", 4) == 401)
	check("IPv4 addresses are limited one by one",
	    fail("192.0.2.1", 5) == 401)


@scenario
def listen_on_a_host_name():
	"""--listen localhost:PORT works"""
	port = free_port()
	data = tempfile.mkdtemp(prefix="kluis-e2e-name-")
	p = subprocess.Popen([KLUIS_BIN, "serve", "--listen",
	    "localhost:%d" % port, "--data", data], stdout=subprocess.DEVNULL,
	    stderr=subprocess.PIPE, env=dict(os.environ, KLUIS_SHARE=KLUIS_SHARE))
	try:
		ok = False
		deadline = time.time() + 20
		while time.time() < deadline and not ok and p.poll() is None:
			for host in ("127.0.0.1", "::1"):
				try:
					c = http.client.HTTPConnection(host, port, timeout=2)
					c.request("GET", "/healthz")
					ok = c.getresponse().status == 200
					c.close()
				except OSError:
					pass
				if ok:
					break
			time.sleep(0.2)
		check("the server listens on localhost", ok,
		    p.stderr.read().decode() if p.poll() is not None else "")
	finally:
		p.terminate()
		p.wait(timeout=20)
	check("it stops cleanly", p.returncode == 0)


if __name__ == "__main__":
	import subprocess
	import tempfile
	main()
