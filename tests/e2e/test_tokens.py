#!/usr/bin/env python3
"""Personal access tokens for researchers' scripts (api-tokens = on; off by
default): made at /account/tokens after a full login and the current
password, for subjects unlocked in that session only; shown once, kept as a
keyed hash (the database's bytes never hold it), mailed about; with curl,
Authorization: Bearer works on GET /api/v1/files (JSON) and GET /files/ID
(with Range) and nowhere else; refused when wrong, malformed, expired,
revoked, after a password change, an authenticator reset or a disabled
account, and for a subject no longer granted; wrong tokens throttled per
address; every use audited. The README's curl loop, run for real."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}
TOKEN = re.compile(r"kluis_[0-9a-f]{64}")
MAX_IP_FAILURES = 6
_src = [10]


def source():
	"""A loopback address of its own: refusals elsewhere do not add up."""
	_src[0] += 1
	return "127.0.3.%d" % _src[0]


def curl(url, token=None, *extra, src="127.0.0.1"):
	"""curl URL with the token; (status, body bytes, headers text)."""
	d = tempfile.mkdtemp(prefix="kluis-curl-")
	try:
		cmd = ["curl", "-sS", "--interface", src, "-D", os.path.join(d, "h"),
		    "-o", os.path.join(d, "b")]
		if token is not None:
			cmd += ["-H", "Authorization: Bearer %s" % token]
		cmd += list(extra) + [url]
		p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
		    timeout=60)
		with open(os.path.join(d, "h"), "rb") as f:
			head = f.read().decode("latin-1")
		with open(os.path.join(d, "b"), "rb") as f:
			body = f.read()
		m = re.findall(r"^HTTP/[\d.]+ (\d+)", head, re.M)
		return (int(m[-1]) if m else 0), body, head
	finally:
		shutil.rmtree(d, ignore_errors=True)


def api(token, src="127.0.0.1"):
	status, body, head = curl(state["srv"].url + "/api/v1/files", token,
	    src=src)
	try:
		return status, json.loads(body), head
	except ValueError:
		return status, None, head


def make_token(b, name, subjects, days="30", expect=200):
	"""POST /account/tokens like a browser; the token shown, or the response."""
	r = b.get("/account/tokens")
	require_page("GET /account/tokens", r, "account_tokens")
	fields = [("name", name), ("days", days), ("current_password",
	    b.password), ("csrf", r.csrf)] + [("subject", s) for s in subjects]
	r = b.request("POST", "/account/tokens", urllib.parse.urlencode(fields))
	if expect != 200:
		return r.shown()
	check_redirect("POST /account/tokens -> the page of the new token", r,
	    "/account/tokens/new")
	r = r.shown()
	require_page("the new token's page shows it", r, "token_created")
	m = TOKEN.search(r.page.ids.get("token", ""))
	require("the token is shown: kluis_ and 64 hex digits", m, r.page.ids)
	return m.group(0)


def audit_count(event, uid=None):
	if uid is None:
		return db_rows(state["srv"], "SELECT count(*) FROM audit WHERE "
		    "event = ?", (event,))[0][0]
	return db_rows(state["srv"], "SELECT count(*) FROM audit WHERE event = ? "
	    "AND user_id = ?", (event, uid))[0][0]


def uid(addr):
	return db_rows(state["srv"], "SELECT id FROM users WHERE email = ?",
	    (addr,))[0][0]


def src_file(name, data):
	d = os.path.join(state["srv"].data, "src")
	os.makedirs(d, exist_ok=True)
	p = os.path.join(d, name)
	with open(p, "wb") as f:
		f.write(data)
	return p


@scenario
def off_by_default():
	"""Without api-tokens: no token pages, no API, a Bearer grants nothing"""
	srv = temp_server()
	a = journey(srv, srv.admin_email, srv.admin_password)
	r = a.browser.get("/account/tokens")
	check("/account/tokens is 404", r.status == 404, r.summary())
	check("the account page does not offer tokens", "/account/tokens" not in
	    a.browser.get("/account").text)
	status, _, _ = curl(srv.url + "/api/v1/files", "kluis_" + "0" * 64)
	check("/api/v1/files is 404, with or without a token", status == 404 and
	    curl(srv.url + "/api/v1/files")[0] == 404, status)
	status, _, head = curl(srv.url + "/files/1", "kluis_" + "0" * 64)
	check("a Bearer on /files/ID is ignored: to /login", status == 303 and
	    "/login" in head, head)
	srv.cleanup()


@scenario
def setup():
	"""A server with api-tokens; readers, subjects, versions"""
	srv = temp_server("--api-tokens", "--max-ip-failures",
	    str(MAX_IP_FAILURES))
	state["srv"] = srv
	for code in ("DakMon", "Other", "Third"):
		cli_ok(srv, "subject", "add", code, "--title", "Onderwerp " + code)
	pa = srv.user_add("alice@example.nl", name="Alice")
	pb = srv.user_add("bob@example.nl", name="Bob")
	state["alice"] = journey(srv, "alice@example.nl", temp_password=pa)
	state["bob"] = journey(srv, "bob@example.nl", temp_password=pb)
	state["va"] = grant(srv, "alice@example.nl", "DakMon")
	state["vo"] = grant(srv, "alice@example.nl", "Other")
	state["vb"] = grant(srv, "bob@example.nl", "DakMon")
	data = {"v1": b"op-orde 1\n" + os.urandom(2000),
	    "v2": b"op-orde 2\n" + os.urandom(3000),
	    "csv": os.urandom(200000), "other": b"ander\n", "bob": b"bob\n"}
	state["data"] = data
	state["v1"] = publish(srv, "DakMon", src_file("op-orde.pdf", data["v1"]))
	state["v2"] = publish(srv, "DakMon", src_file("op-orde.pdf", data["v2"]))
	state["csv"] = publish(srv, "DakMon", src_file("data.csv", data["csv"]),
	    "--name", 'gek "naam" & <b>~met\u00e9.csv')
	state["other"] = publish(srv, "Other", src_file("o.txt", data["other"]))
	state["bobs"] = publish(srv, "DakMon", src_file("b.txt", data["bob"]),
	    "--to", "bob@example.nl")


@scenario
def create():
	"""Made after the password, for unlocked subjects only; shown once; mailed"""
	srv, a = state["srv"], state["alice"]
	b = a.browser
	check("the account page links the tokens", "/account/tokens" in
	    b.get("/account").text)
	r = b.get("/account/tokens")
	require_page("GET /account/tokens", r, "account_tokens")
	check_forms_csrf(r)
	boxes = {i.get("value"): i for i in r.page.form("/account/tokens")
	    ["inputs"] if i.get("name") == "subject"}
	check("locked subjects cannot be ticked", set(boxes) ==
	    {"DakMon", "Other"} and all("disabled" in i for i in boxes.values()),
	    boxes)
	r = make_token(b, "script", ["DakMon"], expect=403)
	check("a subject not unlocked in this session is refused (403)",
	    r.status == 403 and r.errors, r.summary())
	unlock(b, "DakMon", state["va"])
	good = b.password
	b.password = "not-the-password-at-all"
	r = make_token(b, "script", ["DakMon"], expect=401)
	b.password = good
	check("a wrong current password is refused (401)", r.status == 401 and
	    r.errors, r.summary())
	check("... on the form again, with the name, the days and the subject "
	    "it had (Post/Redirect/Get)", r.path == "/account/tokens" and
	    'value="script"' in r.text and re.search(r'value="DakMon"[^>]*'
	    r'checked', r.text) and re.search(r'value="30" selected', r.text),
	    r.text[:3000])
	r = b.get("/account/tokens")
	r = b.request("POST", "/account/tokens", urllib.parse.urlencode([
	    ("name", "x"), ("days", "30"), ("subject", "DakMon"),
	    ("csrf", r.csrf)])).shown()
	check("without the current password: 400", r.status == 400, r.summary())
	for days in ("91", "0", "abc"):
		r = make_token(b, "script", ["DakMon"], days=days, expect=400)
		check("%s days is refused" % days, r.status == 400, r.summary())
	r = make_token(b, "script", ["Third"], expect=400)
	check("a subject not granted is refused", r.status == 400, r.summary())
	r = make_token(b, "", ["DakMon"], expect=400)
	check("a name is needed", r.status == 400, r.summary())
	r = make_token(b, "script", [], expect=400)
	check("a subject is needed", r.status == 400, r.summary())
	check("nothing was made by those", db_rows(srv, "SELECT count(*) FROM "
	    "api_tokens")[0][0] == 0)

	last = (read_mails(srv) or [(None, None)])[-1][0]
	made = audit_count("token.create", uid(a.email))
	token = make_token(b, "analyse-server", ["DakMon"], days="90")
	state["token"] = token
	r = b.get("/account/tokens/new")
	check("Reload shows the same new token (nothing is posted again)",
	    r.status == 200 and token in r.text, r.summary())
	# A browser sends the token's cookie only to its own path
	# (/account/tokens/new), never to the list: the list must clear it
	# all the same, or the token could be shown again for minutes.
	held = b.cookies.pop("kluis_token", None)
	check("the new token came in its own cookie", held is not None)
	r = b.get("/account/tokens")
	check("the list does not show the token", token not in r.text)
	cleared = [c for c in r.header_all("Set-Cookie")
	    if c.startswith("kluis_token=;")]
	check("the list clears the token's cookie on its path, though the "
	    "browser did not send it there", cleared and
	    "Path=/account/tokens/new" in cleared[0] and "Max-Age=0" in
	    cleared[0], r.header_all("Set-Cookie"))
	r = b.get("/account/tokens/new")
	check("once the list was seen, the token is shown no more: back to the "
	    "list, which says so", r.status == 303 and r.location ==
	    "/account/tokens" and token not in r.text, r.summary())
	r = r.follow()
	check("... with the notice", r.status == 200 and 'id="notice"' in
	    r.text and token not in r.text, r.summary())
	check("token.create is audited", audit_count("token.create",
	    uid(a.email)) == made + 1)
	row = db_rows(srv, "SELECT detail FROM audit WHERE event = "
	    "'token.create' ORDER BY id DESC LIMIT 1")[0][0]
	check("its audit row names the token's name and subject, not the token",
	    "analyse-server" in row and "DakMon" in row and token not in row, row)
	_, msg = newest_mail(srv, a.email, "toegangstoken", after=last)
	if check("the owner is mailed about the new token", msg is not None):
		body = mail_body(msg)
		check("the mail names it and its subject, without the token",
		    "analyse-server" in body and "DakMon" in body and token not in
		    body and token[6:] not in body, body)
	exp = db_rows(srv, "SELECT expires - created FROM api_tokens")[0][0]
	check("90 days at most", exp == 90 * 86400, exp)
	r = b.get("/account/tokens")
	check("the list shows it, never the token again", "analyse-server" in
	    r.page.text and token not in r.text and token[6:] not in r.text,
	    r.page.text[-600:])


@scenario
def hashed_at_rest():
	"""The database's bytes (and the WAL, the outbox) never hold the token"""
	srv, token = state["srv"], state["token"]
	for raw in (token.encode(), token[6:].encode(), bytes.fromhex(token[6:])):
		hits = []
		for root, _, files in os.walk(srv.data):
			for f in files:
				p = os.path.join(root, f)
				if p.endswith((".key",)) or "/src/" in p:
					continue
				with open(p, "rb") as fh:
					if raw in fh.read():
						hits.append(p)
		check("%s... is in no file of the data directory" % raw[:10],
		    not hits, hits)
	out = cli_ok(srv, "user", "export", "alice@example.nl")
	doc = json.loads(out)
	t = doc.get("access_tokens", [])
	check("kluis user export lists the token by name and subject",
	    len(t) == 1 and t[0]["name"] == "analyse-server" and
	    t[0]["subjects"] == ["DakMon"], t)
	check("the export holds neither the token nor its hash",
	    token[6:] not in out and "hash" not in json.dumps(t), t)
	h = db_rows(srv, "SELECT hash FROM api_tokens")[0][0]
	check("what is kept is 32 bytes, not the token's SHA-256",
	    len(h) == 32 and h != hashlib.sha256(token.encode()).digest())


