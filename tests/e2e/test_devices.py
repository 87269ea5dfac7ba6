"""Several phones and the account page: add a second phone and log
in with either; a code is checked only against the chosen phone; removing a
phone needs a valid code and the last phone cannot be removed; the password
change needs the current password and ends other sessions."""

from kluis_test import *

state = {}


def server():
	if "srv" not in state:
		state["srv"] = temp_server()
	return state["srv"]


def otp_login(srv, acct, device, code, expect, label):
	"""/login, then /otp with code for the named device."""
	b = login(srv, acct.email, acct.password, "/otp", label)
	r = b.get("/otp")
	require_page("GET /otp", r, "otp")
	choices = device_choices(r, "/otp")
	r = b.submit(r, "/otp", {"device": choices.get(device, ""),
	    "code": code})
	return b, r, choices


@scenario
def second_phone():
	"""Add a second phone on /account and log in with either"""
	srv = server()
	addr = "twee.telefoons@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	b = acct.browser
	r = b.get("/")
	check("the layout links to Mijn account", "/account" in r.page.links,
	    r.page.links)
	r = b.get("/account")
	require_page("GET /account is the account page", r, "account")
	check_headers("account", r)
	check_forms_csrf(r)
	check("account page lists the phone", "Mijn telefoon" in r.page.text,
	    r.page.text[:600])
	check("the only phone has no remove link",
	    not any(l.endswith("/remove") for l in r.page.links), r.page.links)

	before = account_state(srv, addr)
	r = b.get("/account/add")
	require_page("GET /account/add", r, "account_add")
	secret = enrol_secret(r)
	dev2 = Device(secret, "Nog een telefoon")
	code, step = dev2.next_code()
	r = b.submit(r, "/account/add", {"device_name": "Nog een telefoon",
	    "code": code, "current_password": ""})
	check_page("adding a phone without the current password is refused (400)",
	    r, "account_add", 400)
	r = b.submit(r, "/account/add", {"device_name": "Nog een telefoon",
	    "code": code, "current_password": "niet-mijn-wachtwoord-123"})
	check_page("adding a phone with a wrong current password is refused (401)",
	    r, "account_add", 401)
	check_unchanged("add phone without the password", srv, addr, before)
	r = b.get("/account")
	r = b.submit(r, "/account/recovery", {"current_password": ""})
	check_page("new recovery codes without the current password: 400 on the "
	    "recovery codes page", r, "recovery", 400)
	check_unchanged("recovery codes without the password", srv, addr, before)
	r = b.get("/account/add")
	require_page("GET /account/add", r, "account_add")
	check("add page shows a QR code", r.page.svg_count >= 1, r.text[:300])
	secret = enrol_secret(r)
	dev2 = Device(secret, "Nog een telefoon")
	r = b.submit(r, "/account/add", {"device_name": "Nog een telefoon",
	    "code": other_code(*dev2.window_codes())})
	check_page("a wrong code is refused (401)", r, "account_add", 401)
	check_unchanged("wrong code on /account/add", srv, addr, before)
	code, step = dev2.next_code()
	r = b.submit(r, "/account/add", {"device_name": "Mijn telefoon",
	    "code": code})
	check_page("a name already in use is refused (400)", r, "account_add", 400)
	check("the error says to choose another name",
	    r.errors and "andere naam" in r.errors[0], r.errors)
	check_unchanged("duplicate device name", srv, addr, before)
	r = b.submit(r, "/account/add", {"device_name": "   ", "code": code})
	check_page("an empty name is refused (400)", r, "account_add", 400)
	check_unchanged("empty device name", srv, addr, before)
	r = b.get("/account/add")
	check("reloading /account/add keeps the same secret",
	    enrol_secret(r) == secret, enrol_secret(r))
	r = b.submit(r, "/account/add", {"device_name": "Nog een telefoon",
	    "code": code})
	require_redirect("the right code adds the phone", r, "/account?done=added")
	dev2.accepted(step)
	r = b.get("/account?done=added")
	check("account page lists both phones", "Mijn telefoon" in r.page.text
	    and "Nog een telefoon" in r.page.text, r.page.text[:800])
	check("account page says the phone was added",
	    r.page.ids.get("notice"), r.page.ids)
	check("mail about the added phone",
	    wait_mail(srv, addr, "telefoon toegevoegd") is not None)
	check("device.add audited twice (enrolment and account)",
	    audit_events(srv, addr).count("device.add") == 2,
	    audit_events(srv, addr))

	# Log in with phone 2, after phone 1's code was refused for it.
	before = account_state(srv, addr)
	code1, _ = acct.device.next_code()
	b2, r, choices = otp_login(srv, acct, "Nog een telefoon", code1, None,
	    "phone2")
	check("/otp shows both names as a radio list",
	    set(choices) == {"Mijn telefoon", "Nog een telefoon"}, choices)
	check_page("phone 1's code is refused when phone 2 is chosen (401)", r,
	    "otp", 401)
	check_unchanged("phone 1's code for phone 2", srv, addr, before)
	code2, step2 = dev2.next_code()
	r = b2.submit(r, "/otp", {"device": choices["Nog een telefoon"],
	    "code": code2})
	check_redirect("phone 2's code logs in with phone 2 chosen", r, "/")
	dev2.accepted(step2)

	# ... and with phone 1. The code of phone 1 sent for phone 2 was spent
	# on phone 1 when the hint named it: someone guessing codes gains
	# nothing from trying them against every phone.
	acct.device.accepted(_step_of(acct.device, code1))
	b1, r, _ = otp_login(srv, acct, "Mijn telefoon", code1, None, "phone1")
	check_page("phone 1's code, spent by the hint, is refused for phone 1 "
	    "too (401)", r, "otp", 401)
	code1, step1 = acct.device.next_code()
	b1, r, _ = otp_login(srv, acct, "Mijn telefoon", code1, "/", "phone1b")
	check_redirect("phone 1's next code logs in with phone 1 chosen", r, "/")
	acct.device.accepted(step1)
	dev2.id = choices["Nog een telefoon"]
	state["acct"] = acct
	state["dev2"] = dev2
	state["browser"] = b1


