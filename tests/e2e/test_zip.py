#!/usr/bin/env python3
"""A whole subject as one zip: GET /subjects/{code}.zip (subject unlocked in
the session) streams the newest version of every file the user may
download, stored, with an exact Content-Length; Python's zipfile and
`unzip -t` accept it and every entry's SHA-256 is the published file's;
superseded versions, other users' files and expired files are absent;
names are safe and unique; refused without unlock, for another user's
subject, without login; one audit row for the zip and a download row per
file with the bytes sent. A zip above 4 GiB (ZIP64) when the disk allows,
streamed into a sparse file with the server's memory flat; else the ZIP64
path from a sparse content file."""

import hashlib
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}
# Controls, paths and leading dots are refused at publishing
# (subjects_file_name_ok, test_hostile.py); what stays must still make one
# safe entry.
HOSTILE = 'CON: we"ird*?<>|caf\u00e9 \u65e5\u672c.csv.'
GiB = 1 << 30


def src(name, data):
	d = os.path.join(state["srv"].data, "src")
	os.makedirs(d, exist_ok=True)
	path = os.path.join(d, hashlib.sha256(name.encode()).hexdigest()[:16])
	with open(path, "wb") as f:
		f.write(data)
	return path


def pub(code, name, data, *extra):
	fid = publish(state["srv"], code, src(name, data), "--name", name,
	    *extra)
	state.setdefault("sha", {})[fid] = hashlib.sha256(data).hexdigest()
	return fid


def get_zip(b, code="DakMon"):
	r = b.get("/subjects/%s.zip" % code)
	path = os.path.join(state["tmp"], "%s-%d.zip" % (code, time.time_ns()))
	with open(path, "wb") as f:
		f.write(r.body)
	return r, path


def entries(path):
	"""{name: sha256} of a zip, read by Python's zipfile (CRC checked)."""
	with zipfile.ZipFile(path) as z:
		return {i.filename: hashlib.sha256(z.read(i)).hexdigest()
		    for i in z.infolist()}


def finished_rows(srv, uid, since, want, timeout=10):
	"""The download rows of uid after row id since, once WANT have ended."""
	end = time.time() + timeout
	while True:
		rows = db_rows(srv, "SELECT file_id, bytes, finished FROM downloads "
		    "WHERE user_id = ? AND id > ? ORDER BY id", (uid, since))
		done = [r for r in rows if r[2] is not None]
		if len(done) >= want or time.time() > end:
			return rows


def uid(addr):
	return db_rows(state["srv"], "SELECT id FROM users WHERE email = ?",
	    (addr,))[0][0]


def last_download_id():
	return db_rows(state["srv"], "SELECT coalesce(max(id), 0) FROM "
	    "downloads")[0][0]


@scenario
def setup():
	"""Readers, subjects and files: versions, names, audiences, expiry"""
	srv = temp_server("--max-ip-failures", "1000")
	state["srv"] = srv
	state["tmp"] = tempfile.mkdtemp(prefix="kluis-zip-")
	atexit.register(shutil.rmtree, state["tmp"], True)
	cli_ok(srv, "subject", "add", "DakMon", "--title", "Dakloosheidsmonitor")
	cli_ok(srv, "subject", "add", "Other", "--title", "Ander onderzoek")
	pa = srv.user_add("alice@example.nl")
	pb = srv.user_add("bob@example.nl")
	state["alice"] = journey(srv, "alice@example.nl", temp_password=pa)
	state["bob"] = journey(srv, "bob@example.nl", temp_password=pb)
	state["code_a"] = grant(srv, "alice@example.nl", "DakMon")
	state["code_b"] = grant(srv, "bob@example.nl", "DakMon")
	state["code_bo"] = grant(srv, "bob@example.nl", "Other")
	v1 = pub("DakMon", "op-orde.pdf", b"versie 1\n" + os.urandom(5000))
	v2 = pub("DakMon", "op-orde.pdf", b"versie 2\n" + os.urandom(7000))
	data = pub("DakMon", "data.csv", os.urandom(3 * 1024 * 1024 + 5))
	same1 = pub("DakMon", "Rapport.txt", b"hoofdletter\n")
	same2 = pub("DakMon", "rapport.txt", b"kleine letter\n")
	hostile = pub("DakMon", HOSTILE, b"vijandig\n")
	empty = pub("DakMon", "leeg.txt", b"")
	bobs = pub("DakMon", "alleen-bob.txt", b"bob\n", "--to",
	    "bob@example.nl")
	state["exp_at"] = int(time.time()) + 4
	exp = pub("DakMon", "verloopt.txt", b"weg\n", "--expires",
	    "@%d" % state["exp_at"])
	other = pub("Other", "ander.txt", b"ander\n")
	state.update(v1=v1, v2=v2, data=data, same1=same1, same2=same2,
	    hostile=hostile, empty=empty, bobs=bobs, exp=exp, other=other)


