"""Recovery codes: 10 codes shown once and stored hashed; at /otp
"Gebruik een herstelcode" accepts one code once and never again; new codes
void the old ones; bad codes leave the account unchanged."""

from kluis_test import *


def password_login(srv, acct, label):
	b = login(srv, acct.email, acct.password, "/otp", label)
	r = b.get("/otp")
	require_page("GET /otp", r, "otp")
	check("/otp links to the ways on without the phone ('Telefoon kwijt?')",
	    "/otp/lost" in r.page.links and "Telefoon kwijt?" in r.page.text,
	    r.page.links)
	r = b.get("/otp/lost")
	require_page("GET /otp/lost", r, "otp_lost")
	check("it links to the recovery-code form",
	    "/otp/recovery" in r.page.links, r.page.links)
	check("the link reads 'Gebruik een herstelcode'",
	    "Gebruik een herstelcode" in r.page.text, r.page.text[:600])
	r = b.get("/otp/recovery")
	require_page("GET /otp/recovery", r, "otp_recovery")
	return b, r


@scenario
def recovery_codes():
	"""A recovery code works once and never again"""
	srv = temp_server()
	addr = "herstel@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	r = acct.browser.get("/account")
	check("no recovery codes yet", "geen herstelcodes" in r.page.text,
	    r.page.text[:800])
	codes = new_recovery_codes(acct.browser)
	check("10 codes are shown", len(codes) == 10, codes)
	check("the codes differ", len(set(codes)) == len(codes), codes)
	rows = db_rows(srv, "SELECT code_hash FROM recovery_codes")
	dump = b"".join(bytes(r[0]) for r in rows)
	check("10 codes stored", len(rows) == 10, rows)
	check("no code is stored in clear", not any(
	    c.encode() in dump or c.replace("-", "").encode() in dump
	    for c in codes))
	r = acct.browser.get("/account")
	check("the account page counts 10 unused codes",
	    "10 ongebruikte" in r.page.text, r.page.text[:800])
	r = acct.browser.get("/account/recovery/codes.txt")
	check("the codes as a file named in Dutch", r.status == 200 and
	    'filename="herstelcodes.txt"' in (r.header("Content-Disposition")
	    or "") and all(c in r.text for c in codes), r.summary())
	acct.browser.get("/lang?to=en&back=/account")
	r = acct.browser.get("/account/recovery/codes.txt")
	check("in English, a file named in English", 'filename='
	    '"recovery-codes.txt"' in (r.header("Content-Disposition") or ""),
	    r.header("Content-Disposition"))
	acct.browser.get("/lang?to=nl&back=/account")

	# Bad codes: nothing changes.
	b, r = password_login(srv, acct, "bad-recovery")
	before = account_state(srv, addr)
	r = b.submit(r, "/otp/recovery", {"recovery_code": "kort"})
	check_page("a malformed code: 400", r, "otp_recovery", 400)
	check("the error shows what a code looks like",
	    r.errors and "12" in r.errors[0], r.errors)
	check_unchanged("a malformed recovery code", srv, addr, before)
	r = b.submit(r, "/otp/recovery", {"recovery_code": "aaaa-bbbb-cccc"})
	check_page("a wrong code: 401", r, "otp_recovery", 401)
	check_unchanged("a wrong recovery code", srv, addr, before)
	r = b.get("/")
	check_redirect("a wrong code does not log in", r, "/otp")

	# A good one, typed in capitals without dashes: logs in.
	code = codes[3]
	r = b.get("/otp/recovery")
	old = b.session
	r = b.submit(r, "/otp/recovery", {"recovery_code":
	    code.replace("-", " ").upper()})
	require_redirect("a recovery code logs in", r, "/")
	check("the session id changed", b.session != old)
	r = b.get("/")
	check_page("home after the recovery code", r, "home")
	check("mail that a recovery code was used",
	    wait_mail(srv, addr, "herstelcode gebruikt") is not None)
	check("recovery.use audited", "recovery.use" in audit_events(srv, addr))
	r = b.get("/account")
	check("9 unused codes left", "9 ongebruikte" in r.page.text,
	    r.page.text[:800])

	# ... and never again.
	b2, r = password_login(srv, acct, "reuse")
	before = account_state(srv, addr)
	r = b2.submit(r, "/otp/recovery", {"recovery_code": code})
	check_page("the same code again: 401", r, "otp_recovery", 401)
	check("it says the code is used or wrong",
	    r.errors and "al gebruikt" in r.errors[0], r.errors)
	check_unchanged("a used recovery code", srv, addr, before)
	r = b2.get("/")
	check_redirect("still not logged in", r, "/otp")

	# New codes void the old ones.
	fresh = new_recovery_codes(acct.browser)
	check("10 new codes", len(fresh) == 10 and not set(fresh) & set(codes),
	    fresh)
	b3, r = password_login(srv, acct, "old-codes")
	before = account_state(srv, addr)
	r = b3.submit(r, "/otp/recovery", {"recovery_code": codes[5]})
	check_page("an unused code of the old set: 401", r, "otp_recovery", 401)
	check_unchanged("an old recovery code", srv, addr, before)
	r = b3.get("/otp/recovery")
	r = b3.submit(r, "/otp/recovery", {"recovery_code": fresh[0]})
	check_redirect("a new code logs in", r, "/")

	# Recovery codes are only for logged-in-by-password sessions.
	anon = Browser(srv, "anon")
	r = anon.get("/otp/recovery")
	check_redirect("GET /otp/recovery without a login -> /login", r,
	    "/login")
	srv.cleanup()


@scenario
def recovery_throttled():
	"""Wrong recovery codes are throttled per account"""
	srv = temp_server("--max-account-failures", "2")
	addr = "gokker@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	codes = new_recovery_codes(acct.browser)
	b, r = password_login(srv, acct, "guess")
	for i in range(3):
		r = b.get("/otp/recovery")
		r = b.submit(r, "/otp/recovery", {"recovery_code":
		    "aaaa-bbbb-%04d" % i})
	r = b.get("/otp/recovery")
	before = account_state(srv, addr)
	r = b.submit(r, "/otp/recovery", {"recovery_code": codes[0]})
	check_page("after repeated failures even a right code waits (429)", r,
	    "otp_recovery", 429)
	check("the page says how long to wait", r.errors and
	    re.search(r"over (1 minuut|(?!1 )\d+ minuten)", r.errors[0]), r.errors)
	check_unchanged("a throttled recovery code", srv, addr, before)
	srv.cleanup()


if __name__ == "__main__":
	main()
