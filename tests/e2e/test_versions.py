#!/usr/bin/env python3
"""Report rounds: a file published again under its name (or with kluis
publish --replaces, or the console's "new version of") is the next version
of its report. The subject page shows the newest version of each report,
"nieuw" until downloaded, the older ones under "Eerdere versies" with date
and time, still downloadable until unpublished; the mail says "nieuwe
versie" to whoever had an earlier one; kluis files shows the chain; the
home page counts new versions; a withdrawn newest version makes the one
before it current again; retention keeps the content of older versions
that are still published."""

import hashlib
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}
NEW_FILE = "Nieuw bestand beschikbaar voor DakMon"
NEW_VERSION = "Nieuwe versie beschikbaar voor DakMon"
# A date with its time, as people read it: "1 december 2026 om 18:59".
CLOCK = re.compile(r"\d{1,2} [a-z]+ \d{4} om \d\d:\d\d")


def src(name, data):
	d = os.path.join(state["srv"].data, "src")
	os.makedirs(d, exist_ok=True)
	path = os.path.join(d, name)
	with open(path, "wb") as f:
		f.write(data)
	return path


def last_mail():
	"""The newest outbox file once every queued message was delivered."""
	srv = state["srv"]
	end = time.time() + 10
	while time.time() < end and db_rows(srv, "SELECT count(*) FROM "
	    "mail_queue WHERE sent IS NULL")[0][0]:
		time.sleep(0.1)
	return (read_mails(srv) or [(None, None)])[-1][0]


def rows_of(resp, table_class):
	"""{file id: row text} of the file table of class TABLE_CLASS."""
	m = re.search(r'<table class="%s(?: cards)?"[^>]*>(.*?)</table>' %
	    table_class, resp.text, re.S)
	out = {}
	if not m:
		return out
	for tr in re.findall(r'<tr id="file-(\d+)"[^>]*>(.*?)</tr>', m.group(1),
	    re.S):
		out[int(tr[0])] = re.sub(r"<[^>]+>", " ", tr[1])
	return out


def current(resp):
	return rows_of(resp, "files")


def older(resp):
	return rows_of(resp, "files older")


def files_cli():
	"""kluis files DakMon as [(id, state, version, replaces, name)]."""
	out = cli_ok(state["srv"], "files", "DakMon")
	rows = []
	for line in out.splitlines()[1:]:
		f = line.split()
		if len(f) >= 11 and f[0].isdigit():
			rows.append((int(f[0]), f[6], int(f[7]), f[8], " ".join(f[10:])))
	return rows


def home_new(b):
	"""The home page's "N nieuw" for DakMon, or 0."""
	r = b.get("/")
	m = re.search(r'id="subject-DakMon".*?</li>', r.text, re.S)
	n = re.search(r"(\d+) nieuw", m.group(0)) if m else None
	return int(n.group(1)) if n else 0


def multipart(fields, file_field, csrf):
	boundary = "----kluis%d" % time.time_ns()
	out = [("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"
	    "%s\r\n" % (boundary, csrf)).encode()]
	for k, v in fields:
		out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\""
		    "\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
	name, data = file_field
	out.append(("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n" %
	    (boundary, name)).encode() + data + b"\r\n")
	out.append(("--%s--\r\n" % boundary).encode())
	return "multipart/form-data; boundary=%s" % boundary, b"".join(out)


def upload(b, name, data, fields=()):
	b.get("/admin/subjects/DakMon")
	ctype, body = multipart(list(fields), (name, data), b.csrf)
	return b.request("POST", "/admin/subjects/DakMon/upload", body,
	    {"Content-Type": ctype})


@scenario
def setup():
	"""Two readers and the admin; DakMon granted to both"""
	srv = temp_server("--max-ip-failures", "1000")
	state["srv"] = srv
	cli_ok(srv, "subject", "add", "DakMon", "--title", "Dakloosheidsmonitor")
	cli_ok(srv, "subject", "add", "Other", "--title", "Ander onderzoek")
	pa = srv.user_add("alice@example.nl", name="Alice")
	pb = srv.user_add("bob@example.nl", name="Bob")
	state["alice"] = journey(srv, "alice@example.nl", temp_password=pa)
	state["bob"] = journey(srv, "bob@example.nl", temp_password=pb)
	state["code_a"] = grant(srv, "alice@example.nl", "DakMon")
	state["code_b"] = grant(srv, "bob@example.nl", "DakMon")
	state["admin"] = journey(srv, srv.admin_email, srv.admin_password)


