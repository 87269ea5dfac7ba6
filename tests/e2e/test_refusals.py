#!/usr/bin/env python3
"""Every refusal of the first-login journey, each followed by proof that the
state did not change: the next correct step still works, the session is still
at the same stage, the cookie did not rotate, the old password still counts."""

import os
import sys
import threading
import time
import types

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

MAX_BODY = 4096
MALFORMED = ["12345", "1234567", "abcdef", "", "12 345", "１２３４５６"]
state = {}


def main_server():
	if "srv" not in state:
		state["srv"] = temp_server("--max-ip-failures", "1000",
		    "--max-body", str(MAX_BODY))
	return state["srv"]


def to_stage(srv, addr, stage, earliest=True):
	"""A fresh user driven to `stage` (enrol, password, otp or home)."""
	ctx = types.SimpleNamespace(addr=addr, password=None)
	ctx.temp = srv.user_add(addr)
	ctx.b = login(srv, addr, ctx.temp, "/enrol", addr)
	r = ctx.b.get("/enrol")
	require_page("GET /enrol", r, "enrol")
	ctx.secret = enrol_secret(r)
	require("secret on /enrol", ctx.secret, r.page.ids)
	ctx.dev = Device(ctx.secret, "Mijn telefoon")
	ctx.page = r
	if stage == "enrol":
		return ctx
	code, step = ctx.dev.next_code(earliest)
	r = ctx.b.submit(r, "/enrol", {"device_name": ctx.dev.name, "code": code})
	require_redirect("POST /enrol -> /password", r, "/password")
	ctx.dev.accepted(step)
	ctx.page = r = ctx.b.get("/password")
	require_page("GET /password", r, "password")
	if stage == "password":
		return ctx
	ctx.password = new_password()
	r = ctx.b.submit(r, "/password", {"password": ctx.password,
	    "password_confirm": ctx.password})
	require_redirect("POST /password -> /otp", r, "/otp")
	ctx.page = r = ctx.b.get("/otp")
	require_page("GET /otp", r, "otp")
	if stage == "otp":
		return ctx
	code, step = ctx.dev.next_code()
	r = ctx.b.submit(r, "/otp", {"code": code})
	require_redirect("POST /otp -> the recovery codes' page (first login)", r,
	    FIRST_LOGIN_HOME)
	ctx.dev.accepted(step)
	ctx.page = r = ctx.b.get("/")
	require_page("GET /", r, "home")
	return ctx


def refused(name, b, before, resp, statuses, page=None, error=True):
	"""resp is a refusal: the page it leads to (Post/Redirect/Get) answers
	a status in statuses, shows the form again with an error (when page is
	given), and the session cookie did not change."""
	if isinstance(statuses, int):
		statuses = (statuses,)
	resp.shown()
	ok = resp.status in statuses
	detail = "want %s; got %s" % ("/".join(map(str, statuses)),
	    resp.summary())
	if page is not None:
		ok = ok and resp.name == page
		detail += " (want data-page=%s)" % page
		if error:
			ok = ok and any(e.strip() for e in resp.errors)
			detail += " (want a role=alert error)"
	check(name, ok, detail)
	check("%s: cookie unchanged" % name, b.session == before,
	    "before %r after %r" % (before, b.session))
	return ok


def stays(b, stage_path, probe):
	"""GET probe answers 303 to stage_path: the session did not move."""
	r = b.get(probe)
	return check_redirect("still at %s (GET %s -> %s)" % (stage_path, probe,
	    stage_path), r, stage_path)


def fresh_login(srv, addr, password):
	b = Browser(srv, "probe")
	r = b.get("/login")
	return b.submit(r, "/login", {"email": addr, "password": password})


# ------------------------------------------------------------- login