@scenario
def two_routes():
	"""curl with the token: the file list and the files, nothing else"""
	srv, token, data = state["srv"], state["token"], state["data"]
	uses = audit_count("token.use")
	status, js, head = api(token)
	require("GET /api/v1/files is 200 JSON", status == 200 and js is not None,
	    head)
	check("Content-Type application/json", "application/json" in head)
	files = {f["id"]: f for f in js["files"]}
	check("the files of DakMon alice may download, nothing of Other or bob's",
	    sorted(files) == sorted([state["v1"], state["v2"], state["csv"]]),
	    sorted(files))
	check("each with exactly id, name, subject, size, sha256, published, "
	    "superseded", all(set(f) == {"id", "name", "subject", "size",
	    "sha256", "published", "superseded"} for f in files.values()),
	    list(files.values())[:1])
	f = files.get(state["csv"], {})
	check("a hostile name comes back exactly (JSON escaping)",
	    f.get("name") == 'gek "naam" & <b>~met\u00e9.csv', f.get("name"))
	check("sizes, SHA-256s and the subject are the published ones",
	    f.get("size") == len(data["csv"]) and f.get("sha256") ==
	    hashlib.sha256(data["csv"]).hexdigest() and f.get("subject") ==
	    "DakMon", f)
	check("version 1 is superseded, version 2 and data.csv not",
	    files.get(state["v1"], {}).get("superseded") is True and
	    files.get(state["v2"], {}).get("superseded") is False and
	    f.get("superseded") is False, files)
	check("published is an ISO time", re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:"
	    r"\d\dZ$", f.get("published", "")), f)
	status, body, head = curl(srv.url + "/files/%d" % state["v2"], token)
	check("GET /files/ID with the token, no cookie: the file", status == 200
	    and body == data["v2"], head)
	status, body, head = curl(srv.url + "/files/%d" % state["csv"], token,
	    "-r", "100-199")
	check("with a Range: 206 and those bytes", status == 206 and
	    body == data["csv"][100:200], head)
	status, body, _ = curl(srv.url + "/files/%d" % state["v1"], token)
	check("an earlier version, still published, downloads too",
	    status == 200 and body == data["v1"])
	for fid, why in ((state["other"], "a subject the token does not read"),
	    (state["bobs"], "a file published to someone else"), (999999,
	    "no such file")):
		status, _, _ = curl(srv.url + "/files/%d" % fid, token)
		check("%s is 404" % why, status == 404, status)
	check("every use is audited", audit_count("token.use") >= uses + 7,
	    (uses, audit_count("token.use")))
	row = db_rows(srv, "SELECT user_id, addr, detail FROM audit WHERE event "
	    "= 'token.use' ORDER BY id DESC LIMIT 1")[0]
	check("with the owner, the address and the route", row[0] ==
	    uid("alice@example.nl") and row[1] == "127.0.0.1" and
	    "/files/999999" in row[2] and state["token"] not in row[2], row)
	check("a download with the token is in the download log", db_rows(srv,
	    "SELECT count(*) FROM downloads WHERE file_id = ? AND user_id = ?",
	    (state["v2"], uid("alice@example.nl")))[0][0] >= 1)
	r = state["alice"].browser.get("/account/tokens")
	check("the list shows the last use and its address", "127.0.0.1" in
	    r.page.text, r.page.text[-500:])

	# Everywhere else the header grants nothing.
	for path in ("/", "/subjects/DakMon", "/subjects/DakMon.zip",
	    "/account", "/account/tokens", "/admin", "/admin/audit.csv"):
		status, _, head = curl(srv.url + path, token)
		check("GET %s with only the token: to /login" % path,
		    status == 303 and "Location: /login" in head, head)
	status, _, head = curl(srv.url + "/account/tokens", token, "-X", "POST",
	    "-d", "name=x&days=30&subject=DakMon")
	check("POST /account/tokens with only the token is refused",
	    status == 403, head)
	b = Browser(srv, "cookie only")
	b.cookies = dict(state["alice"].browser.cookies)
	r = b.get("/api/v1/files")
	check("/api/v1/files with a session cookie but no token: 401",
	    r.status == 401 and "Bearer" in (r.header("WWW-Authenticate") or ""),
	    r.summary())
	status, _, head = curl(srv.url + "/api/v1/files")
	check("/api/v1/files without anything: 401 with WWW-Authenticate",
	    status == 401 and "WWW-Authenticate: Bearer" in head, head)


