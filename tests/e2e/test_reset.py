"""Password reset and authenticator reset: /forgot answers alike
for known, unknown and disabled emails; the mailed token works once, only by
POST, not after --reset-ttl, not after a newer token; then the second factor,
then the new password; without either factor an admin resets the
authenticators (kluis requests, kluis user reset-otp); with --reset-reenrols
the link alone leads to enrolment."""

from kluis_test import *

state = {}


def server():
	if "srv" not in state:
		state["srv"] = temp_server()
	return state["srv"]


def strip_csrf(text):
	return re.sub(r'name="csrf" value="[0-9a-f]*"', 'name="csrf"', text)


@scenario
def forgot_identical():
	"""/forgot answers identically for known, unknown and disabled emails"""
	srv = server()
	known, disabled = "bekend@example.org", "uitgeschakeld@example.org"
	srv.user_add(known)
	srv.user_add(disabled)
	db_write(srv, "UPDATE users SET disabled = 1 WHERE email = ?", (disabled,))
	r = Browser(srv).get("/login")
	check("the login page links to 'Wachtwoord vergeten?'",
	    "/forgot" in r.page.links and "Wachtwoord vergeten?" in r.page.text,
	    r.page.links)

	b = Browser(srv, "same-browser")
	answers = {}
	for addr in (known, "onbekend@example.org", disabled):
		b, r = forgot(srv, addr, b)
		answers[addr] = r
	statuses = {a: r.status for a, r in answers.items()}
	check("same answer for all three: 303 to the page that says what "
	    "happens next", len(set(statuses.values())) == 1 and
	    statuses[known] == 303 and len({r.location for r in
	    answers.values()}) == 1 and answers[known].location == "/forgot/sent",
	    statuses)
	bodies = {r.body for r in answers.values()}
	check("byte-identical bodies in one browser session", len(bodies) == 1,
	    "\n----\n".join(r.text for r in answers.values())[:3000])
	headers = {tuple(sorted((k, v) for k, v in r.headers if k.lower() not in
	    ("date",))) for r in answers.values()}
	check("identical headers (apart from Date)", len(headers) == 1, headers)
	# Across fresh browsers only the csrf token may differ.
	other = {}
	for addr in (known, "niemand@example.org", disabled):
		_, r = forgot(srv, addr, Browser(srv, "fresh"))
		other[addr] = strip_csrf(r.follow().text)
	check("identical bodies across browsers once the csrf is removed",
	    len(set(other.values())) == 1)
	check("the answer does not echo the email",
	    all(a not in r.text for a, r in answers.items()))
	tok = wait_reset_token(srv, known, 2)
	check("the known active account got reset links", tok is not None,
	    [str(m["Subject"]) for _, m in read_mails(srv)])
	check("no reset mail to the disabled account",
	    not mails_to(srv, disabled, RESET_SUBJECT))
	check("no reset mail to unknown addresses", not any(
	    "onbekend" in str(m["To"]) or "niemand" in str(m["To"])
	    for _, m in read_mails(srv)))
	msg = mails_to(srv, known, RESET_SUBJECT)[-1][1]
	check("the link stands alone on its own line", any(
	    s.startswith(srv.url + "/reset?token=") for s in mail_secrets(msg)),
	    mail_body(msg))
	rows = db_rows(srv, "SELECT token_hash FROM reset_tokens")
	check("the token is stored hashed", rows and all(
	    tok.encode() not in bytes(r[0]) and bytes.fromhex(tok) != bytes(r[0])
	    for r in rows), rows)
	r = b.get("/forgot")
	r = b.submit(r, "/forgot", {"email": ""})
	check_page("an empty email: 400 with advice", r, "forgot", 400)