@scenario
def wrong_password_and_unknown_email():
	"""Wrong password and unknown email get the same 401"""
	srv = main_server()
	addr = "anna.refusal@example.org"
	temp = srv.user_add(addr)
	b = Browser(srv, "anna")
	r = b.get("/login")
	before = b.session
	wrong = b.submit(r, "/login", {"email": addr,
	    "password": "Niet-het-goede-wachtwoord"})
	refused("wrong password -> 401 on the login page", b, before, wrong, 401,
	    "login")
	check_headers("wrong password", wrong)
	stays(b, "/login", "/enrol")

	b2 = Browser(srv, "nobody")
	r = b2.get("/login")
	before = b2.session
	unknown = b2.submit(r, "/login", {"email": "niemand@example.org",
	    "password": "Niet-het-goede-wachtwoord"})
	refused("unknown email -> 401 on the login page", b2, before, unknown,
	    401, "login")
	check("unknown email: same status as wrong password",
	    unknown.status == wrong.status, "%d vs %d" % (unknown.status,
	    wrong.status))
	check("unknown email: same error text as wrong password",
	    unknown.errors == wrong.errors, "%r vs %r" % (unknown.errors,
	    wrong.errors))
	fu = unknown.page.form("/login")
	fw = wrong.page.form("/login")
	check("unknown email: same form as wrong password",
	    fu and fw and form_fields(fu) == form_fields(fw),
	    "%s vs %s" % (fu, fw))
	stays(b2, "/login", "/")

	r = b.get("/login")
	r = b.submit(r, "/login", {"email": addr, "password": temp})
	check_redirect("after the wrong password the right one still works",
	    r, "/enrol")


# ------------------------------------------------------------- stage machine

@scenario
def out_of_order_without_session():
	"""Without a session every stage page sends to /login"""
	srv = main_server()
	b = Browser(srv, "anonymous")
	for path in ("/", "/enrol", "/password", "/otp", "/enrol/qr.svg"):
		r = b.get(path)
		check_redirect("GET %s without a cookie -> /login" % path, r, "/login")
	for path, fields in (("/enrol", {"device_name": "x", "code": "123456"}),
	    ("/password", {"password": "x" * 20, "password_confirm": "x" * 20}),
	    ("/otp", {"code": "123456"}), ("/logout", {})):
		r = Browser(srv, "anonymous").post(path, fields, csrf=None)
		check("POST %s without a cookie -> 303 /login or 403" % path,
		    is_redirect(r, "/login") or r.status == 403, r.summary())
	# a pre-session with a valid csrf token is still not logged in
	r = b.get("/login")
	require_page("GET /login", r, "login")
	for path, fields in (("/enrol", {"device_name": "x", "code": "123456"}),
	    ("/password", {"password": "x" * 20, "password_confirm": "x" * 20}),
	    ("/otp", {"code": "123456"})):
		r = b.post(path, fields)
		check_redirect("POST %s with a pre-session + csrf -> /login" % path,
		    r, "/login")
	r = b.get("/")
	check_redirect("GET / with a pre-session -> /login", r, "/login")


