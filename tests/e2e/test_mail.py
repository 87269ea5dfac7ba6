#!/usr/bin/env python3
"""Mail headers as RFC 5322 and RFC 2047 want them, read back by Python's
email parser: no defects, display names and subjects decoded intact."""

import email
import email.policy
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kluis_test import *  # noqa: E402,F401,F403

FROM_NAME = "Gemeente Súdwest-Fryslân – Afdeling Onderzoek en Statistiek"
CODE = "DAKLOOSHEIDSMONITOR-RONDE-2026-A"	# 32 characters, the most


def parsed(path):
	with open(path, "rb") as f:
		raw = f.read()
	return raw, email.message_from_bytes(raw, policy=email.policy.default)


@scenario
def headers_parse_without_defects():
	"""Long and non-ASCII headers parse without defects"""
	srv = temp_server("--mail-from", "%s <noreply@example.org>" % FROM_NAME)
	addr = "lezer@example.org"
	srv.user_add(addr, name="Anneke Één")
	cli_ok(srv, "subject", "add", CODE, "--title", "Dakloosheid, één ronde")
	grant(srv, addr, CODE)
	d = tempfile.mkdtemp(prefix="kluis-e2e-mail-")
	path = os.path.join(d, "op-orde.pdf")
	with open(path, "wb") as f:
		f.write(b"%PDF-1.4\n")
	publish(srv, CODE, path)
	p, _ = newest_mail(srv, addr, "beschikbaar voor " + CODE)
	require("the new-file mail arrived", p is not None)
	# The CLI composed those with its own settings; the server composes
	# a reset link with --mail-from.
	forgot(srv, addr)
	require("the reset mail arrived", wait_reset_token(srv, addr))
	mails = [m for m, _ in read_mails(srv)]
	require("mails in the outbox", len(mails) >= 4, mails)
	named = 0
	for m in mails:
		raw, msg = parsed(m)
		head = raw.split(b"\r\n\r\n", 1)[0]
		name = os.path.basename(m)
		check("%s: the parser finds no defect" % name, not msg.defects,
		    msg.defects)
		for h in ("From", "To", "Subject", "Date", "Message-ID"):
			v = msg[h]
			check("%s: %s present without defects" % (name, h), v is not
			    None and not getattr(v, "defects", ()), (v, getattr(v,
			    "defects", None)))
		check("%s: the header is ASCII" % name, all(b < 0x80 for b in head),
		    head[:300])
		long_lines = [l for l in head.split(b"\r\n") if len(l) > 78]
		check("%s: no header line over 78 characters" % name,
		    not long_lines, long_lines)
		if msg["From"].addresses[0].addr_spec == "noreply@example.org":
			named += 1
			check("%s: the display name decodes intact" % name,
			    msg["From"].addresses[0].display_name == FROM_NAME,
			    str(msg["From"]))
	check("the server's mail came from --mail-from", named >= 1)
	_, msg = parsed(p)
	check("the subject with the longest code decodes intact",
	    CODE in str(msg["Subject"]), str(msg["Subject"]))


if __name__ == "__main__":
	main()
