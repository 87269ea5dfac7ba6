#!/usr/bin/env python3
"""Hostile input: requests meant to crash, confuse or smuggle past kluis.
After each one the server must still answer and nothing may have changed."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

state = {}


def main_server():
	if "srv" not in state:
		state["srv"] = temp_server("--max-ip-failures", "100000")
	return state["srv"]


def alive(srv, label):
	"""The server answers a plain GET after LABEL."""
	r = Browser(srv, "probe").get("/login")
	return check("server still answers after %s" % label,
	    r.status == 200 and srv.proc.poll() is None,
	    "status %s, process %s" % (r.status, srv.proc.poll()))


# Multipart parts that carry no quoted name: libmicrohttpd hands such a
# part to the field callback with a NULL key.
BAD_PARTS = {
	"no name": b'Content-Disposition: form-data\r\n\r\nx\r\n',
	"unquoted name": b'Content-Disposition: form-data; name=email\r\n\r\nx\r\n',
	"no disposition": b'Content-Type: text/plain\r\n\r\nx\r\n',
	"file without name": b'Content-Disposition: form-data; '
	    b'filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nabc\r\n',
}


def bad_multipart(part, csrf=None):
	boundary = b"----hostile"
	body = b""
	if csrf:
		body += (b"--" + boundary + b'\r\nContent-Disposition: form-data; '
		    b'name="csrf"\r\n\r\n' + csrf.encode() + b"\r\n")
	body += b"--" + boundary + b"\r\n" + part + b"--" + boundary + b"--\r\n"
	return "multipart/form-data; boundary=" + boundary.decode(), body


@scenario
def nameless_multipart_parts():
	"""Multipart parts without a quoted name: 400, and the server lives"""
	srv = main_server()
	for path in ("/login", "/forgot", "/reset"):
		for label, part in BAD_PARTS.items():
			b = Browser(srv, "hostile")
			page = b.get("/login")
			ctype, body = bad_multipart(part, page.csrf)
			r = b.request("POST", path, body, {"Content-Type": ctype})
			check("%s, %s: 400" % (path, label), r.status == 400,
			    r.summary())
			alive(srv, "%s on %s" % (label, path))


@scenario
def nameless_parts_on_the_console_upload():
	"""The console upload with nameless parts: 400, nothing stored"""
	srv = main_server()
	admin = journey(srv, srv.admin_email)
	cli_ok(srv, "subject", "add", "HOSTILE", "--title", "Hostile")
	before = db_rows(srv, "SELECT count(*) FROM files")
	for label, part in BAD_PARTS.items():
		ctype, body = bad_multipart(part, admin.browser.csrf)
		r = admin.browser.request("POST", "/admin/subjects/HOSTILE/upload",
		    body, {"Content-Type": ctype})
		check("upload, %s: 400" % label, r.status == 400, r.summary())
		alive(srv, "upload with %s" % label)
	check("no file was published", db_rows(srv,
	    "SELECT count(*) FROM files") == before)


if __name__ == "__main__":
	main()
