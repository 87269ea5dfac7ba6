#!/usr/bin/env python3
"""Subjects and downloads, end to end: `kluis grant` emails a validation code,
the user unlocks the subject with it and downloads a file whose SHA-256 matches
the published one; and every refusal: other users' files, locked, expired
unlocks, revoked, unpublished, expired files, codes of other subjects, bad and
multiple Ranges, hostile file names, throttled wrong codes."""

import hashlib
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}
# Control characters, slashes and dots up front are refused at publishing
# (test_hostile.py); what stays is still hostile to headers and HTML.
HOSTILE = 'we"ird <b onclick=x>; Set-Cookie: x=1 caf\u00e9 \u65e5\u672c.csv'


def write_file(path, data):
	with open(path, "wb") as f:
		f.write(data)
	return path


def files_table(srv, code):
	"""`kluis files CODE` as {id: (downloads, state)}."""
	out = cli_ok(srv, "files", code)
	rows = {}
	for line in out.splitlines()[1:]:
		f = line.split()
		if len(f) >= 7 and f[0].isdigit():
			rows[int(f[0])] = (int(f[5]), f[6])
	return rows


def file_links(resp):
	return sorted(int(m) for m in re.findall(r'href="/files/(\d+)"', resp.text))


def get_file(b, fid, headers=None, method="GET"):
	return b.request(method, "/files/%d" % fid, headers=headers)


def check_locked(name, r, code):
	"""A download of a locked subject: the subject's page, which asks for
	the validation code and says why (403), instead of a failed file."""
	check("%s: 303 to the subject's page" % name, r.status == 303 and
	    r.location == "/subjects/%s" % code, r.summary())
	p = r.follow()
	check("%s: that page asks for the validation code (403)" % name,
	    p.status == 403 and p.name == "subject" and p.page.form(
	    "/subjects/%s/unlock" % code) is not None and p.errors and
	    "validatiecode opnieuw" in p.errors[0], p.summary())


@scenario
def setup():
	"""Two users, two subjects, grants by CLI, files published by CLI"""
	srv = temp_server()
	state["srv"] = srv
	tmp = os.path.join(srv.data, "src")
	os.makedirs(tmp)
	p = srv.cli("subject", "--help")
	check("kluis subject --help exits 0", p.returncode == 0)
	for cmd in ("grant", "revoke", "publish", "files", "unpublish"):
		p = srv.cli(cmd, "--help")
		check("kluis %s --help exits 0 and names --data" % cmd,
		    p.returncode == 0 and b"--data" in p.stdout, p.stdout)
	cli_ok(srv, "subject", "add", "DakMon", "--title", "Dakloosheidsmonitor",
	    "--description", "Het op-orde-rapport per gemeente.")
	cli_ok(srv, "subject", "add", "Other", "--title", "Ander onderzoek")
	pa = srv.user_add("alice@example.nl", name="Alice")
	pb = srv.user_add("bob@example.nl", name="Bob")
	state["alice"] = journey(srv, "alice@example.nl", temp_password=pa)
	state["bob"] = journey(srv, "bob@example.nl", temp_password=pb)
	r = state["alice"].browser.get("/")
	check("before any grant / still says no subjects yet",
	    "Nog geen onderwerpen" in r.text, r.text[-800:])
	state["code_a"] = grant(srv, "alice@example.nl", "DakMon")
	state["code_a_other"] = grant(srv, "alice@example.nl", "Other")
	state["code_b"] = grant(srv, "bob@example.nl", "DakMon")
	check("validation codes have at least 10 characters",
	    len(state["code_a"].replace("-", "")) >= 10, state["code_a"])
	check("codes differ per user and subject", len({state["code_a"],
	    state["code_a_other"], state["code_b"]}) == 3)
	p = srv.cli("grant", "alice@example.nl", "DakMon", "--data", srv.data)
	check("granting twice without --resend is refused", p.returncode != 0)
	data = os.urandom(3 * 1024 * 1024 + 17)
	state["data"] = data
	last = (read_mails(srv) or [(None, None)])[-1][0]
	state["f_all"] = publish(srv, "DakMon", write_file(os.path.join(tmp,
	    "op-orde-2024.csv"), data))
	_, msg = newest_mail(srv, "bob@example.nl", "Nieuw bestand", after=last)
	if check("every grantee gets a new-file mail", msg is not None):
		body = mail_body(msg)
		check("the new-file mail holds no validation code and no file",
		    state["code_b"] not in body and not msg.is_multipart() and
		    "op-orde-2024.csv" in body, body)
	state["f_hostile"] = publish(srv, "DakMon", write_file(os.path.join(tmp,
	    "h.bin"), b"hostile\n"), "--name", HOSTILE, "--to",
	    "alice@example.nl")
	state["f_bob"] = publish(srv, "DakMon", write_file(os.path.join(tmp,
	    "b.txt"), b"only for bob\n"), "--to", "bob@example.nl")
	state["f_other"] = publish(srv, "Other", write_file(os.path.join(tmp,
	    "o.pdf"), b"%PDF-1.4 other\n"))
	p = srv.cli("publish", "DakMon", os.path.join(tmp, "b.txt"), "--to",
	    "nobody@example.nl", "--data", srv.data)
	check("publishing to an account without a grant is refused",
	    p.returncode != 0)