@scenario
def out_of_order_during_journey():
	"""At each stage the other stage pages redirect and change nothing"""
	srv = main_server()
	addr = "bert.refusal@example.org"
	c = to_stage(srv, addr, "enrol")
	b = c.b

	# stage enrol
	for path in ("/", "/password", "/otp"):
		check_redirect("at enrol: GET %s -> /enrol" % path, b.get(path),
		    "/enrol")
	before = b.session
	pw_x = new_password("x")
	r = b.post("/password", {"password": pw_x, "password_confirm": pw_x})
	check_redirect("at enrol: POST /password -> /enrol", r, "/enrol")
	code, step = c.dev.next_code(earliest=False)
	r = b.post("/otp", {"code": code})
	check_redirect("at enrol: POST /otp with a valid code -> /enrol", r,
	    "/enrol")
	check("at enrol: cookie unchanged by out-of-order POSTs",
	    b.session == before, "%r -> %r" % (before, b.session))
	r = b.get("/enrol")
	require_page("at enrol: GET /enrol still the enrol page", r, "enrol")
	check("at enrol: same secret after the out-of-order requests",
	    enrol_secret(r) == c.secret, "%r vs %r" % (enrol_secret(r), c.secret))
	r2 = fresh_login(srv, addr, c.temp)
	check_redirect("at enrol: temporary password still logs in -> /enrol",
	    r2, "/enrol")
	r = b.submit(r, "/enrol", {"device_name": "Mijn telefoon", "code": code})
	require_redirect("at enrol: the code tried at /otp still enrols "
	    "(-> /password)", r, "/password")
	c.dev.accepted(step)

	# stage password
	for path in ("/", "/enrol", "/otp"):
		check_redirect("at password: GET %s -> /password" % path, b.get(path),
		    "/password")
	r = b.get("/enrol/qr.svg")
	check("at password: /enrol/qr.svg no longer shows the secret",
	    r.status in (303, 404) and b"svg" not in r.body, r.summary())
	r = b.get("/password")
	require_page("GET /password", r, "password")
	before = b.session
	code2, step2 = c.dev.next_code()
	r = b.post("/enrol", {"device_name": "Tweede", "code": code2})
	check_redirect("at password: POST /enrol -> /password", r, "/password")
	r = b.post("/otp", {"code": code2})
	check_redirect("at password: POST /otp -> /password", r, "/password")
	check("at password: cookie unchanged", b.session == before,
	    "%r -> %r" % (before, b.session))
	r = b.get("/password")
	c.password = new_password("p")
	r = b.submit(r, "/password", {"password": c.password,
	    "password_confirm": c.password})
	require_redirect("POST /password -> /otp", r, "/otp")

	# stage otp
	for path in ("/", "/enrol", "/password"):
		check_redirect("at otp: GET %s -> /otp" % path, b.get(path), "/otp")
	r = b.get("/otp")
	require_page("GET /otp", r, "otp")
	check("at otp: no device chooser (out-of-order /enrol added no device)",
	    not form_radios(r.page.form("/otp") or {"inputs": []}, "device"),
	    r.page.forms)
	before = b.session
	pw_y = new_password("y")
	r = b.post("/password", {"password": pw_y, "password_confirm": pw_y})
	check_redirect("at otp: POST /password -> /otp", r, "/otp")
	r = b.post("/enrol", {"device_name": "Derde", "code": code2})
	check_redirect("at otp: POST /enrol -> /otp", r, "/otp")
	check("at otp: cookie unchanged", b.session == before,
	    "%r -> %r" % (before, b.session))
	r = b.get("/otp")
	r = b.submit(r, "/otp", {"code": code2})
	require_redirect("at otp: the code tried out of order still logs in "
	    "(-> the recovery codes' page)", r, FIRST_LOGIN_HOME)
	c.dev.accepted(step2)

	# stage home
	for path in ("/enrol", "/password", "/otp"):
		check_redirect("at home: GET %s -> /" % path, b.get(path), "/")
	r = b.get("/")		# the csrf token of this session
	pw_z = new_password("z")
	r = b.post("/password", {"password": pw_z, "password_confirm": pw_z})
	check_redirect("at home: POST /password -> /", r, "/")
	r = b.get("/")
	check_page("at home: GET / still home", r, "home")
	r = b.submit(r, "/logout", {})
	check_redirect("logout", r, "/login")

	r = fresh_login(srv, addr, c.password)
	check_redirect("the password set at /password logs in -> /otp", r, "/otp")
	for label, pw in (("POST /password at enrol", pw_x),
	    ("POST /password at otp", pw_y), ("POST /password at home", pw_z)):
		r = fresh_login(srv, addr, pw)
		check("password from out-of-order %s was not stored (401)" % label,
		    r.shown().status == 401, r.summary())


# ------------------------------------------------------------- csrf