@scenario
def rounds_by_name():
	"""Three corrections of op-orde.pdf: one current, two earlier versions"""
	srv, a = state["srv"], state["alice"]
	b = a.browser
	v = [b"op-orde ronde %d\n" % i + os.urandom(1000) for i in (1, 2, 3)]
	last = last_mail()
	f1 = publish(srv, "DakMon", src("op-orde.pdf", v[0]))
	_, msg = newest_mail(srv, "alice@example.nl", "beschikbaar voor DakMon",
	    after=last)
	check("the first publication's mail is a new file, not a new version",
	    msg is not None and NEW_FILE in str(msg["Subject"]), msg and
	    msg["Subject"])
	data = publish(srv, "DakMon", src("data.csv", b"a;b\n1;2\n"))
	require_redirect("alice unlocks DakMon", unlock(b, "DakMon",
	    state["code_a"]), "/subjects/DakMon")
	check("home counts two new reports", home_new(b) == 2, home_new(b))
	r = b.get("/files/%d" % f1)
	check("alice downloads version 1", r.status == 200 and r.body == v[0])
	check("home counts one new report after it", home_new(b) == 1,
	    home_new(b))

	last = last_mail()
	out = cli_ok(srv, "publish", "DakMon", src("op-orde.pdf", v[1]))
	m = re.search(r"as file (\d+)", out)
	f2 = int(m.group(1)) if m else None
	check("kluis publish says it is a new version replacing file %d" % f1,
	    "a new version, replacing file %d" % f1 in out, out)
	_, msg = newest_mail(srv, "alice@example.nl", "beschikbaar voor DakMon",
	    after=last)
	if check("the mail of version 2 says new version", msg is not None and
	    NEW_VERSION in str(msg["Subject"]), msg and msg["Subject"]):
		body = mail_body(msg)
		check("its body names the file and says nieuwe versie",
		    "nieuwe versie van op-orde.pdf" in body and
		    "Eerdere versies" in body, body)
	check("home counts the new version", home_new(b) == 2, home_new(b))
	f3 = publish(srv, "DakMon", src("op-orde.pdf", v[2]))
	state.update(f1=f1, f2=f2, f3=f3, data=data, v=v)

	r = b.get("/subjects/DakMon")
	require_page("the subject page", r, "subject")
	cur, old = current(r), older(r)
	check("the current table holds the newest version and data.csv only",
	    sorted(cur) == sorted([f3, data]), cur)
	check("the newest version is marked nieuw", f3 in cur and
	    "nieuw" in cur[f3], cur.get(f3))
	check("\"Eerdere versies\" lists versions 2 and 1", "Eerdere versies" in
	    r.text and sorted(old) == sorted([f1, f2]), old)
	check("earlier versions are not marked nieuw", not any("nieuw" in t
	    for t in old.values()), old)
	check("dates carry the time of day", all(CLOCK.search(t) for t in
	    list(cur.values()) + list(old.values())), cur)
	check("version 1 shows when alice downloaded it", f1 in old and
	    len(CLOCK.findall(old[f1])) == 2, old.get(f1))
	r = b.get("/files/%d" % f2)
	check("an earlier version is still downloadable", r.status == 200 and
	    hashlib.sha256(r.body).hexdigest() == hashlib.sha256(v[1])
	    .hexdigest(), r.summary())
	check("downloading an earlier version leaves the newest one new",
	    home_new(b) == 2, home_new(b))
	r = b.get("/files/%d" % f3)
	check("alice downloads version 3", r.status == 200 and r.body == v[2])
	r = b.get("/subjects/DakMon")
	check("version 3 is no longer marked nieuw", "nieuw" not in
	    current(r).get(f3, "nieuw"), current(r).get(f3))
	check("home counts only data.csv as new now", home_new(b) == 1,
	    home_new(b))

	rows = files_cli()
	ids = [x[0] for x in rows]
	check("kluis files lists the chain together, newest first",
	    ids[:3] == [f3, f2, f1] or ids[1:4] == [f3, f2, f1], rows)
	chain = {x[0]: x for x in rows}
	check("kluis files: versions 3, 2, 1 and what each replaces",
	    [chain[f][2:4] for f in (f3, f2, f1)] == [(3, str(f2)), (2, str(f1)),
	    (1, "-")], [chain.get(f) for f in (f3, f2, f1)])
	check("kluis files: the newest live, the others superseded",
	    [chain[f][1] for f in (f3, f2, f1)] == ["live", "superseded",
	    "superseded"], [chain.get(f) for f in (f3, f2, f1)])
	check("kluis files: data.csv is a report of its own",
	    chain[data][1:4] == ("live", 1, "-"), chain.get(data))