@scenario
def journey_download():
	"""Grant -> emailed code -> unlock -> download whose SHA-256 matches"""
	srv, a = state["srv"], state["alice"]
	b = a.browser
	r = b.get("/")
	check_page("GET / is the home page", r, "home")
	check("/ lists DakMon and Other", "/subjects/DakMon" in r.text and
	    "/subjects/Other" in r.text, r.text[-1500:])
	check("/ no longer says there are no subjects",
	    "Nog geen onderwerpen" not in r.text)
	check("/ counts the files alice can see (2) and marks them new",
	    "2 bestanden" in r.text and "nieuw" in r.text, r.text[-1500:])
	r = b.get("/subjects/DakMon")
	check_page("GET /subjects/DakMon is the subject page", r, "subject")
	form = r.page.form("/subjects/DakMon/unlock")
	check("the locked page asks for validation_code", form and any(
	    i.get("name") == "validation_code" for i in form["inputs"]))
	check("the locked page lists no files", file_links(r) == [])
	check_forms_csrf(r)
	check_headers("subject", r)
	r = get_file(b, state["f_all"])
	check_locked("GET /files/id while locked", r, "DakMon")
	r = unlock(b, "DakMon", state["code_a_other"])
	check("the code of Other does not unlock DakMon (401)",
	    r.shown().status == 401 and r.errors, r.summary())
	r = b.post("/subjects/DakMon/unlock", {"validation_code": "x"})
	check("a malformed code is 400 with advice", r.shown().status == 400
	    and r.errors and "12" in r.errors[0], r.summary())
	r = b.post("/subjects/DakMon/unlock", {"validation_code":
	    state["code_a"]}, csrf=None)
	check("unlock without csrf is 403", r.status == 403, r.summary())
	check_locked("still locked after those refusals",
	    get_file(b, state["f_all"]), "DakMon")
	typed = state["code_a"].replace("-", " ").lower()
	r = unlock(b, "DakMon", typed)
	check_redirect("the right code (typed in lowercase, spaces) unlocks",
	    r, "/subjects/DakMon")
	r = b.get("/subjects/DakMon")
	check("the unlocked page lists alice's two files", file_links(r) ==
	    sorted([state["f_all"], state["f_hostile"]]), file_links(r))
	sha = hashlib.sha256(state["data"]).hexdigest()
	check("the page shows the SHA-256 and the size in human units",
	    sha in r.text and "3,1 MB" in r.text, r.text[-2000:])
	check("the page says not downloaded yet", "nog niet" in r.text)
	r = get_file(b, state["f_all"])
	check("GET /files/id is 200", r.status == 200, r.summary())
	check("the download's SHA-256 matches the published file",
	    hashlib.sha256(r.body).hexdigest() == sha)
	check("Content-Type from the name", r.header("Content-Type", "")
	    .startswith("text/csv"), r.header("Content-Type"))
	check("Content-Length is the size", r.header("Content-Length") ==
	    str(len(state["data"])), r.header("Content-Length"))
	check("strong ETag is the SHA-256", r.header("ETag") == '"%s"' % sha,
	    r.header("ETag"))
	check("Accept-Ranges: bytes", r.header("Accept-Ranges") == "bytes")
	cd = r.header("Content-Disposition", "")
	check("Content-Disposition attachment with both names", cd ==
	    "attachment; filename=\"op-orde-2024.csv\"; "
	    "filename*=UTF-8''op-orde-2024.csv", cd)
	check("the download is not cacheable", "no-store" in
	    r.header("Cache-Control", ""))
	r = get_file(b, state["f_all"], method="HEAD")
	check("HEAD /files/id is 200 with Content-Length and no body",
	    r.status == 200 and r.body == b"" and r.header("Content-Length") ==
	    str(len(state["data"])), r.summary())
	r = b.get("/subjects/DakMon")
	check("the page now shows when alice last downloaded it",
	    re.search(r"file-%d\".*?\d{1,2} [a-z]+ \d{4} om \d\d:\d\d" %
	    state["f_all"], r.text, re.S) is not None)
	rows = files_table(srv, "DakMon")
	check("kluis files counts the download (HEAD not counted)",
	    rows.get(state["f_all"], (0,))[0] == 1, rows)
	r = b.get("/subjects/Other")
	check("Other is still locked", file_links(r) == [] and
	    r.page.form("/subjects/Other/unlock") is not None)