def _step_of(dev, code):
	cur = current_step()
	for s in (cur - 1, cur, cur + 1, cur - 2):
		if code_for_step(dev.secret, s) == code:
			return s
	return cur


@scenario
def remove_phone():
	"""Removing a phone needs a valid code; the last phone stays"""
	srv = server()
	acct, dev2, b = state.get("acct"), state.get("dev2"), state.get("browser")
	require("second_phone ran", acct and dev2 and b)
	addr = acct.email
	url = "/account/devices/%s/remove" % dev2.id
	r = b.get(url)
	require_page("GET %s asks for a code" % url, r, "account_remove")
	check_forms_csrf(r)
	choices = device_choices(r, url)
	check("the remove form offers both phones for the code",
	    len(choices) == 2, choices)

	before = account_state(srv, addr)
	r = b.submit(r, url, {"device": choices["Nog een telefoon"], "code": ""})
	check_page("no code: refused (400)", r, "account_remove", 400)
	check_unchanged("removal without a code", srv, addr, before)
	r = b.submit(r, url, {"device": choices["Nog een telefoon"],
	    "code": other_code(*dev2.window_codes())})
	check_page("a wrong code: refused (401)", r, "account_remove", 401)
	check_unchanged("removal with a wrong code", srv, addr, before)
	# A right code of phone 1 (spent or not, it is not phone 2's).
	code1 = code_for_step(acct.device.secret, current_step())
	r = b.submit(r, url, {"device": choices["Nog een telefoon"],
	    "code": code1})
	check_page("phone 1's code with phone 2 chosen: refused (401)", r,
	    "account_remove", 401)
	check_unchanged("removal with the other phone's code", srv, addr, before)
	used = code_for_step(dev2.secret, dev2.last_step)
	r = b.submit(r, url, {"device": choices["Nog een telefoon"],
	    "code": used})
	check_page("an already used code: refused (401)", r, "account_remove",
	    401)
	check_unchanged("removal with a used code", srv, addr, before)
	r = b.post(url, {"device": choices["Nog een telefoon"], "code": code1},
	    csrf="0" * 64)
	check("a bad csrf token: 403", r.shown().status == 403, r.summary())
	check_unchanged("removal with a bad csrf", srv, addr, before)

	r = b.get(url)
	code2, step2 = dev2.next_code()
	r = b.submit(r, url, {"device": choices["Nog een telefoon"],
	    "code": code2})
	check_redirect("a valid current code removes phone 2", r,
	    "/account?done=removed")
	dev2.accepted(step2)
	after = account_state(srv, addr)
	check("one device left", [d[1] for d in after["devices"]] ==
	    ["Mijn telefoon"], after["devices"])
	check("mail about the removed phone",
	    wait_mail(srv, addr, "telefoon verwijderd") is not None)
	check("device.remove audited", "device.remove" in audit_events(srv, addr))

	# The last phone can only be replaced.
	left = str(after["devices"][0][0])
	url = "/account/devices/%s/remove" % left
	r = b.get(url)
	check_page("GET remove for the last phone explains", r,
	    "account_remove")
	check("it says to add a new phone first",
	    "eerst een nieuwe telefoon" in r.page.text, r.page.text[:600])
	before = account_state(srv, addr)
	r = b.post(url, {"code": code_for_step(acct.device.secret,
	    current_step())})
	check("removing the last phone is refused (409)",
	    r.shown().status == 409, r.summary())
	check_unchanged("removing the last phone", srv, addr, before)
	r = b.get("/account/devices/999999/remove")
	check("a device that is not yours: 404", r.status == 404, r.summary())