@scenario
def reset_with_device():
	"""Token by POST only, once; then a device code; then the new password"""
	srv = server()
	addr = "vergeten@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	forgot(srv, addr)
	token = wait_reset_token(srv, addr)
	require("reset mail with a token", token)

	# GET never uses the token.
	before = account_state(srv, addr)
	b = Browser(srv, "reset")
	for path in ("/reset?token=" + token, "/reset/" + token):
		r = b.get(path)
		check_page("GET %s... shows a page with a button" % path[:12], r,
		    "reset")
		form = r.page.form("/reset")
		check("the page's form posts the token",
		    form and form_hidden(form).get("token") == token, form)
		check_headers("reset", r)
	check_unchanged("opening the link (GET)", srv, addr, before)
	for path in ("/reset/verify", "/reset/password", "/"):
		r = b.get(path)
		check_redirect("GET %s after only opening the link -> /login" % path,
		    r, "/login")
	r = b.get("/reset?token=" + token)

	# Bad tokens.
	bad = Browser(srv, "bad-token")
	r2 = bad.get("/reset?token=" + "0" * 64)
	r2 = bad.submit(r2, "/reset", {"token": "0" * 64})
	check_page("an unknown token: 400", r2, "reset", 400)
	check("it says to ask for a new link", "/forgot" in r2.page.links)
	r2 = bad.post("/reset", {"token": "<script>"})
	check_page("a malformed token: 400", r2, "reset", 400)
	check_unchanged("bad tokens", srv, addr, before)

	old = b.session
	r = b.submit(r, "/reset", {})
	require_redirect("POST /reset with the token -> /reset/verify", r,
	    "/reset/verify")
	check("the session id changed", b.session != old)
	again = Browser(srv, "again")
	r2 = again.get("/reset?token=" + token)
	r2 = again.submit(r2, "/reset", {})
	check_page("the token works only once", r2, "reset", 400)
	r = b.get("/reset/password")
	check_redirect("the new password cannot be reached before the code", r,
	    "/reset/verify")
	r = b.get("/")
	check_redirect("nor the home page", r, "/reset/verify")

	r = b.get("/reset/verify")
	require_page("GET /reset/verify", r, "reset_verify")
	check_forms_csrf(r)
	before = account_state(srv, addr)
	r = b.submit(r, "/reset/verify", {"code": other_code(
	    *acct.device.window_codes())})
	check_page("a wrong code: 401", r, "reset_verify", 401)
	r = b.submit(r, "/reset/verify", {"recovery_code": "aaaa-bbbb-cccc"})
	check_page("a wrong recovery code: 401", r, "reset_verify", 401)
	check_unchanged("wrong second factors", srv, addr, before)
	code, step = acct.device.next_code()
	r = b.submit(r, "/reset/verify", {"code": code})
	require_redirect("a device code -> /reset/password", r, "/reset/password")
	acct.device.accepted(step)
	r = b.get("/reset/password")
	require_page("GET /reset/password", r, "reset_password")
	newpw = new_password("r")
	r = b.submit(r, "/reset/password", {"password": newpw,
	    "password_confirm": newpw + "x"})
	check_page("passwords that differ: 400", r, "reset_password", 400)
	r = b.submit(r, "/reset/password", {"password": "kort",
	    "password_confirm": "kort"})
	check_page("a short password: 400", r, "reset_password", 400)
	check_unchanged("bad new passwords", srv, addr, before)
	r = b.submit(r, "/reset/password", {"password": newpw,
	    "password_confirm": newpw})
	require_redirect("a good new password -> /", r, "/")
	check_page("logged in", b.get("/"), "home")
	check_redirect("the session from before the reset has ended",
	    acct.browser.get("/"), "/login")
	check("mail about the changed password",
	    wait_mail(srv, addr, "wachtwoord is gewijzigd") is not None)
	ev = audit_events(srv, addr)
	check("reset audited", all(e in ev for e in ("reset.mail", "reset.link",
	    "reset.verified", "password.reset")), ev)
	lb = Browser(srv, "oldpw")
	r = lb.get("/login")
	r = lb.submit(r, "/login", {"email": addr, "password": acct.password})
	check_page("the old password no longer works", r, "login", 401)
	login(srv, addr, newpw, "/otp", "newpw")