@scenario
def csrf():
	"""POST without or with a wrong csrf gets 403 and changes nothing"""
	srv = main_server()
	addr = "carla.refusal@example.org"
	temp = srv.user_add(addr)
	other = Browser(srv, "other")
	other.get("/login")
	other_token = other.csrf
	b = Browser(srv, "carla")
	r = b.get("/login")
	require("login page has a csrf token", b.csrf, r.page.forms)
	check("two browsers get different csrf tokens", b.csrf != other_token,
	    b.csrf)
	bad_tokens = [("without csrf", None), ("with a wrong csrf", "0" * 64),
	    ("with another browser's csrf", other_token), ("with an empty csrf", "")]

	def try_bad(stage, path, fields):
		before = b.session
		for label, tok in bad_tokens:
			r = b.post(path, fields, csrf=tok)
			refused("%s: POST %s %s -> 403" % (stage, path, label), b,
			    before, r, 403)
		check_headers("403", r, page=False)

	creds = {"email": addr, "password": temp}
	try_bad("login", "/login", creds)
	stays(b, "/login", "/enrol")
	r = b.get("/login")
	r = b.submit(r, "/login", creds)
	require_redirect("login with csrf -> /enrol", r, "/enrol")

	r = b.get("/enrol")
	require_page("GET /enrol", r, "enrol")
	dev = Device(enrol_secret(r), "Mijn telefoon")
	code, step = dev.next_code(earliest=False)
	try_bad("enrol", "/enrol", {"device_name": dev.name, "code": code})
	stays(b, "/enrol", "/password")
	r = b.get("/enrol")
	r = b.submit(r, "/enrol", {"device_name": dev.name, "code": code})
	require_redirect("the code refused for csrf still enrols -> /password",
	    r, "/password")
	dev.accepted(step)

	r = b.get("/password")
	pw_a = new_password("A")
	try_bad("password", "/password", {"password": pw_a,
	    "password_confirm": pw_a})
	stays(b, "/password", "/otp")
	pw_b = new_password("B")
	r = b.get("/password")
	r = b.submit(r, "/password", {"password": pw_b, "password_confirm": pw_b})
	require_redirect("POST /password with csrf -> /otp", r, "/otp")

	r = b.get("/otp")
	code, step = dev.next_code()
	try_bad("otp", "/otp", {"code": code})
	stays(b, "/otp", "/")
	r = b.get("/otp")
	r = b.submit(r, "/otp", {"code": code})
	require_redirect("the code refused for csrf still logs in", r,
	    FIRST_LOGIN_HOME)
	dev.accepted(step)

	r = b.get("/")
	try_bad("home", "/logout", {})
	r = b.get("/")
	check_page("after refused logouts the session is still at home", r, "home")
	r = b.submit(r, "/logout", {})
	check_redirect("logout with csrf -> /login", r, "/login")
	r = fresh_login(srv, addr, pw_a)
	check("password from the refused POST was not stored (401)",
	    r.shown().status == 401, r.summary())
	r = fresh_login(srv, addr, pw_b)
	check_redirect("password from the accepted POST logs in", r, "/otp")


# ------------------------------------------------------------- codes

@scenario
def wrong_code():
	"""A wrong code at /enrol and at /otp: 401, same stage, right code works"""
	srv = main_server()
	c = to_stage(srv, "dirk.refusal@example.org", "enrol")
	b = c.b
	before = b.session
	r = b.submit(c.page, "/enrol", {"device_name": "Mijn telefoon",
	    "code": other_code(*c.dev.window_codes())})
	refused("wrong code at /enrol -> 401 on the enrol page", b, before, r,
	    401, "enrol")
	if enrol_secret(r):
		check("re-rendered /enrol keeps the same secret",
		    enrol_secret(r) == c.secret, enrol_secret(r))
	stays(b, "/enrol", "/password")
	r = b.get("/enrol")
	check("after a wrong code /enrol shows the same secret",
	    enrol_secret(r) == c.secret, enrol_secret(r))
	code, step = c.dev.next_code()
	r = b.submit(r, "/enrol", {"device_name": "Mijn telefoon", "code": code})
	require_redirect("right code after a wrong one enrols", r, "/password")
	c.dev.accepted(step)
	r = b.get("/password")
	pw = new_password()
	r = b.submit(r, "/password", {"password": pw, "password_confirm": pw})
	require_redirect("POST /password -> /otp", r, "/otp")
	r = b.get("/otp")
	before = b.session
	r = b.submit(r, "/otp", {"code": other_code(*c.dev.window_codes())})
	refused("wrong code at /otp -> 401 on the otp page", b, before, r, 401,
	    "otp")
	stays(b, "/otp", "/")
	r = b.get("/otp")
	code, step = c.dev.next_code()
	r = b.submit(r, "/otp", {"code": code})
	check_redirect("right code after a wrong one logs in", r,
	    FIRST_LOGIN_HOME)