@scenario
def replaces_option():
	"""kluis publish --replaces: a new name in the same chain; refusals"""
	srv, b = state["srv"], state["alice"].browser
	f1, f3 = state["f1"], state["f3"]
	last = last_mail()
	out = cli_ok(srv, "publish", "DakMon", src("op-orde-definitief.pdf",
	    b"definitief\n"), "--replaces", str(f1))
	m = re.search(r"as file (\d+)", out)
	f4 = int(m.group(1)) if m else None
	check("--replaces an older version continues after the newest",
	    "replacing file %d" % f3 in out, out)
	_, msg = newest_mail(srv, "alice@example.nl", "beschikbaar voor DakMon",
	    after=last)
	check("its mail says new version", msg is not None and NEW_VERSION in
	    str(msg["Subject"]), msg and msg["Subject"])
	r = b.get("/subjects/DakMon")
	check("the renamed version is current; version 3 is earlier now",
	    f4 in current(r) and f3 in older(r) and f3 not in current(r),
	    (current(r), older(r)))
	other = publish(srv, "Other", src("x.txt", b"x\n"))
	for arg, why in ((str(other), "a file of another subject"),
	    ("999999", "no such file"), ("abc", "not a number")):
		p = srv.cli("publish", "DakMon", src("y.txt", b"y\n"),
		    "--replaces", arg, "--data", srv.data)
		check("--replaces %s is refused (%s)" % (arg, why),
		    p.returncode != 0 and (b"--replaces" in p.stderr or
		    b"not a publication" in p.stderr), p.stderr)
	check("nothing was published by those", not any(x[4] == "y.txt" for x
	    in files_cli()))

	# Withdrawn: the version before becomes current again.
	cli_ok(srv, "unpublish", str(f4))
	r = b.get("/subjects/DakMon")
	check("after unpublishing the newest, version 3 is current again",
	    f3 in current(r) and f4 not in current(r) and f4 not in older(r),
	    (current(r), older(r)))
	cli_ok(srv, "unpublish", str(state["f1"]))
	r = b.get("/subjects/DakMon")
	check("an unpublished earlier version is gone from the page",
	    state["f1"] not in older(r) and state["f2"] in older(r), older(r))
	check("and 404 to download", b.get("/files/%d" % state["f1"]).status ==
	    404)
	cli_ok(srv, "housekeeping")
	check("retention keeps the content of a published earlier version",
	    os.path.exists(os.path.join(srv.data, "files", hashlib.sha256(
	    state["v"][1]).hexdigest())))