@scenario
def reset_with_recovery_code():
	"""The second factor of a reset may be a recovery code"""
	srv = server()
	addr = "telefoon.kwijt@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	codes = new_recovery_codes(acct.browser)
	forgot(srv, addr)
	token = wait_reset_token(srv, addr)
	b = Browser(srv, "rc")
	r = b.get("/reset?token=" + token)
	r = b.submit(r, "/reset", {})
	require_redirect("POST /reset -> /reset/verify", r, "/reset/verify")
	r = b.get("/reset/verify")
	r = b.submit(r, "/reset/verify", {"recovery_code": codes[0]})
	require_redirect("a recovery code -> /reset/password", r,
	    "/reset/password")
	check("that code is spent", len(account_state(srv, addr)["recovery"])
	    == 9)


@scenario
def newer_token_and_expiry():
	"""A newer token leaves the older live; a token dies after --reset-ttl"""
	srv = server()
	addr = "twee.links@example.org"
	srv.user_add(addr)
	forgot(srv, addr)
	t1 = wait_reset_token(srv, addr, 1)
	forgot(srv, addr)
	t2 = wait_reset_token(srv, addr, 2)
	require("two different tokens", t1 and t2 and t1 != t2, (t1, t2))
	# A stranger who knows the email must not void the link its owner
	# asked for: every link lives until it is used or expires.
	b = Browser(srv, "older")
	r = b.get("/reset?token=" + t1)
	r = b.submit(r, "/reset", {})
	check_redirect("the older token still works (never logged in: the phone "
	    "is linked first)", r, "/enrol")
	b = Browser(srv, "newer")
	r = b.get("/reset?token=" + t2)
	r = b.submit(r, "/reset", {})
	check_redirect("the newer token works (never logged in: the phone is "
	    "linked first)", r, "/enrol")
	before = account_state(srv, addr)
	b = Browser(srv, "again")
	r = b.get("/reset?token=" + t1)
	r = b.submit(r, "/reset", {})
	check_page("a used token is refused", r, "reset", 400)
	check_unchanged("the used token", srv, addr, before)

	short = temp_server("--reset-ttl", "2")
	addr = "te.laat@example.org"
	short.user_add(addr)
	forgot(short, addr)
	tok = wait_reset_token(short, addr)
	b = Browser(short, "late")
	r = b.get("/reset?token=" + tok)
	time.sleep(3)
	before = account_state(short, addr)
	r = b.submit(r, "/reset", {})
	check_page("an expired token is refused", r, "reset", 400)
	check_unchanged("the expired token", short, addr, before)
	short.cleanup()