@scenario
def ranges():
	"""Range: single, suffix, open, 416, multi, malformed, If-Range"""
	b, fid, data = state["alice"].browser, state["f_all"], state["data"]
	n = len(data)
	etag = '"%s"' % hashlib.sha256(data).hexdigest()
	cases = [
	    ("bytes=0-99", 206, 0, 100),
	    ("bytes=100-199", 206, 100, 100),
	    ("bytes=-10", 206, n - 10, 10),
	    ("bytes=%d-" % (n - 5), 206, n - 5, 5),
	    ("bytes=0-%d" % (n * 2), 206, 0, n),
	]
	for h, status, off, ln in cases:
		r = get_file(b, fid, {"Range": h})
		check("Range %s -> %d with the right bytes" % (h, status),
		    r.status == status and r.body == data[off:off + ln] and
		    r.header("Content-Range") == "bytes %d-%d/%d" % (off,
		    off + ln - 1, n), r.summary() + " " + str(r.header(
		    "Content-Range")))
	for h in ("bytes=%d-" % n, "bytes=%d-%d" % (n + 10, n + 20), "bytes=-0"):
		r = get_file(b, fid, {"Range": h})
		check("Range %s -> 416 with Content-Range bytes */%d" % (h, n),
		    r.status == 416 and r.header("Content-Range") ==
		    "bytes */%d" % n, r.summary())
	for h in ("bytes=0-1,5-6", "bytes=0-0,-1", "bytes=abc", "bytes=5-2",
	    "items=0-5", "bytes=1-2-3", "bytes 0-5"):
		r = get_file(b, fid, {"Range": h})
		check("Range %r -> 200 with the whole file" % h, r.status == 200
		    and r.body == data and r.header("Content-Range") is None,
		    r.summary())
	r = get_file(b, fid, {"Range": "bytes=0-9", "If-Range": etag})
	check("If-Range with the ETag -> 206", r.status == 206 and
	    r.body == data[:10], r.summary())
	for ir in ('"0000"', 'W/' + etag, "Tue, 01 Jan 2030 00:00:00 GMT"):
		r = get_file(b, fid, {"Range": "bytes=0-9", "If-Range": ir})
		check("If-Range %s -> 200 whole file" % ir[:12], r.status == 200
		    and len(r.body) == n, r.summary())