@scenario
def malformed_code():
	"""Malformed codes are refused (400/401) and change nothing"""
	srv = main_server()
	c = to_stage(srv, "eva.refusal@example.org", "enrol")
	b = c.b
	before = b.session
	for bad in MALFORMED[:4]:
		r = b.submit(b.get("/enrol"), "/enrol",
		    {"device_name": "Mijn telefoon", "code": bad})
		refused("code %r at /enrol -> 400/401" % bad, b, before, r,
		    (400, 401), "enrol")
	stays(b, "/enrol", "/password")
	code, step = c.dev.next_code()
	r = b.submit(b.get("/enrol"), "/enrol",
	    {"device_name": "Mijn telefoon", "code": code})
	require_redirect("a good code after malformed ones enrols", r, "/password")
	c.dev.accepted(step)

	c2 = to_stage(srv, "frits.refusal@example.org", "otp")
	b = c2.b
	before = b.session
	for bad in MALFORMED[:2] + MALFORMED[4:]:
		r = b.submit(b.get("/otp"), "/otp", {"code": bad})
		refused("code %r at /otp -> 400/401" % bad, b, before, r,
		    (400, 401), "otp")
	stays(b, "/otp", "/")
	code, step = c2.dev.next_code()
	r = b.submit(b.get("/otp"), "/otp", {"code": code})
	check_redirect("a good code after malformed ones logs in", r,
	    FIRST_LOGIN_HOME)


@scenario
def replayed_code():
	"""The enrolment code cannot be replayed at /otp"""
	srv = main_server()
	c = to_stage(srv, "gerda.refusal@example.org", "enrol")
	b = c.b
	settle(5)
	code_t, step_t = c.dev.next_code(earliest=False)
	r = b.submit(c.page, "/enrol", {"device_name": "Mijn telefoon",
	    "code": code_t})
	require_redirect("enrol with the current code", r, "/password")
	c.dev.accepted(step_t)
	r = b.get("/password")
	c.password = new_password()
	r = b.submit(r, "/password", {"password": c.password,
	    "password_confirm": c.password})
	require_redirect("POST /password -> /otp", r, "/otp")
	r = b.get("/otp")
	before = b.session
	check("enrolment code still inside the ±1 window",
	    current_step() - step_t <= 1, "step %d now %d" % (step_t,
	    current_step()))
	r = b.submit(r, "/otp", {"code": code_t})
	refused("replayed enrolment code at /otp -> 401", b, before, r, 401, "otp")
	stays(b, "/otp", "/")
	code, step = c.dev.next_code()
	r = b.submit(b.get("/otp"), "/otp", {"code": code})
	require_redirect("the next step's code logs in", r, FIRST_LOGIN_HOME)
	c.dev.accepted(step)
	r = b.get("/")
	r = b.submit(r, "/logout", {})
	check_redirect("logout", r, "/login")
	state["replay"] = (c, code_t, code)


@scenario
def other_device_code():
	"""A code from another user's authenticator is refused"""
	srv = main_server()
	h1 = to_stage(srv, "hans.refusal@example.org", "otp")
	h2 = to_stage(srv, "hilde.refusal@example.org", "otp")
	code1, step1 = h1.dev.next_code()
	code2, step2 = h2.dev.next_code()
	if code2 in h1.dev.window_codes():
		note("codes of both secrets collide in this window; skipping")
		return
	b = h1.b
	before = b.session
	r = b.submit(b.get("/otp"), "/otp", {"code": code2})
	refused("hilde's code at hans's /otp -> 401", b, before, r, 401, "otp")
	stays(b, "/otp", "/")
	r = b.submit(b.get("/otp"), "/otp", {"code": code1})
	check_redirect("hans's own code still logs in", r, FIRST_LOGIN_HOME)
	h1.dev.accepted(step1)
	# hilde's step was not consumed by the attempt at hans's page
	r = h2.b.submit(h2.b.get("/otp"), "/otp", {"code": code2})
	check_redirect("hilde's code still works for hilde", r, FIRST_LOGIN_HOME)

	c = to_stage(srv, "henk.refusal@example.org", "enrol")
	before = c.b.session
	r = c.b.submit(c.page, "/enrol", {"device_name": "Mijn telefoon",
	    "code": code_for_step(h1.secret, current_step())})
	if r.status != 401 and code_for_step(h1.secret, current_step()) in \
	    c.dev.window_codes():
		note("collision at /enrol; skipping")
		return
	refused("another secret's code at /enrol -> 401", c.b, before, r, 401,
	    "enrol")