@scenario
def refusals():
	"""Refused without unlock, for a subject not granted, without login"""
	srv, a, bob = state["srv"], state["alice"].browser, state["bob"].browser
	before = last_download_id()
	r = a.get("/subjects/DakMon.zip")
	check("locked: to the subject's page", r.status == 303 and
	    r.location == "/subjects/DakMon", r.summary())
	check("no zip bytes while locked", not r.body.startswith(b"PK"))
	r = r.follow()
	check("... which asks for the validation code, with 403 and why",
	    r.status == 403 and r.name == "subject" and r.errors and
	    r.page.form("/subjects/DakMon/unlock") is not None, r.summary())
	r = a.get("/subjects/Other.zip")
	check("a subject alice has no grant for is 404", r.status == 404,
	    r.summary())
	unlock(bob, "Other", state["code_bo"])
	r = a.get("/subjects/Other.zip")
	check("still 404 for alice when bob unlocked it in his session",
	    r.status == 404, r.summary())
	r = a.get("/subjects/Nope.zip")
	check("an unknown subject is 404", r.status == 404, r.summary())
	r = Browser(srv, "anon").get("/subjects/DakMon.zip")
	check("without login: to /login, and back to the zip after it",
	    r.status == 303 and r.location == "/login?next=/subjects/DakMon.zip",
	    r.summary())
	r = a.request("POST", "/subjects/DakMon.zip", b"", {})
	check("POST is 405", r.status == 405, r.summary())
	check("refusals wrote no download rows", last_download_id() == before)
	check("the locked attempt is audited as refused", db_rows(srv,
	    "SELECT count(*) FROM audit WHERE event = 'download.refused' AND "
	    "detail LIKE 'DakMon.zip%'")[0][0] >= 1)