@scenario
def change_password():
	"""The password change needs the current password and ends other sessions"""
	srv = server()
	addr = "wachtwoord.wijzigen@example.org"
	acct = journey(srv, addr, srv.user_add(addr))
	other = later_login(srv, acct, "other-session")
	r = other.get("/")
	require_page("the other session is logged in", r, "home")
	b = acct.browser
	r = b.get("/account")
	newpw = new_password("x")
	before = account_state(srv, addr)
	bad = [
	    ("wrong current password", {"current_password": "niet-mijn-wachtwoord",
		"password": newpw, "password_confirm": newpw}, 401),
	    ("no current password", {"current_password": "",
		"password": newpw, "password_confirm": newpw}, 400),
	    ("new passwords differ", {"current_password": acct.password,
		"password": newpw, "password_confirm": newpw + "y"}, 400),
	    ("new password too short", {"current_password": acct.password,
		"password": "kort", "password_confirm": "kort"}, 400),
	    ("new password equals the email", {"current_password": acct.password,
		"password": addr, "password_confirm": addr}, 400),
	    ("new password equals the current", {"current_password":
		acct.password, "password": acct.password,
		"password_confirm": acct.password}, 400),
	]
	for name, fields, status in bad:
		r = b.get("/account")
		r = b.submit(r, "/account/password", fields)
		check_page("%s: refused (%d)" % (name, status), r, "account", status)
		check("%s: the page says what to do" % name, r.errors, r.summary())
		check_unchanged(name, srv, addr, before)
	r = b.get("/account")
	old = b.session
	r = b.submit(r, "/account/password", {"current_password": acct.password,
	    "password": newpw, "password_confirm": newpw})
	require_redirect("a good change -> /account?done=password", r,
	    "/account?done=password")
	check("the session id changed", b.session and b.session != old)
	r = b.get("/account?done=password")
	check_page("this session stays logged in", r, "account")
	r = other.get("/")
	check_redirect("the other session was ended", r, "/login")
	check("mail about the changed password",
	    wait_mail(srv, addr, "wachtwoord is gewijzigd") is not None)
	check("password.change audited", "password.change" in
	    audit_events(srv, addr))
	lb = Browser(srv, "oldpw")
	r = lb.get("/login")
	r = lb.submit(r, "/login", {"email": addr, "password": acct.password})
	check_page("the old password no longer works", r, "login", 401)
	login(srv, addr, newpw, "/otp", "newpw")


if __name__ == "__main__":
	main()