@scenario
def concurrent_replay():
	"""One code sent at once from several sessions is accepted once"""
	srv = main_server()
	c = to_stage(srv, "olga.refusal@example.org", "home")
	r = c.b.submit(c.b.get("/"), "/logout", {})
	check_redirect("logout", r, "/login")
	browsers = []
	for i in range(4):
		b = login(srv, c.addr, c.password, "/otp", "olga-%d" % i)
		b.page = b.get("/otp")
		browsers.append(b)
	code, step = c.dev.next_code(earliest=False)
	barrier = threading.Barrier(len(browsers))
	results = [None] * len(browsers)

	def go(i):
		b = browsers[i]
		barrier.wait()
		results[i] = b.submit(b.page, "/otp", {"code": code})

	threads = [threading.Thread(target=go, args=(i,))
	    for i in range(len(browsers))]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	wins = [r for r in results if r and is_redirect(r, "/")]
	check("exactly one of %d simultaneous uses of a code succeeds" %
	    len(browsers), len(wins) == 1, [r.summary() for r in results if r])
	check("the others are refused with 401 (or 429)",
	    all(r.shown().status in (401, 429) for r in results if r not in wins),
	    [r.summary() for r in results if r])


@scenario
def reflected_input_is_escaped():
	"""Input echoed back on a refusal page is escaped"""
	srv = main_server()
	evil = '"><script>alert(1)</script>'
	b = Browser(srv, "xss")
	r = b.submit(b.get("/login"), "/login", {"email": "x%s@example.org" % evil,
	    "password": evil})
	check("login refused (400/401)", r.shown().status in (400, 401),
	    r.summary())
	check("the email is not echoed unescaped",
	    b"<script>alert(1)" not in r.body, r.text[:2000])
	c = to_stage(srv, "pim.refusal@example.org", "enrol")
	r = c.b.submit(c.page, "/enrol", {"device_name": evil, "code": "12345"})
	check("device name with markup and a bad code refused (400/401)",
	    r.shown().status in (400, 401) and r.name == "enrol", r.summary())
	check("the device name is not echoed unescaped",
	    b"<script>alert(1)" not in r.body, r.text[:2000])
	for junk in ("zzz", "0" * 64, "../../etc/passwd", "A" * 4000):
		r = Browser(srv, "junk").with_cookie(junk).get("/")
		check("junk cookie %r... -> 303 /login" % junk[:12],
		    is_redirect(r, "/login"), r.summary())


# ------------------------------------------------------------- passwords

@scenario
def password_rules():
	"""Weak, short, long, mismatched, email, temporary: 400, nothing changed"""
	srv = main_server()
	addr = "ingrid.refusal@example.org"
	c = to_stage(srv, addr, "password")
	b = c.b
	good = new_password("i")
	cases = [
	    ("mismatched", good, good + "x"),
	    ("on the common list", "password1234", "password1234"),
	    ("11 characters", "kort-wacht1", "kort-wacht1"),
	    ("129 characters", "L" * 60 + "-" + "m" * 68, "L" * 60 + "-" + "m" * 68),
	    ("equal to the email", addr, addr),
	    ("equal to the temporary password", c.temp, c.temp),
	    ("empty", "", ""),
	]
	before = b.session
	for label, pw, pw2 in cases:
		r = b.submit(b.get("/password"), "/password",
		    {"password": pw, "password_confirm": pw2})
		refused("new password %s -> 400 on the password page" % label, b,
		    before, r, 400, "password")
	stays(b, "/password", "/otp")
	r = fresh_login(srv, addr, c.temp)
	check("after the refusals the temporary password still logs in",
	    r.status == 303 and r.location in ("/enrol", "/password", "/otp"),
	    r.summary())
	r = fresh_login(srv, addr, "password1234")
	check("refused password1234 was not stored (401)", r.shown().status == 401,
	    r.summary())
	longest = "Z" * 64 + "-" + "q" * 63
	r = b.submit(b.get("/password"), "/password",
	    {"password": longest, "password_confirm": longest})
	require_redirect("a 128-character password is accepted -> /otp", r, "/otp")
	r = fresh_login(srv, addr, c.temp)
	check("temporary password no longer logs in (401)", r.shown().status == 401,
	    r.summary())
	r = fresh_login(srv, addr, longest)
	check_redirect("the new password logs in -> /otp", r, "/otp")