@scenario
def whole_subject():
	"""The zip: stored entries, SHA-256s, names, the newest versions only"""
	srv, a = state["srv"], state["alice"].browser
	time.sleep(max(0, state["exp_at"] + 1 - time.time()))	# expired
	r = unlock(a, "DakMon", state["code_a"])
	require_redirect("alice unlocks DakMon", r, "/subjects/DakMon")
	r = a.get("/subjects/DakMon")
	check("the subject page links the zip", 'href="/subjects/DakMon.zip"' in
	    r.text)
	before = last_download_id()
	audits = db_rows(srv, "SELECT count(*) FROM audit WHERE event = "
	    "'download.zip'")[0][0]
	r, path = get_zip(a)
	require("GET /subjects/DakMon.zip is 200", r.status == 200, r.summary())
	check("Content-Type application/zip", r.content_type ==
	    "application/zip", r.content_type)
	check("Content-Length is exact", r.header("Content-Length") ==
	    str(len(r.body)), (r.header("Content-Length"), len(r.body)))
	check("attachment named DakMon.zip", 'filename="DakMon.zip"' in
	    (r.header("Content-Disposition") or ""),
	    r.header("Content-Disposition"))
	check_headers("zip", r)
	p = subprocess.run(["unzip", "-t", path], stdout=subprocess.PIPE,
	    stderr=subprocess.STDOUT)
	check("unzip -t accepts it", p.returncode == 0 and
	    b"No errors detected" in p.stdout, p.stdout[-1500:])
	with zipfile.ZipFile(path) as z:
		check("zipfile finds no bad CRC", z.testzip() is None)
		infos = z.infolist()
		check("every entry is stored (method 0)", all(i.compress_type ==
		    zipfile.ZIP_STORED for i in infos), [i.compress_type for i in
		    infos])
		check("names are flagged UTF-8", all(i.flag_bits & 0x800 for i in
		    infos))
		check("no entry is a path or hidden", all("/" not in i.filename and
		    "\\" not in i.filename and not i.filename.startswith(".")
		    for i in infos), [i.filename for i in infos])
		check("entry times carry the minute of publication",
		    all(i.date_time[0] >= 2024 for i in infos))
	got = entries(path)
	sha = state["sha"]
	want = {"op-orde.pdf": sha[state["v2"]], "data.csv": sha[state["data"]],
	    "Rapport.txt": sha[state["same1"]],
	    "rapport (2).txt": sha[state["same2"]], "leeg.txt":
	    sha[state["empty"]]}
	for name, h in want.items():
		check("entry %s has the published SHA-256" % name,
		    got.get(name) == h, sorted(got))
	hostile = [n for n in got if n not in want]
	check("the hostile name is one safe entry with its content",
	    len(hostile) == 1 and got[hostile[0]] == sha[state["hostile"]] and
	    not any(c in hostile[0] for c in ':*?"<>|') and
	    not hostile[0].endswith("."), hostile)
	check("the superseded version is absent", sha[state["v1"]] not in
	    got.values())
	check("bob's file and the other subject's are absent",
	    sha[state["bobs"]] not in got.values() and sha[state["other"]]
	    not in got.values())
	check("the expired file is absent", sha[state["exp"]] not in
	    got.values())
	check("exactly the files alice may download", len(got) == 6, sorted(got))

	rows = finished_rows(srv, uid("alice@example.nl"), before, 6)
	check("one download row per file, each with its size sent",
	    sorted((f, b) for f, b, _ in rows) == sorted((state[k], n) for k, n
	    in (("v2", 7009), ("data", 3 * 1024 * 1024 + 5), ("same1", 12),
	    ("same2", 14), ("hostile", 9), ("empty", 0))), rows)
	check("all of them finished", all(r[2] for r in rows), rows)
	check("one audit row for the zip", db_rows(srv, "SELECT count(*) FROM "
	    "audit WHERE event = 'download.zip'")[0][0] == audits + 1)
	row = db_rows(srv, "SELECT user_id, addr, detail FROM audit WHERE "
	    "event = 'download.zip' ORDER BY id DESC LIMIT 1")[0]
	check("it names the account, the address, the files and bytes",
	    row[0] == uid("alice@example.nl") and row[1] == "127.0.0.1" and
	    "DakMon.zip, 6 files, %d bytes" % len(r.body) in row[2], row)
	r2 = a.get("/subjects/DakMon")
	check("a zipped version is no longer new", "nieuw" not in
	    re.sub(r"Eerdere versies.*", "", r2.text, flags=re.S).split(
	    'class="files', 1)[-1], r2.text[-3000:])

	before = last_download_id()
	h = a.request("HEAD", "/subjects/DakMon.zip")
	check("HEAD: the same Content-Length, no body", h.status == 200 and
	    h.header("Content-Length") == str(len(r.body)) and h.body == b"",
	    h.summary())
	check("HEAD writes no download rows", last_download_id() == before)
	r3, path3 = get_zip(a)
	check("a second zip is the same bytes", r3.body == r.body)