@scenario
def conditional_requests():
	"""If-None-Match with the file's own ETag: 304, audited; static files too"""
	b, fid, data = state["alice"].browser, state["f_all"], state["data"]
	srv = state["srv"]
	etag = '"%s"' % hashlib.sha256(data).hexdigest()
	before = db_rows(srv, "SELECT count(*) FROM audit WHERE event = "
	    "'download.not_modified'")[0][0]
	for inm in (etag, "W/" + etag, '"0000", ' + etag, "*"):
		r = get_file(b, fid, {"If-None-Match": inm})
		check("If-None-Match %s -> 304 without a body" % inm[:14],
		    r.status == 304 and r.body == b"" and
		    r.header("ETag") == etag, r.summary())
	after = db_rows(srv, "SELECT count(*) FROM audit WHERE event = "
	    "'download.not_modified'")[0][0]
	check("each 304 is audited as such", after - before == 4,
	    (before, after))
	r = get_file(b, fid, {"If-None-Match": '"0000"'})
	check("another ETag -> 200 with the file", r.status == 200 and
	    r.body == data, r.summary())
	anon = Browser(srv, "anon")
	r = anon.get("/static/kluis.css")
	tag = r.header("ETag")
	check("a static file has an ETag", r.status == 200 and tag, r.summary())
	r = anon.request("GET", "/static/kluis.css", headers={
	    "If-None-Match": tag or '"x"'})
	check("If-None-Match on a static file -> 304", r.status == 304 and
	    r.body == b"", r.summary())


@scenario
def hostile_name():
	"""A file name with quotes, markup, a header and non-ASCII is served safely"""
	b, fid = state["alice"].browser, state["f_hostile"]
	r = b.get("/subjects/DakMon")
	check("the page shows the name escaped, no injected markup",
	    "we&quot;ird" in r.text or "we&#34;ird" in r.text, r.text[-2500:])
	r = get_file(b, fid)
	check("GET hostile file is 200", r.status == 200 and
	    r.body == b"hostile\n", r.summary())
	cd = r.header("Content-Disposition", "")
	check("no header was injected", r.header("Set-Cookie") is None or
	    "x=1" not in (r.header("Set-Cookie") or ""), r.headers)
	m = re.match(r"""^attachment; filename="([ -!#-\[\]-~]*)"; """
	    r"""filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)$""", cd)
	if check("Content-Disposition is quoted ASCII + RFC 8187 value", m, cd):
		fallback, star = m.group(1), urllib.parse.unquote(m.group(2))
		check("the fallback has no quote, slash or backslash",
		    not set(fallback) & set('"/\\'), fallback)
		check("filename* decodes to UTF-8 without slashes or controls, "
		    "keeping caf\u00e9 and \u65e5\u672c", "/" not in star and
		    "\\" not in star and not re.search(r"[\x00-\x1f]", star) and
		    "caf\u00e9 \u65e5\u672c.csv" in star, star)
	check("a name without a known extension is octet-stream",
	    r.header("Content-Type", "").startswith("text/csv") or
	    r.header("Content-Type") == "application/octet-stream",
	    r.header("Content-Type"))


