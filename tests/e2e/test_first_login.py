#!/usr/bin/env python3
"""First login, end to end: the printed admin and a `kluis user add` user walk
/login -> /enrol -> /password -> /otp -> /, then log out and log in again
through /otp.  TOTP codes come from oathtool, not from the server."""

import os
import subprocess
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}
# Crockford's base32 in lower case: no i, l, o or u to mistake for 1 or 0.
READABLE = re.compile(r"^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$")


def session_cookie_headers(resp):
	return [cookie_attrs(sc) for sc in resp.header_all("Set-Cookie")
	    if sc.split("=", 1)[0].strip() == SESSION_COOKIE]


def check_cookie_attrs(resp):
	"""The kluis_session cookie set by resp is HttpOnly, Lax, Path=/."""
	sets = session_cookie_headers(resp)
	if not check("%s %s sets %s" % (resp.method, resp.path, SESSION_COOKIE),
	    sets, "Set-Cookie: %s" % resp.header_all("Set-Cookie")):
		return
	name, value, attrs = sets[-1]
	probs = []
	if "httponly" not in attrs:
		probs.append("no HttpOnly")
	if attrs.get("samesite", "").lower() != "lax":
		probs.append("SameSite=%r" % attrs.get("samesite"))
	if attrs.get("path") != "/":
		probs.append("Path=%r" % attrs.get("path"))
	if "secure" in attrs:
		probs.append("Secure on an http:// public URL")
	if len(value) < 43:
		probs.append("value %r is shorter than 256 bits in base64" % value)
	check("session cookie attributes on %s %s" % (resp.method, resp.path),
	    not probs, "; ".join(probs) + " | " + resp.header_all("Set-Cookie")[-1])


def check_rotation(stage, b, old):
	"""After a stage change the cookie is new and the old one is dead."""
	check("cookie rotates at %s" % stage, b.session and b.session != old,
	    "old %r new %r" % (old, b.session))
	if old:
		r = b.with_cookie(old).get("/")
		check_redirect("old cookie after %s is dead (GET / -> /login)" % stage,
		    r, "/login")


@scenario
def cli_help():
	"""kluis --help and kluis serve --help document the flags"""
	srv = Server()
	p = srv.cli("--help")
	check("kluis --help exits 0", p.returncode == 0, p.stderr.decode())
	p = srv.cli("serve", "--help")
	out = (p.stdout + p.stderr).decode(errors="replace")
	check("kluis serve --help exits 0", p.returncode == 0, out)
	missing = [f for f in ("--listen", "--data", "--public-url",
	    "--admin-email", "--session-idle", "--session-max",
	    "--max-ip-failures", "--max-body") if f not in out]
	check("kluis serve --help documents every contract flag", not missing,
	    "missing: %s" % missing)
	p = srv.cli("user", "add", "--help")
	out = (p.stdout + p.stderr).decode(errors="replace")
	check("kluis user add --help exits 0 and names --name and --admin",
	    p.returncode == 0 and "--name" in out and "--admin" in out, out)
	srv.cleanup()