@scenario
def old_content():
	"""Content published before CRCs were stored gets one, computed once"""
	srv, a = state["srv"], state["alice"].browser
	fid, want = state["same1"], zlib.crc32(b"hoofdletter\n")
	db_write(srv, "UPDATE files SET crc32 = NULL WHERE id = ?", (fid,))
	end = time.time() + 15
	while time.time() < end and db_rows(srv, "SELECT crc32 FROM files "
	    "WHERE id = ?", (fid,))[0][0] is None:
		time.sleep(0.2)
	check("the server's background thread stored its CRC-32", db_rows(srv,
	    "SELECT crc32 FROM files WHERE id = ?", (fid,))[0][0] == want)
	# The worker may not have come round yet: a zip computes it itself.
	db_write(srv, "UPDATE files SET crc32 = NULL WHERE id = ?", (fid,))
	r, path = get_zip(a)
	check("a zip with such a file is still right", r.status == 200 and
	    entries(path).get("Rapport.txt") == state["sha"][fid], r.summary())
	check("and its CRC-32 is stored", db_rows(srv, "SELECT crc32 FROM "
	    "files WHERE id = ?", (fid,))[0][0] == want)


@scenario
def cut_off():
	"""A zip cut off halfway: each row records the bytes that reached the client"""
	srv, a = state["srv"], state["alice"].browser
	cli_ok(srv, "subject", "add", "Half", "--title", "Half")
	code = grant(srv, "alice@example.nl", "Half")
	first = pub("Half", "a-eerste.bin", os.urandom(1 << 20))
	second = pub("Half", "b-tweede.bin", os.urandom(96 << 20))
	third = pub("Half", "c-derde.bin", os.urandom(1 << 20))
	unlock(a, "Half", code)
	before = last_download_id()
	c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
	c.request("GET", "/subjects/Half.zip", headers={"Cookie":
	    "kluis_session=%s" % a.session})
	resp = c.getresponse()
	resp.read(4 << 20)
	c.sock.shutdown(2)
	c.close()
	rows = {f: b for f, b, _ in finished_rows(srv, uid("alice@example.nl"),
	    before, 3)}
	check("the first file reached the client whole", rows.get(first) ==
	    1 << 20, rows)
	check("the second one in part", 0 < rows.get(second, 0) < 96 << 20,
	    rows)
	check("the third one not at all", rows.get(third) == 0, rows)


def free_disk(path):
	st = os.statvfs(path)
	return st.f_bavail * st.f_frsize


def rss(pid):
	with open("/proc/%d/status" % pid) as f:
		for line in f:
			if line.startswith("VmRSS:"):
				return int(line.split()[1]) * 1024
	return 0