@scenario
def other_users_files():
	"""User A cannot fetch user B's file by id, nor guessed ids"""
	srv = state["srv"]
	a, bob = state["alice"].browser, state["bob"].browser
	before = files_table(srv, "DakMon")
	r404 = get_file(a, state["f_bob"])
	check("alice (DakMon unlocked) gets 404 for bob's file", r404.status ==
	    404, r404.summary())
	for path in ("/files/999999", "/files/0", "/files/-1", "/files/abc",
	    "/files/01", "/files/1e3", "/files/%20" + str(state["f_bob"])):
		r = a.get(path)
		check("GET %s is 404" % path, r.status == 404, r.summary())
	r = get_file(a, state["f_other"])
	check_locked("alice's file of a locked subject (Other)", r, "Other")
	r = unlock(bob, "DakMon", state["code_b"])
	check_redirect("bob unlocks DakMon with his own code", r,
	    "/subjects/DakMon")
	check("bob downloads his own file", get_file(bob, state["f_bob"]).body ==
	    b"only for bob\n")
	for fid in (state["f_hostile"], state["f_other"]):
		r = get_file(bob, fid)
		check("bob gets 404 for alice-only file %d" % fid, r.status == 404,
		    r.summary())
	r = bob.get("/subjects/Other")
	check("bob gets 404 for a subject he was not granted", r.status == 404)
	r = bob.post("/subjects/Other/unlock", {"validation_code":
	    state["code_a_other"]})
	check("alice's code of Other does not let bob unlock it (404)",
	    r.status == 404, r.summary())
	r = unlock(a, "Other", state["code_b"])
	check("bob's DakMon code does not unlock alice's Other",
	    r.shown().status == 401, r.summary())
	after = files_table(srv, "DakMon")
	check("refusals change no download counts", {k: v for k, v in
	    after.items() if k != state["f_bob"]} == {k: v for k, v in
	    before.items() if k != state["f_bob"]}, (before, after))
	r = Browser(srv).get("/files/%d" % state["f_all"])
	check_redirect("without a session /files/id redirects to /login, and "
	    "back after", r, "/login?next=/files/%d" % state["f_all"])


@scenario
def throttling():
	"""Wrong validation codes are throttled per user and subject; the page says when"""
	a = state["alice"].browser
	wrong = "ABCD-EFGH-JKMN"
	statuses = []
	# other_users_files already made one wrong try on (alice, Other).
	for i in range(4):
		statuses.append(unlock(a, "Other", wrong).shown().status)
	check("5 wrong codes in all are each 401", statuses == [401] * 4,
	    statuses)
	r = unlock(a, "Other", wrong)
	check("the 6th is 429 and says when to try again", r.shown().status ==
	    429 and r.header("Retry-After") and
	    r.errors and re.search(r"over (1 minuut|(?!1 )\d+ minuten)", r.errors[0]), r.summary())
	r = unlock(a, "Other", state["code_a_other"])
	check("while throttled even the right code is refused (429)",
	    r.shown().status == 429 and r.errors and
	    re.search(r"over (1 minuut|(?!1 )\d+ minuten)", r.errors[0]),
	    r.summary())
	check_locked("Other stays locked", get_file(a, state["f_other"]), "Other")
	check("DakMon (another subject) stays unlocked for alice",
	    get_file(a, state["f_all"], {"Range": "bytes=0-0"}).status == 206)


@scenario
def expired_file():
	"""A file published with --expires is not downloadable after it"""
	srv, b = state["srv"], state["alice"].browser
	path = write_file(os.path.join(srv.data, "src", "soon.txt"), b"soon\n")
	fid = publish(srv, "DakMon", path, "--expires", "@%d" % (time.time() + 3))
	check("before expiry it downloads", get_file(b, fid).status == 200)
	p = srv.cli("publish", "DakMon", path, "--expires", "2001-01-01",
	    "--data", srv.data)
	check("--expires in the past is refused", p.returncode != 0)
	time.sleep(4)
	r = get_file(b, fid)
	check("after expiry it is 404", r.status == 404, r.summary())
	check("after expiry it is not listed", fid not in
	    file_links(b.get("/subjects/DakMon")))
	check("kluis files shows it expired", files_table(srv, "DakMon")
	    .get(fid, (0, ""))[1] == "expired")


@scenario
def unpublish():
	"""After kluis unpublish the file is gone"""
	srv, b = state["srv"], state["alice"].browser
	path = write_file(os.path.join(srv.data, "src", "gone.txt"),
	    b"to be withdrawn\n")
	fid = publish(srv, "DakMon", path)
	check("published file downloads", get_file(b, fid).status == 200)
	sha = hashlib.sha256(b"to be withdrawn\n").hexdigest()
	cli_ok(srv, "unpublish", str(fid))
	r = get_file(b, fid)
	check("after unpublish it is 404", r.status == 404, r.summary())
	check("after unpublish it is not listed", fid not in
	    file_links(b.get("/subjects/DakMon")))
	check("its content is deleted", not os.path.exists(os.path.join(
	    srv.data, "files", sha)))
	p = srv.cli("unpublish", str(fid), "--data", srv.data)
	check("unpublishing twice says so (exit 1)", p.returncode == 1)