@scenario
def empty_device_name():
	"""An empty device name is refused with 400 and the code stays unused"""
	srv = main_server()
	c = to_stage(srv, "jan.refusal@example.org", "enrol")
	b = c.b
	code, step = c.dev.next_code()
	before = b.session
	r = b.submit(b.get("/enrol"), "/enrol", {"device_name": "", "code": code})
	refused("empty device_name -> 400 on the enrol page", b, before, r, 400,
	    "enrol")
	r = b.post("/enrol", {"code": code})
	refused("missing device_name -> 400", b, before, r, 400, "enrol")
	stays(b, "/enrol", "/password")
	r = b.get("/enrol")
	check("same secret after the refusal", enrol_secret(r) == c.secret,
	    enrol_secret(r))
	r = b.submit(r, "/enrol", {"device_name": "Mijn telefoon", "code": code})
	check_redirect("the same code with a name enrols -> /password", r,
	    "/password")


# ------------------------------------------------------------- HTTP level

@scenario
def oversized_body():
	"""A body over --max-body gets 413 and changes nothing"""
	srv = main_server()
	addr = "kees.refusal@example.org"
	temp = srv.user_add(addr)
	b = Browser(srv, "kees")
	r = b.get("/login")
	before = b.session
	r = b.post("/login", {"email": addr, "password": temp,
	    "padding": "x" * (2 * MAX_BODY)})
	refused("POST /login with %d bytes -> 413" % (2 * MAX_BODY), b, before, r,
	    413)
	check_headers("413", r, page=False)
	stays(b, "/login", "/enrol")
	r = b.submit(b.get("/login"), "/login", {"email": addr, "password": temp})
	require_redirect("normal login afterwards -> /enrol", r, "/enrol")
	r = b.get("/enrol")
	dev = Device(enrol_secret(r))
	code, step = dev.next_code()
	before = b.session
	r = b.submit(r, "/enrol", {"device_name": "n" * (2 * MAX_BODY),
	    "code": code})
	refused("POST /enrol with a huge device_name -> 413", b, before, r, 413)
	stays(b, "/enrol", "/password")
	r = b.submit(b.get("/enrol"), "/enrol", {"device_name": "Mijn telefoon",
	    "code": code})
	check_redirect("the code sent in the oversized body still enrols", r,
	    "/password")

	t0 = time.time()
	status, head, body = raw_request(srv, (
	    "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 100000000\r\nConnection: close\r\n\r\n"
	    + "a" * 1024).encode())
	check("declared Content-Length of 100 MB -> 413 without reading it",
	    status == 413 and time.time() - t0 < 8,
	    "status %s after %.1f s\n%s" % (status, time.time() - t0, head))


@scenario
def unknown_route():
	"""Unknown routes get a 404 error page"""
	srv = main_server()
	b = Browser(srv, "404")
	for path in ("/nope", "/enrol/nope", "/static/nope.css",
	    "/admin-nope"):
		r = b.get(path)
		check("GET %s -> 404 with data-page=error" % path,
		    r.status == 404 and (path.startswith("/static/") or
		    r.name == "error"), r.summary())
	check_headers("404", b.get("/nope"))
	for path in ("/static/../CMakeLists.txt", "/static/%2e%2e/CMakeLists.txt",
	    "/static/..%2fCMakeLists.txt", "/static//etc/passwd"):
		r = b.get(path)
		check("GET %s does not leak a file" % path,
		    400 <= r.status < 500 and b"cmake_minimum_required" not in r.body
		    and b"root:" not in r.body, r.summary())


@scenario
def wrong_method():
	"""Known paths with the wrong method get 405 with Allow"""
	srv = main_server()
	b = Browser(srv, "405")
	for method, path, allow in (("DELETE", "/login", {"GET", "POST"}),
	    ("PUT", "/login", {"GET", "POST"}), ("GET", "/logout", {"POST"}),
	    ("PUT", "/otp", {"GET", "POST"}), ("DELETE", "/enrol", {"GET", "POST"}),
	    ("POST", "/enrol/qr.svg", {"GET"}), ("POST", "/healthz", {"GET"})):
		r = b.request(method, path, body="" if method != "GET" else None)
		got = {m.strip().upper() for m in (r.header("Allow") or "").split(",")
		    if m.strip()}
		check("%s %s -> 405 with Allow %s" % (method, path,
		    ", ".join(sorted(allow))), r.status == 405 and allow <= got,
		    "%s, Allow %r" % (r.summary(), r.header("Allow")))
	check_headers("405", r, page=False)
	c = to_stage(srv, "lies.refusal@example.org", "enrol")
	before = c.b.session
	r = c.b.request("DELETE", "/enrol")
	refused("DELETE /enrol with a session -> 405", c.b, before, r, 405)
	r = c.b.get("/enrol")
	check("after the 405 /enrol shows the same secret",
	    r.name == "enrol" and enrol_secret(r) == c.secret, r.summary())