@scenario
def admin_reset():
	"""Neither factor: the user asks, the admin resets, the user enrols again"""
	srv = server()
	addr = "alles.kwijt@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	forgot(srv, addr)
	token = wait_reset_token(srv, addr)
	b = Browser(srv, "request")
	r = b.get("/reset?token=" + token)
	r = b.submit(r, "/reset", {})
	r = b.get("/reset/verify")
	require_page("GET /reset/verify", r, "reset_verify")
	before = account_state(srv, addr)
	r = b.submit(r, "/reset/request", {})
	check_page("the request is confirmed", r, "reset_requested")
	check_redirect("the reset session is over", b.get("/reset/verify"),
	    "/login")
	after = account_state(srv, addr)
	check("a request changes nothing but the request list",
	    {k: v for k, v in after.items() if k != "requests"} ==
	    {k: v for k, v in before.items() if k != "requests"})
	p = srv.cli("requests", "--data", srv.data)
	check("kluis requests lists the user", p.returncode == 0 and
	    addr in p.stdout.decode(), p.stdout + p.stderr)
	check("the admin was mailed", wait_mail(srv, srv.admin_email,
	    "authenticator opnieuw activeren") is not None)

	p = srv.cli("user", "reset-otp", "nobody@example.org", "--data", srv.data)
	check("reset-otp of an unknown email fails", p.returncode != 0)
	p = srv.cli("user", "reset-otp", addr, "--data", srv.data)
	require("kluis user reset-otp exits 0", p.returncode == 0,
	    p.stdout + p.stderr)
	after = account_state(srv, addr)
	check("no devices, codes or requests left", not after["devices"] and
	    not after["recovery"] and not after["requests"], after)
	p = srv.cli("requests", "--data", srv.data)
	check("the request is gone", addr not in p.stdout.decode(), p.stdout)
	check_redirect("the user's sessions ended", acct.browser.get("/"),
	    "/login")
	check("otp.reset audited", "otp.reset" in audit_events(srv, addr))
	msg = wait_mail(srv, addr, "authenticator is opnieuw ingesteld")
	require("the user is mailed a new temporary password", msg and
	    mail_secret(msg), msg and mail_body(msg))
	temp = mail_secret(msg)
	lb = Browser(srv, "oldpw")
	r = lb.get("/login")
	r = lb.submit(r, "/login", {"email": addr, "password": acct.password})
	check_page("the old password no longer works", r, "login", 401)
	b = login(srv, addr, temp, "/enrol", "after-reset")
	check_redirect("/ is out of reach before enrolling", b.get("/"), "/enrol")
	check_redirect("so is /account", b.get("/account"), "/enrol")
	journey(srv, addr, temp, device_name="Nieuwe telefoon")

	# --keep-password: the user knows their password, lost only the phone.
	addr = "alleen.telefoon.kwijt@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	p = srv.cli("user", "reset-otp", addr, "--keep-password", "--data",
	    srv.data)
	require("reset-otp --keep-password exits 0", p.returncode == 0,
	    p.stdout + p.stderr)
	# Without a phone, the mailbox alone must not stand in for the
	# password of an account that has one of its own: the reset link
	# leads to the second-factor page (recovery code, or ask the
	# administrator), never to linking a phone.
	forgot(srv, addr)
	token = wait_reset_token(srv, addr)
	before = account_state(srv, addr)
	m = Browser(srv, "mailbox-only")
	r = m.get("/reset?token=" + token)
	r = m.submit(r, "/reset", {})
	check_redirect("own password, no phone: the link asks for a second "
	    "factor", r, "/reset/verify")
	check_redirect("the mailbox alone does not reach /enrol",
	    m.get("/enrol"), "/reset/verify")
	after = account_state(srv, addr)
	check("the password stays the account's own (not made temporary)",
	    after["user"] == before["user"], (before["user"], after["user"]))
	b = login(srv, addr, acct.password, "/enrol", "keep")
	check_redirect("with the old password: enrol before /", b.get("/"),
	    "/enrol")


@scenario
def reset_reenrols():
	"""With --reset-reenrols the link alone leads to enrolment"""
	srv = temp_server("--reset-reenrols")
	addr = "opnieuw.koppelen@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	forgot(srv, addr)
	token = wait_reset_token(srv, addr)
	b = Browser(srv, "reenrol")
	before = account_state(srv, addr)
	r = b.get("/reset?token=" + token)
	check_page("GET shows the button", r, "reset")
	check_unchanged("GET in reenrol mode", srv, addr, before)
	r = b.submit(r, "/reset", {})
	require_redirect("POST /reset -> /enrol", r, "/enrol")
	check("the devices are gone", not account_state(srv, addr)["devices"])
	check_redirect("the old session ended", acct.browser.get("/"), "/login")
	check_redirect("/ is out of reach", b.get("/"), "/enrol")
	r = b.get("/enrol")
	require_page("GET /enrol", r, "enrol")
	dev = Device(enrol_secret(r), "Nieuwe telefoon")
	code, step = dev.next_code()
	r = b.submit(r, "/enrol", {"device_name": dev.name, "code": code})
	require_redirect("enrolled -> /password", r, "/password")
	dev.accepted(step)
	newpw = new_password("e")
	r = b.get("/password")
	r = b.submit(r, "/password", {"password": newpw,
	    "password_confirm": newpw})
	require_redirect("new password -> /otp", r, "/otp")
	code, step = dev.next_code()
	r = b.get("/otp")
	r = b.submit(r, "/otp", {"code": code})
	require_redirect("fresh code -> / (after linking a phone: the recovery "
	    "codes are offered first)", r, "/account/recovery")
	check("mail about the authenticator reset", wait_mail(srv, addr,
	    "authenticator is opnieuw ingesteld") is not None)
	srv.cleanup()


if __name__ == "__main__":
	main()