@scenario
def audiences():
	"""Versions per reader: a report sent to one reader is no version for another"""
	srv = state["srv"]
	bob, alice = state["bob"].browser, state["alice"].browser
	fb = publish(srv, "DakMon", src("gemeente.pdf", b"voor bob\n"), "--to",
	    "bob@example.nl")
	last = last_mail()
	fa = publish(srv, "DakMon", src("gemeente.pdf", b"voor alice\n"),
	    "--to", "alice@example.nl")
	_, msg = newest_mail(srv, "alice@example.nl", "beschikbaar voor DakMon",
	    after=last)
	check("alice never had bob's version: her mail is a new file",
	    msg is not None and NEW_FILE in str(msg["Subject"]), msg and
	    msg["Subject"])
	r = alice.get("/subjects/DakMon")
	check("alice sees her own as current and nothing of bob's",
	    fa in current(r) and fb not in older(r) and fb not in current(r),
	    (current(r), older(r)))
	unlock(bob, "DakMon", state["code_b"])
	r = bob.get("/subjects/DakMon")
	check("bob's own stays current for him", fb in current(r) and
	    fa not in current(r) and fa not in older(r),
	    (current(r), older(r)))
	last = last_mail()
	fb2 = publish(srv, "DakMon", src("gemeente.pdf", b"voor bob, v2\n"),
	    "--to", "bob@example.nl")
	_, msg = newest_mail(srv, "bob@example.nl", "beschikbaar voor DakMon",
	    after=last)
	check("bob's second one is a new version to him", msg is not None and
	    NEW_VERSION in str(msg["Subject"]), msg and msg["Subject"])
	r = bob.get("/subjects/DakMon")
	check("bob: the new one current, his first under earlier versions",
	    fb2 in current(r) and fb in older(r), (current(r), older(r)))


@scenario
def console():
	"""The console: same name is a new version; "new version of" another name"""
	srv, ab = state["srv"], state["admin"].browser
	r = upload(ab, "console.csv", b"een\n")
	require_redirect("upload 1", r, "/admin/subjects/DakMon?done=published")
	c1 = db_rows(srv, "SELECT max(id) FROM files")[0][0]
	last = last_mail()
	r = upload(ab, "console.csv", b"twee\n")
	require_redirect("upload 2, the same name", r,
	    "/admin/subjects/DakMon?done=published")
	c2 = db_rows(srv, "SELECT max(id) FROM files")[0][0]
	check("the second upload replaces the first", db_rows(srv, "SELECT "
	    "replaces, report FROM files WHERE id = ?", (c2,)) == [(c1, c1)])
	_, msg = newest_mail(srv, "alice@example.nl", "beschikbaar voor DakMon",
	    after=last)
	check("the console's new version is mailed as one", msg is not None and
	    NEW_VERSION in str(msg["Subject"]), msg and msg["Subject"])
	r = ab.get("/admin/subjects/DakMon")
	form = r.page.form("/admin/subjects/DakMon/upload")
	opts = [i for i in (form or {"inputs": []})["inputs"]
	    if i.get("name") == "replaces"]
	check("the upload form offers \"new version of\"", opts, form)
	check("the current version is a choice, the replaced one not",
	    'value="%d"' % c2 in r.text and 'option value="%d"' % c1 not in
	    r.text)
	check("the console lists version 2 replacing #%d" % c1,
	    "versie 2" in r.page.text and "vervangt #%d" % c1 in r.page.text)
	r = upload(ab, "console-v3.csv", b"drie\n", [("replaces", str(c2))])
	require_redirect("upload with \"new version of\"", r,
	    "/admin/subjects/DakMon?done=published")
	c3 = db_rows(srv, "SELECT max(id) FROM files")[0][0]
	check("it continues the chain under another name", db_rows(srv,
	    "SELECT replaces, report, name FROM files WHERE id = ?", (c3,)) ==
	    [(c2, c1, "console-v3.csv")])
	r = ab.get("/admin/files/%d" % c2)
	check("the file page says replaced by #%d" % c3, "vervangen door #%d" %
	    c3 in r.page.text and "vervangt #%d" % c1 in r.page.text,
	    r.page.text[-800:])
	other = db_rows(srv, "SELECT f.id FROM files f JOIN subjects s ON "
	    "s.id = f.subject_id WHERE s.code = 'Other'")[0][0]
	n = db_rows(srv, "SELECT count(*) FROM files")[0][0]
	r = upload(ab, "z.csv", b"z\n", [("replaces", str(other))])
	check_page("a file of another subject as \"new version of\" is 400", r,
	    "admin/subject", 400)
	check("and publishes nothing", db_rows(srv, "SELECT count(*) FROM "
	    "files")[0][0] == n)


if __name__ == "__main__":
	main()