# ------------------------------------------------------------- sessions

@scenario
def expired_session():
	"""--session-idle and --session-max end sessions"""
	srv = temp_server("--session-idle", "3", "--session-max", "10",
	    "--max-ip-failures", "1000")
	addr = "mies.refusal@example.org"
	temp = srv.user_add(addr)
	a = login(srv, addr, temp, "/enrol", "active")
	t0 = time.time()
	b = login(srv, addr, temp, "/enrol", "idle")
	# Activity every second: the server counts whole seconds, so a 2 s
	# gap may already count as 3.
	bad = []
	for i in range(6):
		time.sleep(1)
		r = a.get("/enrol")
		if r.status != 200 or r.name != "enrol":
			bad.append("%s at %.1f s" % (r.summary(), time.time() - t0))
	check("a session used every second outlives the 3 s idle timeout",
	    not bad, "; ".join(bad))
	r = b.get("/enrol")
	check_redirect("a session idle for 6 s is refused (-> /login)", r,
	    "/login")
	r = b.get("/")
	check_redirect("the idle session stays dead", r, "/login")
	while time.time() - t0 < 11:
		time.sleep(1)
		r = a.get("/enrol")
		if r.status != 200:
			break
	check_redirect("a session past --session-max 10 s is refused (-> /login)",
	    r, "/login")
	r = a.post("/enrol", {"device_name": "x", "code": "123456"})
	check("POST with the dead session -> 303 /login or 403",
	    is_redirect(r, "/login") or r.status == 403, r.summary())
	c = login(srv, addr, temp, "/enrol", "again")
	check("expired sessions changed nothing: login leads to /enrol again",
	    c.get("/enrol").name == "enrol")
	srv.cleanup()


@scenario
def throttling():
	"""Too many failures from one address: 429, same for unknown accounts"""
	srv = temp_server("--max-ip-failures", "3")
	addr = "noor.refusal@example.org"
	temp = srv.user_add(addr)
	statuses = []
	for i in range(6):
		r = fresh_login(srv, addr, "Fout-wachtwoord-%d" % i).shown()
		statuses.append(r.status)
		if r.status == 429:
			break
	check("first failure is 401", statuses[0] == 401, statuses)
	check("429 after at most 3+2 failures from one address",
	    429 in statuses[:5], statuses)
	if 429 in statuses:
		check_headers("429", r, page=r.is_html)
		r = fresh_login(srv, addr, temp).shown()
		check("while throttled the right password also gets 429",
		    r.status == 429, r.summary())
		r = fresh_login(srv, "niemand@example.org", "Fout-wachtwoord-x").shown()
		check("while throttled an unknown email gets the same 429",
		    r.status == 429, r.summary())
	srv.cleanup()


@scenario
def replay_at_later_login():
	"""Codes already used are refused at a later login"""
	srv = main_server()
	require("replayed_code scenario finished", "replay" in state)
	c, code_t, code_t1 = state["replay"]
	b = login(srv, c.addr, c.password, "/otp", "later")
	before = b.session
	r = b.submit(b.get("/otp"), "/otp", {"code": code_t1})
	refused("the last accepted code again -> 401", b, before, r, 401, "otp")
	r = b.submit(b.get("/otp"), "/otp", {"code": code_t})
	refused("an older accepted code -> 401", b, before, r, 401, "otp")
	stays(b, "/otp", "/")
	code, step = c.dev.next_code()
	r = b.submit(b.get("/otp"), "/otp", {"code": code})
	check_redirect("a fresh code logs in", r, "/")


if __name__ == "__main__":
	main()