@scenario
def admin_journey():
	"""The printed first admin walks the whole first login"""
	srv = temp_server()
	state["srv"] = srv
	out = srv.stdout_text()
	# Under a service manager stdout is the journal: no password there,
	# but in a file only this user can read, and the log says where.
	path = os.path.join(srv.data, "first-admin-password")
	check("stdout (no terminal) holds no password",
	    "temporary password" not in out, out)
	check("the log says where the password is", path in srv.stderr_text(),
	    srv.stderr_text()[-600:])
	check("the password file is readable by this user only",
	    os.path.exists(path) and os.stat(path).st_mode & 0o777 == 0o600,
	    os.path.exists(path) and oct(os.stat(path).st_mode))
	with open(path) as f:
		out = f.read()
	check("the file announces the first admin account",
	    "kluis: first admin account created" in out, out)
	check("printed email is admin@localhost",
	    srv.admin_email == "admin@localhost", out)
	require("printed temporary password", srv.admin_password, out)
	pw = srv.admin_password
	check("temporary password has at least 12 characters", len(pw) >= 12, pw)
	check("temporary password has no look-alikes (i, l, o, u, capitals)",
	    READABLE.match(pw), pw)
	check("printed URL is the public URL's /login",
	    srv.admin_url == srv.url + "/login", srv.admin_url)

	b = Browser(srv, "admin")
	r = b.get("/healthz")
	check("GET /healthz is 200", r.status == 200, r.summary())
	check_headers("healthz", r, page=False)

	r = b.get("/login")
	require_page("GET /login is the login page", r, "login")
	check_headers("login", r)
	check_cookie_attrs(r)
	pre = b.session
	check("GET /login sets a pre-session cookie", pre, r.header_all("Set-Cookie"))
	form = r.page.form("/login")
	require("login page has a POST form to /login", form, r.page.forms)
	check("login form has email, password, csrf fields",
	    {"email", "password", "csrf"} <= set(form_fields(form)),
	    form_fields(form))
	check_forms_csrf(r)

	r = b.submit(r, "/login", {"email": srv.admin_email, "password": pw})
	require_redirect("POST /login with the temporary password -> /enrol",
	    r, "/enrol")
	check("the first login removed the password file", not os.path.exists(
	    os.path.join(srv.data, "first-admin-password")))
	check_headers("login post", r, page=False)
	check_cookie_attrs(r)
	check_rotation("login", b, pre)
	r = b.with_cookie(pre).get("/enrol")
	check_redirect("pre-session cookie cannot reach /enrol", r, "/login")

	r = b.get("/enrol")
	require_page("GET /enrol is the enrol page", r, "enrol")
	check_headers("enrol", r)
	check_forms_csrf(r)
	check("enrol page has an inline <svg>", r.page.svg_count >= 1,
	    r.text[:500])
	grouped = r.page.ids.get("secret")
	check("secret is shown in groups of four",
	    grouped is not None and SECRET_GROUPS.match(grouped), repr(grouped))
	secret = enrol_secret(r)
	require("secret present", secret, r.page.ids)
	check("secret is 160 bits (32 base32 characters)",
	    re.fullmatch(r"[A-Z2-7]{32}", secret), secret)
	form = r.page.form("/enrol")
	require("enrol page has a POST form to /enrol", form, r.page.forms)
	check("enrol form has device_name, code, csrf",
	    {"device_name", "code", "csrf"} <= set(form_fields(form)),
	    form_fields(form))

	dev = Device(secret, "Mijn telefoon")
	code, step = dev.next_code(earliest=False)	# what a person would type
	old = b.session
	r = b.submit(r, "/enrol", {"device_name": dev.name, "code": code})
	require_redirect("POST /enrol with the current code -> /password",
	    r, "/password")
	dev.accepted(step)
	check_rotation("enrol", b, old)

	r = b.get("/password")
	require_page("GET /password is the password page", r, "password")
	check_headers("password", r)
	check_forms_csrf(r)
	form = r.page.form("/password")
	require("password page has a POST form to /password", form, r.page.forms)
	check("password form has password, password_confirm, csrf",
	    {"password", "password_confirm", "csrf"} <= set(form_fields(form)),
	    form_fields(form))
	newpw = new_password("a")
	old = b.session
	r = b.submit(r, "/password", {"password": newpw,
	    "password_confirm": newpw})
	require_redirect("POST /password -> /otp", r, "/otp")
	check_rotation("password", b, old)

	r = b.get("/otp")
	require_page("GET /otp is the otp page", r, "otp")
	check_headers("otp", r)
	check_forms_csrf(r)
	form = r.page.form("/otp")
	require("otp page has a POST form to /otp", form, r.page.forms)
	check("otp form has code and csrf",
	    {"code", "csrf"} <= set(form_fields(form)), form_fields(form))
	check("no device chooser with one device",
	    not form_radios(form, "device"), form["inputs"])
	code, step = dev.next_code()
	check("the /otp code is for the step after the enrolment code",
	    step == dev.last_step + 1, "step %d last %d" % (step, dev.last_step))
	old = b.session
	r = b.submit(r, "/otp", {"code": code})
	require_redirect("POST /otp with the next step's code -> the page that "
	    "offers recovery codes", r, "/account/recovery")
	dev.accepted(step)
	check_rotation("otp", b, old)

	r = b.get("/")
	require_page("GET / is the home page", r, "home")
	check_headers("home", r)
	check("home page says there are no subjects yet",
	    "Nog geen onderwerpen" in r.page.text, r.page.text[:800])
	check_forms_csrf(r)
	check("home page has a logout form", r.page.form("/logout") is not None,
	    r.page.forms)

	old = b.session
	r = b.submit(r, "/logout", {})
	require_redirect("POST /logout -> /login", r, "/login")
	check_headers("logout", r, page=False)
	r = b.with_cookie(old).get("/")
	check_redirect("after logout the old cookie is dead server-side",
	    r, "/login")
	r = b.get("/")
	check_redirect("after logout the browser is logged out", r, "/login")

	state["admin"] = Account(srv.admin_email, newpw, dev, b)
	state["admin_temp"] = pw


@scenario
def first_admin_on_a_terminal():
	"""On a terminal the first admin's password is printed, and no file is left"""
	import pty
	import tempfile
	data = tempfile.mkdtemp(prefix="kluis-e2e-tty-")
	port = free_port()
	master, slave = pty.openpty()
	p = subprocess.Popen([KLUIS_BIN, "serve", "--listen", "127.0.0.1:%d" %
	    port, "--data", data], stdin=subprocess.DEVNULL, stdout=slave,
	    stderr=subprocess.DEVNULL, env=dict(os.environ,
	    KLUIS_SHARE=KLUIS_SHARE))
	os.close(slave)
	out = b""
	try:
		deadline = time.time() + 20
		while time.time() < deadline and b"open:" not in out:
			try:
				out += os.read(master, 4096)
			except OSError:
				break
		text = out.decode(errors="replace")
		check("the terminal shows the temporary password",
		    re.search(r"temporary password:\s*\S{12,}", text), text)
		check("and no password file is written", not os.path.exists(
		    os.path.join(data, "first-admin-password")))
	finally:
		p.terminate()
		p.wait(timeout=20)
		os.close(master)