@scenario
def zip64():
	"""Above 4 GiB: ZIP64, accepted by zipfile and unzip -t, memory flat"""
	srv = state["srv"]
	big = 4 * GiB + (1 << 20) + 7
	cli_ok(srv, "subject", "add", "Groot", "--title", "Grote bestanden")
	code = grant(srv, "alice@example.nl", "Groot")
	srcpath = os.path.join(state["tmp"], "groot.bin")
	with open(srcpath, "wb") as f:
		f.truncate(big)			# a sparse source of zeros
	zero_sha = hashlib.sha256()
	chunk = bytes(1 << 24)
	left = big
	while left:
		n = min(left, len(chunk))
		zero_sha.update(chunk[:n])
		left -= n
	zero_sha = zero_sha.hexdigest()
	if free_disk(srv.data) > 3 * big:
		note("%d GiB free: publishing a real file of %d bytes" % (
		    free_disk(srv.data) // GiB, big))
		p = srv.cli("publish", "Groot", srcpath, "--name", "a-groot.bin",
		    "--data", srv.data, timeout=900)
		m = re.search(rb"as file (\d+)", p.stdout)
		require("kluis publish of %d bytes" % big, p.returncode == 0 and m,
		    p.stderr)
		fid = int(m.group(1))
	else:
		# The fallback: the content a sparse file, recorded behind the
		# server's back (kluis publish would write the zeros out).
		note("little disk: a sparse content file")
		os.makedirs(os.path.join(srv.data, "files"), exist_ok=True)
		with open(os.path.join(srv.data, "files", zero_sha), "wb") as f:
			f.truncate(big)
		crc = 0
		left = big
		while left:
			n = min(left, len(chunk))
			crc = zlib.crc32(chunk[:n], crc)
			left -= n
		sid = db_rows(srv, "SELECT id FROM subjects WHERE code = 'Groot'")[0][0]
		db_write(srv, "INSERT INTO files (subject_id, sha256, size, name, "
		    "all_grantees, published, crc32) VALUES (?, ?, ?, "
		    "'a-groot.bin', 1, strftime('%s','now'), ?)", (sid, zero_sha,
		    big, crc))
		db_write(srv, "UPDATE files SET report = id WHERE report IS NULL")
		fid = db_rows(srv, "SELECT max(id) FROM files")[0][0]
	after = os.urandom(100000)
	pub("Groot", "b-daarna.bin", after)
	a = state["alice"].browser
	require_redirect("unlock Groot", unlock(a, "Groot", code),
	    "/subjects/Groot")
	before = rss(srv.proc.pid)
	peak = before
	out = os.path.join(state["tmp"], "groot.zip")
	c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
	c.request("GET", "/subjects/Groot.zip", headers={"Cookie":
	    "kluis_session=%s" % a.session})
	resp = c.getresponse()
	require("the big zip is 200", resp.status == 200, resp.status)
	length = int(resp.getheader("Content-Length"))
	got = 0
	stream = hashlib.sha256()
	n = 0
	# Zeros are skipped (a hole), the rest written: a faithful sparse copy.
	with open(out, "wb") as f:
		while True:
			b = resp.read(1 << 22)
			if not b:
				break
			stream.update(b)
			if b.count(0) == len(b):
				f.seek(len(b), 1)
			else:
				f.write(b)
			got += len(b)
			n += 1
			if n % 64 == 0:
				peak = max(peak, rss(srv.proc.pid))
		f.truncate(got)
	c.close()
	peak = max(peak, rss(srv.proc.pid))
	check("Content-Length %d > 4 GiB and exactly what came" % length,
	    length > 4 * GiB and got == length, (length, got))
	check("the server's memory stayed flat (%.1f MiB more at the peak)" %
	    ((peak - before) / 2**20), peak - before < 64 * 2**20,
	    (before, peak))
	with zipfile.ZipFile(out) as z:
		infos = {i.filename: i for i in z.infolist()}
		check("two entries: the big one and the one after it",
		    sorted(infos) == ["a-groot.bin", "b-daarna.bin"], sorted(infos))
		i = infos.get("a-groot.bin")
		check("the big entry's size is its ZIP64 size", i is not None and
		    i.file_size == big, i and i.file_size)
		j = infos.get("b-daarna.bin")
		check("the entry after 4 GiB has a ZIP64 offset", j is not None and
		    j.header_offset > 4 * GiB, j and j.header_offset)
		h = hashlib.sha256()
		with z.open("a-groot.bin") as e:	# CRC checked at the end
			while True:
				b = e.read(1 << 24)
				if not b:
					break
				h.update(b)
		check("the big entry's SHA-256 is the published file's",
		    h.hexdigest() == zero_sha)
		check("the entry after it is intact", hashlib.sha256(
		    z.read("b-daarna.bin")).hexdigest() == hashlib.sha256(after)
		    .hexdigest())
	with open(out, "rb") as f:
		f.seek(-200, 2)
		tail = f.read()
	check("the zip ends with a ZIP64 end record and locator",
	    b"PK\x06\x06" in tail and b"PK\x06\x07" in tail)
	p = subprocess.run(["unzip", "-t", out], stdout=subprocess.PIPE,
	    stderr=subprocess.STDOUT)
	check("unzip -t accepts the ZIP64 zip", p.returncode == 0 and
	    b"No errors detected" in p.stdout, p.stdout[-1500:])
	os.unlink(out)
	os.unlink(srcpath)
	cli_ok(srv, "unpublish", str(fid))


if __name__ == "__main__":
	main()
