"""An SMTP server that wants AUTH, for the tests: Debian's aiosmtpd on
loopback, without TLS (kluis allows plain SMTP to this machine only).

	python3 smtp_auth_server.py PORT USER PASSWORD_FILE OUTDIR

Accepts AUTH PLAIN and LOGIN for USER with the password in PASSWORD_FILE
(its first line; not an argument, which ps would show) only; a message is
refused (530) without it. Each message becomes OUTDIR/NNN.json with the
envelope, the authenticated user and the message text; each AUTH attempt
is a line of OUTDIR/auth.log ("ok USER" or "fail USER")."""

import asyncio
import json
import os
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

PORT, USER, OUT = int(sys.argv[1]), sys.argv[2], sys.argv[4]
with open(sys.argv[3]) as f:
	PASSWORD = f.read().rstrip("\n")
os.makedirs(OUT, exist_ok=True)


def authenticator(server, session, envelope, mechanism, auth_data):
	login = auth_data.login.decode("utf-8", "replace")
	ok = login == USER and auth_data.password.decode("utf-8",
	    "replace") == PASSWORD
	with open(os.path.join(OUT, "auth.log"), "a") as f:
		f.write("%s %s %s\n" % ("ok" if ok else "fail", mechanism, login))
	return AuthResult(success=ok, handled=False)


class Handler:
	count = 0

	async def handle_DATA(self, server, session, envelope):
		Handler.count += 1
		with open(os.path.join(OUT, "%03d.json" % Handler.count), "w") as f:
			json.dump({"from": envelope.mail_from,
			    "to": envelope.rcpt_tos,
			    "user": session.authenticated and USER,
			    "data": envelope.content.decode("utf-8", "replace")}, f)
		return "250 2.0.0 Message accepted for delivery"


controller = Controller(Handler(), hostname="127.0.0.1", port=PORT,
    authenticator=authenticator, auth_required=True,
    auth_require_tls=False)
controller.start()
print("ready", flush=True)
try:
	asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
	pass
finally:
	controller.stop()