@scenario
def admin_after_restart():
	"""After a restart: no second admin printout, later login via /otp"""
	srv = state.get("srv")
	acct = state.get("admin")
	require("admin journey finished", srv and acct)
	srv.stop()
	srv.admin_password = srv.admin_email = srv.admin_url = None
	srv.start(wait_credentials=False)
	srv._wait_credentials(timeout=2)
	out = srv.stdout_text()
	check("restart on the same data prints no new admin password",
	    "temporary password" not in out and srv.admin_password is None, out)

	b = Browser(srv, "admin-old-temp")
	r = b.get("/login")
	r = b.submit(r, "/login", {"email": acct.email,
	    "password": state["admin_temp"]})
	check_page("temporary password no longer logs in (401)", r, "login", 401)

	b = Browser(srv, "admin-later")
	r = b.get("/login")
	pre = b.session
	r = b.submit(r, "/login", {"email": acct.email, "password": acct.password})
	require_redirect("later login with the new password -> /otp", r, "/otp")
	check_rotation("later login", b, pre)
	r = b.get("/otp")
	require_page("GET /otp is the otp page", r, "otp")
	form = r.page.form("/otp")
	check("no device chooser with one device",
	    form and not form_radios(form, "device"), form)
	code, step = acct.device.next_code()
	old = b.session
	r = b.submit(r, "/otp", {"code": code})
	require_redirect("POST /otp -> /", r, "/")
	acct.device.accepted(step)
	check_rotation("later otp", b, old)
	r = b.get("/")
	check_page("GET / is the home page", r, "home")
	srv.cleanup()


@scenario
def custom_admin_email():
	"""--admin-email names the first admin"""
	srv = temp_server(admin_email="beheer@example.org")
	check("printed email is the --admin-email",
	    srv.admin_email == "beheer@example.org", srv.stdout_text())
	if srv.admin_password:
		login(srv, "beheer@example.org", srv.admin_password, "/enrol")
	srv.cleanup()


@scenario
def user_add_journey():
	"""A user created with `kluis user add` walks the journey and logs in again"""
	srv = temp_server()
	addr = "jan.jansen@example.org"
	p = srv.cli("user", "add", addr, "--name", "Jan Jansen", "--data", srv.data)
	require("kluis user add exits 0", p.returncode == 0,
	    (p.stdout + p.stderr).decode(errors="replace"))
	msg = wait_mail(srv, addr, TEMP_PASSWORD_SUBJECT)
	require("mail 'Uw tijdelijke wachtwoord' written to the outbox", msg,
	    os.listdir(srv.outbox) if os.path.isdir(srv.outbox) else "no outbox")
	missing = [h for h in ("To", "From", "Subject", "Date", "Message-ID")
	    if not msg.get(h)]
	check("mail has To, From, Subject, Date, Message-ID", not missing,
	    "missing %s" % missing)
	check("mail To is the user", addr in str(msg["To"]).lower(), msg["To"])
	check("mail is text/plain; charset=utf-8",
	    msg.get_content_type() == "text/plain" and
	    (msg.get_content_charset() or "").lower() == "utf-8",
	    msg.get("Content-Type"))
	temp = mail_secret(msg)
	require("temporary password stands alone on an indented line", temp,
	    mail_body(msg))
	check("temporary password has at least 12 characters", len(temp) >= 12,
	    temp)
	check("temporary password has no look-alikes (i, l, o, u, capitals)",
	    READABLE.match(temp), temp)
	check("mailed password differs from the admin's",
	    temp != srv.admin_password, temp)

	acct = journey(srv, addr, temp)
	check("journey reached the home page", acct.browser.last.name == "home",
	    acct.browser.last.summary())

	r = acct.browser.get("/")
	r = acct.browser.submit(r, "/logout", {})
	check_redirect("POST /logout -> /login", r, "/login")

	b = Browser(srv, "jan-later")
	r = b.get("/login")
	pre = b.session
	r = b.submit(r, "/login", {"email": addr, "password": acct.password})
	require_redirect("later login -> /otp", r, "/otp")
	check_rotation("later login", b, pre)
	r = b.get("/otp")
	require_page("GET /otp", r, "otp")
	form = r.page.form("/otp")
	check("no device chooser with one device",
	    form and not form_radios(form, "device"), form)
	code, step = acct.device.next_code()
	old = b.session
	r = b.submit(r, "/otp", {"code": code})
	require_redirect("POST /otp -> /", r, "/")
	acct.device.accepted(step)
	check_rotation("later otp", b, old)
	r = b.get("/")
	check_page("GET / is the home page", r, "home")
	check("home says no subjects yet", "Nog geen onderwerpen" in r.page.text,
	    r.page.text[:800])

	srv.cleanup()


if __name__ == "__main__":
	main()