@scenario
def publish_leftovers():
	"""A failed publish leaves nothing; leftovers are swept at the next start"""
	srv = state["srv"]
	files = os.path.join(srv.data, "files")
	before = sorted(os.listdir(files))
	n = len(files_table(srv, "DakMon"))
	p = srv.cli("publish", "DakMon", "/nonexistent/file", "--data", srv.data)
	check("publishing a missing file fails", p.returncode != 0)
	check("and leaves no file behind", sorted(os.listdir(files)) == before)
	check("and no publication", len(files_table(srv, "DakMon")) == n)
	write_file(os.path.join(files, ".tmp-killed"), b"half")
	write_file(os.path.join(files, "ab" * 32), b"orphan")
	cli_ok(srv, "subject", "list")
	left = os.listdir(files)
	check("a killed publish's temp file and orphan content are swept",
	    ".tmp-killed" not in left and "ab" * 32 not in left, left)
	check("live content stays", hashlib.sha256(state["data"]).hexdigest()
	    in left, left)


@scenario
def resend_and_revoke():
	"""grant --resend kills the old code and unlocks; revoke ends access"""
	srv, bob = state["srv"], state["bob"].browser
	check("bob's DakMon is unlocked", get_file(bob, state["f_bob"])
	    .status == 200)
	new = grant(srv, "bob@example.nl", "DakMon", resend=True)
	check("the resent code differs", new != state["code_b"])
	r = get_file(bob, state["f_bob"])
	check_locked("after --resend the session is locked again", r, "DakMon")
	r = unlock(bob, "DakMon", state["code_b"])
	check("the old code no longer works", r.shown().status == 401,
	    r.summary())
	r = unlock(bob, "DakMon", new)
	check_redirect("the new code works", r, "/subjects/DakMon")
	check("bob downloads again", get_file(bob, state["f_bob"]).status == 200)
	cli_ok(srv, "revoke", "bob@example.nl", "DakMon")
	r = get_file(bob, state["f_bob"])
	check("after revoke the file is 404", r.status == 404, r.summary())
	check("after revoke the subject page is 404",
	    bob.get("/subjects/DakMon").status == 404)
	r = bob.get("/")
	check("after revoke / says no subjects yet", "Nog geen onderwerpen" in
	    r.text and "/subjects/DakMon" not in r.text)
	r = bob.post("/subjects/DakMon/unlock", {"validation_code": new})
	check("after revoke the code unlocks nothing (404)", r.status == 404)


@scenario
def unlock_expiry():
	"""The unlock ends after --unlock-seconds"""
	srv = temp_server("--unlock-seconds", "3")
	pw = srv.user_add("carol@example.nl")
	c = journey(srv, "carol@example.nl", temp_password=pw)
	cli_ok(srv, "subject", "add", "DakMon", "--title", "Dakloosheidsmonitor")
	code = grant(srv, "carol@example.nl", "DakMon")
	tmp = os.path.join(srv.data, "c.txt")
	fid = publish(srv, "DakMon", write_file(tmp, b"carol\n"))
	r = unlock(c.browser, "DakMon", code)
	check_redirect("carol unlocks", r, "/subjects/DakMon")
	check("carol downloads", get_file(c.browser, fid).body == b"carol\n")
	time.sleep(4)
	r = get_file(c.browser, fid)
	check_locked("after the unlock expired the download", r, "DakMon")
	r = c.browser.get("/subjects/DakMon")
	check("after the unlock expired the page asks for the code again",
	    r.page.form("/subjects/DakMon/unlock") is not None and
	    file_links(r) == [])
	r = c.browser.post("/logout", {})
	r = c.browser.get("/files/%d" % fid)
	check_redirect("after logout /files/id goes to /login", r, "/login")
	srv.cleanup()


if __name__ == "__main__":
	main()