def refused(token, label):
	"""The token is refused on both routes, from an address of its own."""
	src = source()
	status, _, head = api(token, src=src)
	check("%s: /api/v1/files is 401 with WWW-Authenticate" % label,
	    status == 401 and 'error="invalid_token"' in head, head)
	status, _, _ = curl(state["srv"].url + "/files/%d" % state["v2"], token,
	    src=src)
	check("%s: /files/ID is 401" % label, status == 401, status)


@scenario
def refusals():
	"""Wrong, malformed, expired, revoked, password changed, reset, disabled, grant revoked"""
	srv, a = state["srv"], state["alice"]
	b = a.browser
	fails = audit_count("token.fail")
	refused("kluis_" + hashlib.sha256(b"x").hexdigest(), "an unknown token")
	refused("kluis_" + "0" * 10, "a malformed token")
	refused(state["token"][:-1] + ("0" if state["token"][-1] != "0" else
	    "1"), "one changed digit")
	check("unknown tokens are audited as token.fail", audit_count(
	    "token.fail") >= fails + 6, audit_count("token.fail"))

	# Expired.
	t = make_token(b, "verloopt", ["DakMon"])
	check("a fresh token works", api(t)[0] == 200)
	db_write(srv, "UPDATE api_tokens SET expires = strftime('%s','now') - 1 "
	    "WHERE name = 'verloopt'")
	refused(t, "an expired token")
	check("it is audited as refused with its owner", db_rows(srv,
	    "SELECT count(*) FROM audit WHERE event = 'token.refused' AND "
	    "user_id = ? AND detail LIKE '%expired%'", (uid(a.email),))[0][0] >= 1)

	# Revoked by its owner.
	t = make_token(b, "intrekken", ["DakMon"])
	tid = db_rows(srv, "SELECT id FROM api_tokens WHERE name = 'intrekken'"
	    )[0][0]
	r = b.get("/account/tokens")
	r = b.submit(r, "/account/tokens/%d/revoke" % tid, {})
	check_redirect("revoke -> the list", r, "/account/tokens?done=revoked")
	refused(t, "a revoked token")
	r = b.get("/account/tokens?done=revoked")
	check("the list says revoked", "ingetrokken" in r.page.text)
	other = state["bob"].browser
	r = other.get("/account/tokens")
	r = other.submit(r, "/account/tokens/%d/revoke" % state_id(
	    "analyse-server"), {})
	check("bob cannot revoke alice's token (404)", r.status == 404,
	    r.summary())
	check("alice's token still works", api(state["token"])[0] == 200)

	# A subject no longer granted.
	unlock(b, "Other", state["vo"])
	t = make_token(b, "twee", ["DakMon", "Other"])
	status, js, _ = api(t)
	check("a token for two subjects lists both", status == 200 and
	    {f["subject"] for f in js["files"]} == {"DakMon", "Other"}, js)
	cli_ok(srv, "revoke", "alice@example.nl", "Other")
	status, js, _ = api(t)
	check("after the grant is revoked, Other is gone from the list",
	    status == 200 and {f["subject"] for f in js["files"]} == {"DakMon"},
	    js)
	status, _, _ = curl(srv.url + "/files/%d" % state["other"], t)
	check("and its file is 404", status == 404, status)

	# A password change revokes every token.
	old = api(state["token"])[0]
	r = b.get("/account")
	newpw = new_password("-nieuw")
	r = b.submit(r, "/account/password", {"password": newpw,
	    "password_confirm": newpw})
	check_redirect("password changed", r, "/account?done=password")
	b.password = a.password = newpw
	check("the token worked before", old == 200)
	refused(state["token"], "after a password change")
	r = b.get("/account/tokens")
	check("the list says why", "wachtwoord gewijzigd" in r.page.text,
	    r.page.text[-600:])

	# Disabled, then an authenticator reset (bob).
	ob = state["bob"]
	unlock(ob.browser, "DakMon", state["vb"])
	t = make_token(ob.browser, "bob-1", ["DakMon"])
	check("bob's token works", api(t)[0] == 200)
	cli_ok(srv, "user", "disable", "bob@example.nl")
	refused(t, "the account disabled")
	cli_ok(srv, "user", "enable", "bob@example.nl")
	refused(t, "enabled again (it stays revoked)")
	ob.browser = later_login(srv, ob, "bob again")
	unlock(ob.browser, "DakMon", state["vb"])
	t = make_token(ob.browser, "bob-2", ["DakMon"])
	check("bob's new token works", api(t)[0] == 200)
	cli_ok(srv, "user", "reset-otp", "bob@example.nl")
	refused(t, "after an authenticator reset")
	check("the revocations are audited", db_rows(srv, "SELECT count(*) "
	    "FROM audit WHERE event = 'token.revoke' AND user_id = ?",
	    (uid("bob@example.nl"),))[0][0] >= 2)


