#!/usr/bin/env python3
"""The enrolment QR code is what an authenticator app reads: /enrol/qr.svg and
the inline <svg> on /enrol, rasterised by rsvg-convert and decoded by zbarimg,
give the otpauth URI of the secret shown on the page, and the code oathtool
computes from it is accepted."""

import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

SVG_NS = "http://www.w3.org/2000/svg"
work = tempfile.mkdtemp(prefix="kluis-qr-")


def decode_svg(svg_bytes, label):
	"""rsvg-convert -> PNG -> zbarimg; returns the decoded text or None."""
	src = os.path.join(work, label + ".svg")
	png = os.path.join(work, label + ".png")
	with open(src, "wb") as f:
		f.write(svg_bytes)
	p = subprocess.run(["rsvg-convert", "-w", "400", "-b", "white", "-o", png,
	    src], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
	if not check("rsvg-convert rasterises the %s" % label, p.returncode == 0,
	    p.stderr.decode(errors="replace")):
		return None
	p = subprocess.run(["zbarimg", "--raw", "-q", png], stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE, timeout=30)
	text = p.stdout.decode("utf-8", "replace").strip()
	check("zbarimg finds one QR code in the %s" % label,
	    p.returncode == 0 and text and "\n" not in text,
	    "exit %d: %r %s" % (p.returncode, text, p.stderr.decode()))
	return text or None


def inline_svg(html_text):
	"""The first <svg>...</svg> element of the page, as a standalone file."""
	m = re.search(r"<svg\b.*?</svg\s*>", html_text, re.S | re.I)
	if not m:
		return None
	svg = m.group(0)
	if "xmlns=" not in svg[:svg.index(">")]:
		svg = svg.replace("<svg", '<svg xmlns="%s"' % SVG_NS, 1)
	return svg.encode("utf-8")


def expected_uris(addr, secret):
	tail = "?secret=%s&issuer=kluis&algorithm=SHA1&digits=6&period=30" % secret
	return ["otpauth://totp/kluis:%s%s" % (addr, tail),
	    "otpauth://totp/kluis:%s%s" % (addr.replace("@", "%40"), tail)]


def uri_detail(uri):
	u = urllib.parse.urlsplit(uri or "")
	return "scheme=%s host=%s label=%s params=%s" % (u.scheme, u.netloc,
	    urllib.parse.unquote(u.path), urllib.parse.parse_qs(u.query))


@scenario
def qr_decodes_to_the_otpauth_uri():
	"""The QR decodes to the otpauth URI and oathtool's code enrols"""
	srv = temp_server()
	addr = "qr.tester@example.org"
	temp = srv.user_add(addr)

	r = Browser(srv, "anon").get("/enrol/qr.svg")
	check_redirect("GET /enrol/qr.svg without a session -> /login", r,
	    "/login")

	b = login(srv, addr, temp, "/enrol", "qr")
	page = b.get("/enrol")
	require_page("GET /enrol", page, "enrol")
	secret = enrol_secret(page)
	require("secret shown on /enrol", secret, page.page.ids)
	want = expected_uris(addr, secret)

	r = b.get("/enrol/qr.svg")
	require("GET /enrol/qr.svg -> 200", r.status == 200, r.summary())
	check("qr.svg Content-Type is image/svg+xml",
	    r.content_type.split(";")[0].strip() == "image/svg+xml",
	    r.header("Content-Type"))
	check_headers("qr.svg", r)
	check("qr.svg is an SVG document", b"<svg" in r.body, r.body[:200])
	uri = decode_svg(r.body, "qr.svg")
	check("qr.svg decodes to exactly the otpauth URI", uri in want,
	    "got  %r\nwant %r\n%s" % (uri, want[0], uri_detail(uri)))
	u = urllib.parse.urlsplit(uri or "")
	q = urllib.parse.parse_qs(u.query)
	check("URI secret equals the page's secret (no spaces)",
	    q.get("secret") == [secret], "%s vs %s" % (q.get("secret"), secret))

	svg = inline_svg(page.text)
	require("/enrol has an inline <svg>", svg, page.text[:1000])
	inline_uri = decode_svg(svg, "inline-svg")
	check("inline <svg> decodes to the same URI", inline_uri == uri and uri,
	    "inline %r vs file %r" % (inline_uri, uri))

	again = b.get("/enrol")
	check("reloading /enrol shows the same secret",
	    enrol_secret(again) == secret, "%s vs %s" % (enrol_secret(again),
	    secret))
	r2 = b.get("/enrol/qr.svg")
	check("reloading /enrol/qr.svg gives the same QR",
	    r2.status == 200 and decode_svg(r2.body, "qr-again.svg") == uri,
	    r2.summary())

	code = totp(secret)	# exactly what `oathtool --totp -b SECRET` prints
	p = subprocess.run(["oathtool", "--totp", "-b", secret],
	    stdout=subprocess.PIPE, timeout=10)
	check("oathtool --totp -b SECRET gives a 6-digit code",
	    re.fullmatch(r"\d{6}", code), code)
	if p.stdout.decode().strip() != code:	# the step just changed
		code = p.stdout.decode().strip()
	r = b.submit(again, "/enrol", {"device_name": "Mijn telefoon",
	    "code": code})
	require_redirect("oathtool's code is accepted by POST /enrol", r,
	    "/password")
	dev = Device(secret, "Mijn telefoon")
	dev.accepted(current_step())
	r = b.get("/enrol/qr.svg")
	check("after enrolment /enrol/qr.svg no longer gives the QR",
	    r.status != 200 or b"<svg" not in r.body, r.summary())

	pw = new_password("qr")
	r = b.submit(b.get("/password"), "/password",
	    {"password": pw, "password_confirm": pw})
	require_redirect("POST /password -> /otp", r, "/otp")
	code, step = dev.next_code()
	r = b.submit(b.get("/otp"), "/otp", {"code": code})
	check_redirect("the next oathtool code logs in at /otp (first login: the "
	    "recovery codes are offered)", r, "/account/recovery")
	check_page("GET / is home", b.get("/"), "home")
	srv.cleanup()


@scenario
def each_enrolment_gets_its_own_secret():
	"""Two users get different secrets and QR codes"""
	srv = temp_server()
	secrets = []
	for addr in ("een.qr@example.org", "twee.qr@example.org"):
		temp = srv.user_add(addr)
		b = login(srv, addr, temp, "/enrol", addr)
		r = b.get("/enrol")
		secrets.append(enrol_secret(r))
		uri = decode_svg(b.get("/enrol/qr.svg").body, addr + ".svg")
		check("QR of %s names %s" % (addr, addr),
		    uri in expected_uris(addr, secrets[-1]), uri)
	check("the two secrets differ", secrets[0] and secrets[0] != secrets[1],
	    secrets)
	srv.cleanup()


if __name__ == "__main__":
	try:
		main()
	finally:
		import shutil
		shutil.rmtree(work, ignore_errors=True)