def state_id(name):
	return db_rows(state["srv"], "SELECT id FROM api_tokens WHERE name = ?",
	    (name,))[0][0]


@scenario
def throttled():
	"""Wrong tokens are throttled per address; others are not slowed"""
	srv = state["srv"]
	b = state["alice"].browser
	unlock(b, "DakMon", state["va"])
	good = make_token(b, "na-de-storm", ["DakMon"])
	src = "127.0.4.1"
	got = []
	for i in range(MAX_IP_FAILURES + 2):
		status, _, head = api("kluis_" + "%064x" % i, src=src)
		got.append(status)
	check("after %d wrong tokens: 429" % MAX_IP_FAILURES, got[-1] == 429 and
	    got[:MAX_IP_FAILURES - 1] == [401] * (MAX_IP_FAILURES - 1), got)
	status, _, head = api(good, src=src)
	check("then even a good token from that address waits, with Retry-After",
	    status == 429 and re.search(r"(?im)^Retry-After: \d+", head), head)
	status, _, _ = api(good, src="127.0.4.2")
	check("from another address the good token works", status == 200,
	    status)
	check("the throttled attempts are audited", audit_count(
	    "token.throttled") >= 1)


@scenario
def readme_loop():
	"""The README's curl loop: new files only, SHA-256 checked, run twice"""
	srv, data = state["srv"], state["data"]
	b = state["alice"].browser
	unlock(b, "DakMon", state["va"])
	token = make_token(b, "readme", ["DakMon"])
	with open(os.path.join(KLUIS_SHARE, "README.md")) as f:
		readme = f.read()
	m = re.search(r"<!-- researcher-loop[^>]*-->\s*```sh\n(.*?)```", readme,
	    re.S)
	require("the README has the loop", m)
	work = tempfile.mkdtemp(prefix="kluis-loop-")
	env = dict(os.environ, KLUIS_URL=srv.url, KLUIS_TOKEN=token)
	try:
		p = subprocess.run(["bash", "-c", m.group(1)], cwd=work, env=env,
		    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
		out = p.stdout.decode()
		check("it runs without errors", p.returncode == 0 and not p.stderr,
		    p.stderr)
		got = {}
		for root, _, files in os.walk(os.path.join(work, "kluis-files")):
			for f in files:
				with open(os.path.join(root, f), "rb") as fh:
					got[os.path.relpath(os.path.join(root, f), work)] = \
					    hashlib.sha256(fh.read()).hexdigest()
		want = {hashlib.sha256(data["v2"]).hexdigest(),
		    hashlib.sha256(data["csv"]).hexdigest()}
		check("it fetched the newest version and data.csv, checked",
		    set(got.values()) == want and len(got) == 2, got)
		check("named by subject and id, the name made safe",
		    all(re.match(r"^kluis-files/DakMon/\d+-[A-Za-z0-9._-]+$", k)
		    for k in got), sorted(got))
		check("it said what was new", out.count("new: ") == 2, out)
		p = subprocess.run(["bash", "-c", m.group(1)], cwd=work, env=env,
		    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
		check("a second run fetches nothing", p.returncode == 0 and
		    p.stdout == b"", p.stdout + p.stderr)
		v3 = publish(srv, "DakMon", src_file("op-orde.pdf", b"v3\n"))
		p = subprocess.run(["bash", "-c", m.group(1)], cwd=work, env=env,
		    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
		check("a new version is fetched by the next run", p.stdout.decode()
		    .count("new: ") == 1 and ("/%d-op-orde.pdf" % v3) in
		    p.stdout.decode(), p.stdout + p.stderr)
	finally:
		shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
	main()
