"""End-to-end test harness for kluis (standard library only).

Each tests/e2e/test_*.py imports this module, registers scenarios with
@scenario and calls main().  The environment gives:

	KLUIS_BIN	path to the kluis binary
	KLUIS_SHARE	repository root (templates/, static/, data/)
	KLUIS_E2E_KEEP	when set, data directories are kept for inspection

Pieces:
	Server		a `kluis serve` on a free loopback port with a fresh data
			directory; parses the printed first-admin credentials
	Browser		one simulated browser: its own cookie jar, no automatic
			redirects, parsed pages (data-page, forms, csrf, errors)
	Device		an authenticator: secret + last accepted time step; codes
			come from oathtool, independently of the server's code
	check()		counts and prints one assertion
	journey()	the whole first login of one account
"""

import atexit
import email
import email.policy
import email.utils
import glob
import html.parser
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

KLUIS_BIN = os.environ.get("KLUIS_BIN", "")
KLUIS_SHARE = os.environ.get("KLUIS_SHARE",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

SESSION_COOKIE = "kluis_session"
# Where the first login ends (the phone just linked): the page that offers
# recovery codes; later logins end on "/".
FIRST_LOGIN_HOME = "/account/recovery"
TOTP_PERIOD = 30
HTTP_TIMEOUT = 30


# --------------------------------------------------------------- checks

class Abort(Exception):
	"""A required check failed; the rest of the scenario makes no sense."""


_passed = 0
_failed = 0
_failures = []
_scenarios = []
_current = [""]


def check(name, cond, detail=""):
	"""Record one assertion.  Returns cond so callers can branch on it."""
	global _passed, _failed
	label = name if not _current[0] else "%s: %s" % (_current[0], name)
	if cond:
		_passed += 1
		print("ok    %s" % label, flush=True)
	else:
		_failed += 1
		_failures.append((label, detail))
		print("FAIL  %s" % label, flush=True)
		if detail:
			for line in str(detail).splitlines()[:40]:
				print("        %s" % line, flush=True)
	return bool(cond)


def require(name, cond, detail=""):
	"""check(), and abort the scenario when it fails."""
	if not check(name, cond, detail):
		raise Abort(name)
	return True


def note(msg):
	print("      # %s" % msg, flush=True)


def scenario(fn):
	"""Decorator: register a scenario; main() runs them in order."""
	_scenarios.append(fn)
	return fn


def main():
	"""Run every registered scenario, print the summary, exit."""
	if not KLUIS_BIN or not os.access(KLUIS_BIN, os.X_OK):
		check("KLUIS_BIN is an executable", False, "KLUIS_BIN=%r" % KLUIS_BIN)
		_finish()
	for fn in _scenarios:
		title = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
		print("\n## %s" % title, flush=True)
		_current[0] = fn.__name__
		try:
			fn()
		except Abort:
			note("scenario aborted after a failed requirement")
		except Exception:
			check("scenario ran without an exception", False,
			    traceback.format_exc())
		finally:
			_current[0] = ""
	_finish()


def _finish():
	stop_all_servers()
	if _failures:
		print("\nFailures:")
		for label, detail in _failures:
			print("  - %s" % label)
			if detail:
				print("      %s" % str(detail).splitlines()[0][:300])
	print("\n%d passed, %d failed" % (_passed, _failed), flush=True)
	sys.exit(1 if _failed or not _passed else 0)


# --------------------------------------------------------------- server

_servers = []


def free_port():
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.bind(("127.0.0.1", 0))
	port = s.getsockname()[1]
	s.close()
	return port


def stop_all_servers():
	for srv in list(_servers):
		srv.stop()


atexit.register(stop_all_servers)


def _on_signal(signum, frame):
	stop_all_servers()
	sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
    "runtime error:", "WARNING: ThreadSanitizer", "SUMMARY: UndefinedBehavior")


def sanitizer_report(text):
	"""The sanitizer reports in a process's stderr, or "" when clean."""
	lines = text.splitlines()
	for i, line in enumerate(lines):
		if any(m in line for m in SANITIZER_MARKS):
			return "\n".join(lines[i:i + 40])
	return ""


class Server:
	"""A `kluis serve` process on 127.0.0.1 with its own data directory."""

	def __init__(self, *extra, admin_email=None, data=None, wrap=None):
		self.extra = [str(a) for a in extra]
		self.wrap = list(wrap or [])	# a command that execs the server
		self.admin_email_arg = admin_email
		self.own_data = data is None
		self.data = data or tempfile.mkdtemp(prefix="kluis-e2e-")
		self.proc = None
		self.port = None
		self.stdout_lines = []
		self.stderr_lines = []
		self.admin_email = None
		self.admin_password = None
		self.admin_url = None

	@property
	def url(self):
		return "http://127.0.0.1:%d" % self.port

	@property
	def outbox(self):
		return os.path.join(self.data, "outbox")

	def start(self, wait_credentials=True):
		for attempt in range(3):
			self.port = free_port()
			if self._start_once(wait_credentials):
				return self
			if attempt < 2:
				note("server did not come up; retrying on another port")
		raise Abort("server start")

	def _start_once(self, wait_credentials):
		cmd = [KLUIS_BIN, "serve",
		    "--listen", "127.0.0.1:%d" % self.port,
		    "--data", self.data,
		    "--public-url", self.url]
		if self.admin_email_arg:
			cmd += ["--admin-email", self.admin_email_arg]
		cmd = self.wrap + cmd + self.extra
		self.stdout_lines = []
		self.stderr_lines = []
		note("start: %s" % " ".join(cmd))
		env = dict(os.environ)
		env["KLUIS_SHARE"] = KLUIS_SHARE
		self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
		    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
		    cwd=KLUIS_SHARE, env=env)
		_servers.append(self)
		for stream, sink in ((self.proc.stdout, self.stdout_lines),
		    (self.proc.stderr, self.stderr_lines)):
			t = threading.Thread(target=self._pump, args=(stream, sink),
			    daemon=True)
			t.start()
		deadline = time.time() + 20
		while time.time() < deadline:
			if self.proc.poll() is not None:
				check("server process keeps running", False,
				    "exit %s\nstdout:\n%s\nstderr:\n%s" % (
				    self.proc.returncode, self.stdout_text(),
				    self.stderr_text()[-3000:]))
				_servers.remove(self)
				return False
			try:
				c = http.client.HTTPConnection("127.0.0.1", self.port,
				    timeout=2)
				c.request("GET", "/healthz")
				r = c.getresponse()
				r.read()
				c.close()
				if r.status == 200:
					break
			except OSError:
				pass
			time.sleep(0.1)
		else:
			check("GET /healthz answers 200 within 20 s", False,
			    self.stderr_text()[-3000:])
			self.stop()
			return False
		if wait_credentials:
			self._wait_credentials()
		return True

	@staticmethod
	def _pump(stream, sink):
		for raw in iter(stream.readline, b""):
			sink.append(raw.decode("utf-8", "replace").rstrip("\n"))
		stream.close()

	def stdout_text(self):
		return "\n".join(self.stdout_lines)

	def stderr_text(self):
		return "\n".join(self.stderr_lines)

	def _wait_credentials(self, timeout=5):
		deadline = time.time() + timeout
		while time.time() < deadline:
			self._parse_credentials()
			if self.admin_password and self.admin_url:
				return
			time.sleep(0.1)
		self._parse_credentials()

	def _parse_credentials(self):
		# stdout is no terminal here: the server leaves the first admin's
		# password in a file of the data directory, not in its output.
		text = self.stdout_text()
		path = os.path.join(self.data, "first-admin-password")
		if os.path.exists(path):
			with open(path) as f:
				text += "\n" + f.read()
		m = re.search(r"^\s*email:\s*(\S+)\s*$", text, re.M)
		if m:
			self.admin_email = m.group(1)
		m = re.search(r"^\s*temporary password:\s*(\S+)\s*$", text, re.M)
		if m:
			self.admin_password = m.group(1)
		m = re.search(r"^\s*open:\s*(\S+)\s*$", text, re.M)
		if m:
			self.admin_url = m.group(1)

	def stop(self):
		if self.proc is not None:
			if self.proc.poll() is None:
				self.proc.send_signal(signal.SIGTERM)
				try:
					self.proc.wait(timeout=20)
				except subprocess.TimeoutExpired:
					note("server ignored SIGTERM for 20 s; killing it")
					self.proc.kill()
					self.proc.wait()
				else:
					check("server on port %d stops cleanly on SIGTERM (exit 0)"
					    % self.port, self.proc.returncode == 0,
					    "exit %s\n%s" % (self.proc.returncode,
					    self.stderr_text()[-3000:]))
			time.sleep(0.1)	# let the pump threads drain stderr
			report = sanitizer_report(self.stderr_text())
			if report:
				check("server ran without sanitizer reports", False, report)
			self.proc = None
		if self in _servers:
			_servers.remove(self)

	def cleanup(self):
		self.stop()
		if self.own_data and not os.environ.get("KLUIS_E2E_KEEP"):
			shutil.rmtree(self.data, ignore_errors=True)

	def cli(self, *args, timeout=60):
		"""Run `kluis ARGS` and return the CompletedProcess."""
		env = dict(os.environ)
		env["KLUIS_SHARE"] = KLUIS_SHARE
		p = subprocess.run([KLUIS_BIN] + [str(a) for a in args],
		    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
		    stderr=subprocess.PIPE, timeout=timeout, cwd=KLUIS_SHARE,
		    env=env)
		report = sanitizer_report(p.stderr.decode("utf-8", "replace"))
		if report:
			check("kluis %s ran without sanitizer reports" % " ".join(
			    str(a) for a in args[:2]), False, report)
		return p

	def user_add(self, addr, name=None, admin=False):
		"""`kluis user add`; returns the temporary password from the mail."""
		args = ["user", "add", addr]
		if name:
			args += ["--name", name]
		if admin:
			args.append("--admin")
		args += ["--data", self.data]
		p = self.cli(*args)
		require("kluis user add %s exits 0" % addr, p.returncode == 0,
		    "exit %d\nstdout: %s\nstderr: %s" % (p.returncode,
		    p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")))
		msg = wait_mail(self, addr, TEMP_PASSWORD_SUBJECT)
		require("temporary password mail to %s in outbox" % addr,
		    msg is not None, "files: %s" % os.listdir(self.outbox)
		    if os.path.isdir(self.outbox) else "no outbox directory")
		secret = mail_secret(msg)
		require("temporary password mail has a secret line", secret,
		    mail_body(msg))
		return secret


def temp_server(*extra, **kw):
	"""Start a server and make sure it stops at exit."""
	srv = Server(*extra, **kw)
	atexit.register(srv.cleanup)
	return srv.start()


# --------------------------------------------------------------- mail

TEMP_PASSWORD_SUBJECT = "Uw tijdelijke wachtwoord"
SECRET_LINE = re.compile(r"^    (\S+)\s*$", re.M)


def read_mails(server):
	"""All parsed messages in the outbox as (path, message)."""
	out = []
	for path in sorted(glob.glob(os.path.join(server.outbox, "**", "*.eml"),
	    recursive=True)):
		try:
			with open(path, "rb") as f:
				msg = email.message_from_binary_file(f,
				    policy=email.policy.default)
			mail_body(msg)
		except Exception:
			continue
		out.append((path, msg))
	return out


def mail_body(msg):
	part = msg.get_body(preferencelist=("plain",)) or msg
	return part.get_content()


def mail_secrets(msg):
	return SECRET_LINE.findall(mail_body(msg))


def mail_secret(msg):
	"""The first secret line that is not a link (or the first link)."""
	found = mail_secrets(msg)
	plain = [s for s in found if not re.match(r"https?://", s)]
	if plain:
		return plain[0]
	return found[0] if found else None


def _addr_match(msg, addr):
	to = str(msg.get("To", "")).lower()
	return addr.lower() in to


def wait_mail(server, addr, subject, timeout=10, exclude=()):
	"""Newest message to addr whose Subject contains subject."""
	deadline = time.time() + timeout
	while True:
		hits = [(p, m) for p, m in read_mails(server)
		    if p not in exclude and _addr_match(m, addr)
		    and subject.lower() in str(m.get("Subject", "")).lower()]
		if hits:
			hits.sort(key=lambda pm: os.path.getmtime(pm[0]))
			return hits[-1][1]
		if time.time() >= deadline:
			return None
		time.sleep(0.2)


# --------------------------------------------------------------- TOTP

def current_step(t=None):
	return int(time.time() if t is None else t) // TOTP_PERIOD


def settle(margin=2.0):
	"""Avoid a step boundary in the next `margin` seconds."""
	left = TOTP_PERIOD - (time.time() % TOTP_PERIOD)
	if left < margin:
		time.sleep(left + 0.15)


def totp(secret_b32, at_time=None):
	"""The code oathtool computes for secret at at_time (default now)."""
	args = ["oathtool", "--totp", "-b"]
	if at_time is not None:
		args += ["--now", "@%d" % int(at_time)]
	args.append(secret_b32)
	p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
	    timeout=10)
	if p.returncode != 0:
		raise RuntimeError("oathtool failed: %s" % p.stderr.decode())
	return p.stdout.decode().strip()


def code_for_step(secret_b32, step):
	return totp(secret_b32, step * TOTP_PERIOD)


def other_code(*codes):
	"""A well-formed code that is none of `codes`."""
	n = int(codes[0]) if codes else 0
	while True:
		n = (n + 500009) % 1000000
		c = "%06d" % n
		if c not in codes:
			return c


class Device:
	"""An authenticator app: a secret and the last step the server took."""

	def __init__(self, secret, name=None):
		self.secret = secret.replace(" ", "").upper()
		self.name = name
		self.id = None
		self.last_step = None

	def window_codes(self):
		cur = current_step()
		return [code_for_step(self.secret, s) for s in (cur - 1, cur, cur + 1)]

	def next_code(self, earliest=True):
		"""(code, step) for the earliest step the server should accept.

		earliest=True takes the previous step when it is still unused
		(saves waiting later); earliest=False takes the current step,
		like a person reading the app.  Waits when the next unused step
		is beyond the window.  The previous step leaves less time, so
		it keeps a wider distance from the next step boundary."""
		settle(6.0 if earliest else 2.0)
		cur = current_step()
		s = cur - 1 if earliest else cur
		if self.last_step is not None:
			s = max(s, self.last_step + 1)
		if s > cur + 1:
			wait = (s - 1) * TOTP_PERIOD - time.time() + 0.3
			note("waiting %.0f s for the next TOTP step" % wait)
			time.sleep(max(wait, 0))
			settle()
		return code_for_step(self.secret, s), s

	def accepted(self, step):
		self.last_step = step


# --------------------------------------------------------------- HTML

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
    "meta", "source", "track", "wbr", "param"}


class Page(html.parser.HTMLParser):
	"""What a test needs from a page: name, forms, ids, errors, text."""

	def __init__(self, text):
		super().__init__(convert_charrefs=True)
		self.name = None
		self.forms = []
		self.labels = {}	# for-id -> text
		self.ids = {}		# id -> text content
		self.id_attrs = {}	# id -> attrs
		self.errors = []	# text of elements with role=alert / class error
		self.text_parts = []
		self.svg_count = 0
		self.links = []
		self._stack = []
		self._form = None
		try:
			self.feed(text)
			self.close()
		except Exception:
			pass

	def handle_starttag(self, tag, attrs):
		self._start(tag, attrs, void=tag in VOID)

	def handle_startendtag(self, tag, attrs):
		self._start(tag, attrs, void=True)

	def _start(self, tag, attrs, void):
		a = {k: (v if v is not None else "") for k, v in attrs}
		if tag == "body" and "data-page" in a:
			self.name = a["data-page"]
		if tag == "svg":
			self.svg_count += 1
		if tag == "a" and "href" in a:
			self.links.append(a["href"])
		if tag == "form":
			self._form = {"action": a.get("action", ""),
			    "method": a.get("method", "get").lower(),
			    "inputs": []}
			self.forms.append(self._form)
		if tag in ("input", "select", "textarea", "button") and \
		    self._form is not None:
			self._form["inputs"].append(dict(a, _tag=tag))
		if "id" in a:
			self.id_attrs[a["id"]] = a
		if void:
			if "id" in a:
				self.ids.setdefault(a["id"], "")
			return
		self._stack.append({"tag": tag, "attrs": a, "text": []})

	def handle_endtag(self, tag):
		if tag == "form":
			self._form = None
		if not any(e["tag"] == tag for e in self._stack):
			return
		while self._stack:
			e = self._stack.pop()
			self._close(e)
			if e["tag"] == tag:
				break

	def _close(self, e):
		text = re.sub(r"\s+", " ", "".join(e["text"])).strip()
		a = e["attrs"]
		if "id" in a:
			self.ids[a["id"]] = text
		if e["tag"] == "label" and "for" in a:
			self.labels[a["for"]] = text
		classes = a.get("class", "").split()
		if a.get("role") == "alert" or "error" in classes:
			self.errors.append(text)

	def handle_data(self, data):
		self.text_parts.append(data)
		for e in self._stack:
			e["text"].append(data)

	@property
	def text(self):
		return re.sub(r"\s+", " ", "".join(self.text_parts))

	def form(self, action=None):
		"""The POST form whose action is `action` (or the first POST form)."""
		posts = [f for f in self.forms if f["method"] == "post"]
		if action is not None:
			for f in posts:
				if urllib.parse.urlsplit(f["action"]).path == action:
					return f
			for f in posts:
				if f["action"] == "":
					return f
			return None
		return posts[0] if posts else None


def form_fields(form):
	"""Names of the fields in a form."""
	return [i.get("name") for i in form["inputs"] if i.get("name")]


def form_hidden(form):
	return {i["name"]: i.get("value", "") for i in form["inputs"]
	    if i.get("name") and i.get("type", "").lower() == "hidden"}


def form_radios(form, name):
	return [i for i in form["inputs"] if i.get("name") == name and
	    i.get("type", "").lower() == "radio"]


# --------------------------------------------------------------- HTTP

class Response:
	def __init__(self, method, path, status, reason, headers, body):
		self.method = method
		self.path = path
		self.status = status
		self.reason = reason
		self.headers = headers		# list of (name, value)
		self.body = body
		self._page = None
		self.browser = None
		self.posted = None	# (path, status, location) when shown() followed

	def shown(self):
		"""What a browser shows after this answer: the redirect after a
		POST (Post/Redirect/Get: a form's error comes on the page it
		redirects to, answered with the form's status once) is
		followed, and this response becomes that page's. Returns self."""
		if (self.method == "POST" and self.status == 303 and
		    self.browser is not None and self.location and
		    self.location.startswith("/")):
			nxt = self.browser.get(self.location)
			posted = (self.path, self.status, self.location)
			self.__dict__.update(nxt.__dict__)
			self.posted = posted
		return self

	def follow(self):
		"""A 303 to a page of this site followed, as a browser does;
		returns that page's response (or self when this is none)."""
		if (self.status == 303 and self.browser is not None and
		    self.location and self.location.startswith("/")):
			return self.browser.get(self.location)
		return self

	def header(self, name, default=None):
		for k, v in self.headers:
			if k.lower() == name.lower():
				return v
		return default

	def header_all(self, name):
		return [v for k, v in self.headers if k.lower() == name.lower()]

	@property
	def text(self):
		return self.body.decode("utf-8", "replace")

	@property
	def content_type(self):
		return (self.header("Content-Type") or "").lower()

	@property
	def is_html(self):
		return "text/html" in self.content_type

	@property
	def page(self):
		if self._page is None:
			self._page = Page(self.text if self.is_html else "")
		return self._page

	@property
	def name(self):
		return self.page.name

	@property
	def location(self):
		"""Location as a path (absolute URLs reduced to path+query)."""
		loc = self.header("Location")
		if loc is None:
			return None
		u = urllib.parse.urlsplit(loc)
		return u.path + ("?" + u.query if u.query else "")

	@property
	def csrf(self):
		for f in self.page.forms:
			for i in f["inputs"]:
				if i.get("name") == "csrf":
					return i.get("value", "")
		return None

	@property
	def errors(self):
		return self.page.errors

	def summary(self):
		s = "%s %s -> %s %s" % (self.method, self.path, self.status,
		    self.reason)
		if self.location:
			s += ", Location %s" % self.header("Location")
		if self.is_html:
			s += ", data-page=%s" % self.name
			if self.errors:
				s += ", error=%r" % self.errors[0]
		elif self.body and len(self.body) < 300:
			s += ", body=%r" % self.body
		return s


AUTO = object()


class Browser:
	"""One simulated browser: cookie jar, no automatic redirects."""

	def __init__(self, server, label="browser", source=None):
		self.server = server
		self.label = label
		self.source = source	# loopback address to connect from
		self.cookies = {}
		self.raw_set_cookies = []	# every Set-Cookie header seen
		self.csrf = None
		self.last = None
		self.password = None	# filled into current_password fields

	@property
	def session(self):
		return self.cookies.get(SESSION_COOKIE)

	def with_cookie(self, value, label="replay"):
		"""A second browser holding `value` as its session cookie."""
		b = Browser(self.server, label)
		if value is not None:
			b.cookies[SESSION_COOKIE] = value
		return b

	def request(self, method, path, body=None, headers=None):
		h = {"Host": "127.0.0.1:%d" % self.server.port,
		    "User-Agent": "kluis-e2e"}
		if self.cookies:
			h["Cookie"] = "; ".join("%s=%s" % kv
			    for kv in self.cookies.items())
		if body is not None:
			if isinstance(body, str):
				body = body.encode()
			h.setdefault("Content-Type",
			    "application/x-www-form-urlencoded")
		h.update(headers or {})
		c = http.client.HTTPConnection("127.0.0.1", self.server.port,
		    timeout=HTTP_TIMEOUT, source_address=(self.source, 0)
		    if self.source else None)
		try:
			try:
				c.request(method, path, body=body, headers=h)
			except (BrokenPipeError, ConnectionResetError):
				pass	# the server may answer before reading it all
			try:
				r = c.getresponse()
				data = r.read()
				resp = Response(method, path, r.status, r.reason,
				    r.getheaders(), data)
			except (http.client.RemoteDisconnected,
			    http.client.IncompleteRead, ConnectionError) as e:
				# status 0: the server closed without an answer
				resp = Response(method, path, 0, "no response (%s)" %
				    e.__class__.__name__, [], b"")
		finally:
			c.close()
		resp.browser = self
		self._store_cookies(resp)
		if resp.is_html and resp.csrf:
			self.csrf = resp.csrf
		self.last = resp
		return resp

	def _store_cookies(self, resp):
		for sc in resp.header_all("Set-Cookie"):
			self.raw_set_cookies.append(sc)
			parts = [p.strip() for p in sc.split(";")]
			if "=" not in parts[0]:
				continue
			name, value = parts[0].split("=", 1)
			attrs = {}
			for p in parts[1:]:
				k, _, v = p.partition("=")
				attrs[k.strip().lower()] = v.strip()
			dead = value == "" or attrs.get("max-age", "1").lstrip("-") \
			    .isdigit() and int(attrs.get("max-age", "1")) <= 0
			if "expires" in attrs and not dead:
				try:
					t = email.utils.parsedate_to_datetime(attrs["expires"])
					dead = t.timestamp() < time.time()
				except Exception:
					pass
			if dead:
				self.cookies.pop(name, None)
			else:
				self.cookies[name] = value

	def get(self, path):
		return self.request("GET", path)

	def post(self, path, fields, csrf=AUTO, headers=None):
		"""POST a urlencoded form.  csrf: AUTO = the latest token seen,
		None = leave out, a string = send that."""
		items = list(fields.items()) if isinstance(fields, dict) \
		    else list(fields)
		items = [(k, v) for k, v in items if k != "csrf"]
		if csrf is AUTO:
			csrf = self.csrf
		if csrf is not None:
			items.append(("csrf", csrf))
		return self.request("POST", path, urllib.parse.urlencode(items),
		    headers)

	def submit(self, page_resp, action, fields, csrf=AUTO):
		"""POST the form of page_resp with `action` like a browser: its
		hidden fields plus `fields` (csrf from the form unless given)."""
		form = page_resp.page.form(action)
		items = dict(form_hidden(form)) if form else {}
		# Like a password manager: fill in the current password when the
		# form asks for it again and the test did not say otherwise.
		if (form and self.password and "current_password" not in fields
		    and any(i.get("name") == "current_password"
		    for i in form["inputs"])):
			items["current_password"] = self.password
		items.update(fields)
		if csrf is AUTO:
			csrf = items.get("csrf", self.csrf)
		items.pop("csrf", None)
		return self.post(action, items, csrf=csrf)


def cookie_attrs(set_cookie):
	"""Set-Cookie header -> (name, value, {attr-lower: value})."""
	parts = [p.strip() for p in set_cookie.split(";")]
	name, _, value = parts[0].partition("=")
	attrs = {}
	for p in parts[1:]:
		k, _, v = p.partition("=")
		attrs[k.strip().lower()] = v.strip()
	return name, value, attrs


def raw_request(server, data, read_timeout=10):
	"""Send raw bytes, return (status, headers-text, body) of the answer."""
	s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
	try:
		try:
			s.sendall(data)
		except OSError:
			pass
		s.settimeout(read_timeout)
		chunks = []
		try:
			while True:
				b = s.recv(65536)
				if not b:
					break
				chunks.append(b)
				got = b"".join(chunks)
				if b"\r\n\r\n" in got:
					head, _, rest = got.partition(b"\r\n\r\n")
					m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
					if m and len(rest) >= int(m.group(1)):
						break
		except OSError:
			pass
	finally:
		s.close()
	got = b"".join(chunks)
	head, _, body = got.partition(b"\r\n\r\n")
	m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
	return (int(m.group(1)) if m else None), head.decode("latin-1"), body


# --------------------------------------------------------------- assertions

def security_header_problems(resp, page=True):
	"""List of missing/wrong security headers (empty when all fine)."""
	probs = []
	csp = resp.header("Content-Security-Policy")
	if not csp:
		probs.append("no Content-Security-Policy")
	else:
		directives = {}
		for d in csp.split(";"):
			d = d.strip()
			if d:
				k, _, v = d.partition(" ")
				directives[k.lower()] = v
		script = directives.get("script-src", directives.get("default-src"))
		if script is None:
			probs.append("CSP has neither script-src nor default-src: %s" % csp)
		elif "'unsafe-inline'" in script or "'unsafe-eval'" in script:
			probs.append("CSP allows inline/eval script: %s" % csp)
	xfo = resp.header("X-Frame-Options")
	if (xfo or "").strip().upper() != "DENY":
		probs.append("X-Frame-Options is %r, want DENY" % xfo)
	xcto = resp.header("X-Content-Type-Options")
	if (xcto or "").strip().lower() != "nosniff":
		probs.append("X-Content-Type-Options is %r, want nosniff" % xcto)
	rp = resp.header("Referrer-Policy")
	if (rp or "").strip().lower() != "no-referrer":
		probs.append("Referrer-Policy is %r, want no-referrer" % rp)
	if page:
		cc = resp.header("Cache-Control") or ""
		if "no-store" not in cc.lower():
			probs.append("Cache-Control is %r, want no-store" % cc)
	return probs


def check_headers(label, resp, page=True):
	"""Security headers per DESIGN §3 (Cache-Control too when page)."""
	probs = security_header_problems(resp, page)
	return check("security headers on %s %s (%d)" % (resp.method, resp.path,
	    resp.status), not probs, "; ".join(probs))


def check_forms_csrf(resp):
	"""Every POST form on the page carries a non-empty hidden csrf."""
	bad = []
	for f in resp.page.forms:
		if f["method"] != "post":
			continue
		ok = any(i.get("name") == "csrf" and
		    i.get("type", "").lower() == "hidden" and i.get("value")
		    for i in f["inputs"])
		if not ok:
			bad.append(f["action"] or "(no action)")
	return check("every POST form on %s has a hidden csrf" % resp.path,
	    not bad, "forms without csrf: %s" % bad)


def is_redirect(resp, location):
	return resp.status == 303 and resp.location == location


def check_redirect(name, resp, location):
	return check(name, is_redirect(resp, location),
	    "want 303 Location %s; got %s" % (location, resp.summary()))


def require_redirect(name, resp, location):
	if not check_redirect(name, resp, location):
		raise Abort(name)


def check_page(name, resp, page, status=200):
	"""The page RESP shows (a POST's redirect followed) is PAGE with STATUS."""
	resp.shown()
	return check(name, resp.status == status and resp.name == page,
	    "want %d data-page=%s; got %s" % (status, page, resp.summary()))


def require_page(name, resp, page, status=200):
	if not check_page(name, resp, page, status):
		raise Abort(name)


SECRET_GROUPS = re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})*$")


def enrol_secret(resp):
	"""Secret shown on /enrol, without spaces (None when absent)."""
	raw = resp.page.ids.get("secret")
	if raw is None:
		return None
	return raw.replace(" ", "").upper()


# --------------------------------------------------------------- journey

GOOD_PASSWORD_WORDS = ["lantaarn", "kruidnagel", "vlieger", "zeehond",
    "bibliotheek", "molenwiek", "paraplu", "fietsbel"]


def new_password(tag=""):
	"""A long password that no common list holds."""
	n = int(time.time() * 1000) % 100000
	w = GOOD_PASSWORD_WORDS
	return "%s-%s-%s-%05d%s" % (w[n % 8], w[(n // 8) % 8], w[(n // 64) % 8],
	    n, tag)


class Account:
	def __init__(self, email_addr, password, device, browser):
		self.email = email_addr
		self.password = password
		self.device = device
		self.browser = browser


def login(server, addr, password, expect, label="login"):
	"""GET /login, POST credentials; require a 303 to `expect`."""
	b = Browser(server, label)
	r = b.get("/login")
	require_page("GET /login is the login page", r, "login")
	r = b.submit(r, "/login", {"email": addr, "password": password})
	require_redirect("POST /login (%s) redirects to %s" % (addr, expect),
	    r, expect)
	return b


def journey(server, addr, temp_password=None, device_name="Mijn telefoon",
    password=None, earliest=True):
	"""The whole first login of addr; returns an Account at the home page.

	temp_password defaults to the printed admin password.  Every step is
	required (a failure aborts the scenario)."""
	if temp_password is None:
		temp_password = server.admin_password
	b = login(server, addr, temp_password, "/enrol", "journey-" + addr)
	r = b.get("/enrol")
	require_page("GET /enrol is the enrol page", r, "enrol")
	secret = enrol_secret(r)
	require("/enrol shows the secret in <code id=secret>", secret,
	    r.page.ids)
	dev = Device(secret, device_name)
	code, step = dev.next_code(earliest=earliest)
	r = b.submit(r, "/enrol", {"device_name": device_name, "code": code})
	require_redirect("POST /enrol with oathtool's code redirects to /password",
	    r, "/password")
	dev.accepted(step)
	r = b.get("/password")
	require_page("GET /password is the password page", r, "password")
	password = password or new_password()
	r = b.submit(r, "/password", {"password": password,
	    "password_confirm": password})
	require_redirect("POST /password with a good password redirects to /otp",
	    r, "/otp")
	r = b.get("/otp")
	require_page("GET /otp is the otp page", r, "otp")
	code, step = dev.next_code()
	r = b.submit(r, "/otp", {"code": code})
	require_redirect("POST /otp with a fresh code redirects to the page that "
	    "offers recovery codes", r, "/account/recovery")
	dev.accepted(step)
	r = b.get("/")
	require_page("GET / is the home page", r, "home")
	b.password = password
	return Account(addr, password, dev, b)


def later_login(server, acct, label="later"):
	"""/login -> /otp -> / for an enrolled account; returns the browser."""
	b = login(server, acct.email, acct.password, "/otp", label)
	r = b.get("/otp")
	require_page("GET /otp is the otp page", r, "otp")
	code, step = acct.device.next_code()
	r = b.submit(r, "/otp", {"code": code})
	require_redirect("POST /otp redirects to /", r, "/")
	acct.device.accepted(step)
	b.password = acct.password
	return b


# --------------------------------------------------------------- subjects

def newest_mail(server, addr, subject, after=None, timeout=10):
	"""Newest message to addr whose Subject contains subject, optionally
	only among outbox files sorting after the path `after`; (path, msg)."""
	deadline = time.time() + timeout
	while True:
		hits = [(p, m) for p, m in read_mails(server)
		    if (after is None or p > after) and _addr_match(m, addr)
		    and subject.lower() in str(m.get("Subject", "")).lower()]
		if hits:
			return hits[-1]
		if time.time() >= deadline:
			return None, None
		time.sleep(0.2)


def cli_ok(server, *args):
	"""`kluis ARGS --data DIR`, required to exit 0; returns stdout text."""
	p = server.cli(*(list(args) + ["--data", server.data]))
	require("kluis %s exits 0" % " ".join(str(a) for a in args[:3]),
	    p.returncode == 0, "exit %d\nstdout: %s\nstderr: %s" % (p.returncode,
	    p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")))
	return p.stdout.decode(errors="replace")


def grant(server, addr, code, resend=False):
	"""`kluis grant [--resend] addr code`; returns the emailed validation code."""
	last = (read_mails(server) or [(None, None)])[-1][0]
	args = ["grant"] + (["--resend"] if resend else []) + [addr, code]
	cli_ok(server, *args)
	path, msg = newest_mail(server, addr, "validatiecode voor %s" % code,
	    after=last)
	require("validation code mail for %s to %s" % (code, addr),
	    msg is not None)
	secret = mail_secret(msg)
	require("validation code mail has the code on its own line", secret,
	    mail_body(msg))
	return secret


def publish(server, code, path, *extra):
	"""`kluis publish code path extra...`; returns the new file id."""
	out = cli_ok(server, "publish", code, path, *extra)
	m = re.search(r"as file (\d+)", out)
	require("kluis publish prints the file id", m, out)
	return int(m.group(1))


def unlock(browser, code, vcode):
	"""GET /subjects/code and submit the validation code; the response."""
	r = browser.get("/subjects/%s" % code)
	return browser.submit(r, "/subjects/%s/unlock" % code,
	    {"validation_code": vcode})
# ------------------------------------------------------------------------ recovery

RESET_SUBJECT = "Nieuw wachtwoord instellen"
RECOVERY_CODE = re.compile(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>")


def uid_of(server, addr):
	"""The account id of addr, or None."""
	rows = db_rows(server, "SELECT id FROM users WHERE email = ?", (addr,))
	return rows[0][0] if rows else None


def admin_server(state, *extra):
	"""One server for a whole test file, started with EXTRA options on the
	first call, and its admin fully logged in: (server, admin Account),
	kept in STATE ("srv", "admin", "admin_id")."""
	if "srv" not in state:
		srv = temp_server(*extra)
		state["srv"] = srv
		state["admin"] = journey(srv, srv.admin_email, srv.admin_password)
		state["admin_id"] = uid_of(srv, srv.admin_email)
	return state["srv"], state["admin"]


def db_rows(server, sql, args=()):
	"""Rows of a read-only query on the server's database (for assertions)."""
	import sqlite3
	con = sqlite3.connect("file:%s?mode=ro" % os.path.join(server.data,
	    "kluis.db"), uri=True, timeout=10)
	try:
		return con.execute(sql, args).fetchall()
	finally:
		con.close()


def db_write(server, sql, args=()):
	"""Change the database behind the server's back (e.g. to disable a
	user before the admin console exists)."""
	import sqlite3
	con = sqlite3.connect(os.path.join(server.data, "kluis.db"), timeout=10)
	try:
		con.execute(sql, args)
		con.commit()
	finally:
		con.close()


def account_state(server, addr):
	"""What a bad input must not change: password, devices, unused
	recovery codes, the live reset link, the pending reset request."""
	uid = db_rows(server, "SELECT id FROM users WHERE email = ?", (addr,))
	if not uid:
		return None
	uid = uid[0][0]
	return {
	    "user": db_rows(server, "SELECT password_hash, password_temp, "
		"disabled FROM users WHERE id = ?", (uid,)),
	    "devices": db_rows(server, "SELECT id, name, secret FROM devices "
		"WHERE user_id = ? ORDER BY id", (uid,)),
	    "recovery": db_rows(server, "SELECT id, code_hash FROM "
		"recovery_codes WHERE user_id = ? AND used IS NULL ORDER BY id",
		(uid,)),
	    "reset": db_rows(server, "SELECT token_hash FROM reset_tokens "
		"WHERE user_id = ?", (uid,)),
	    "requests": db_rows(server, "SELECT user_id FROM "
		"otp_reset_requests WHERE user_id = ?", (uid,)),
	}


def check_unchanged(name, server, addr, before):
	after = account_state(server, addr)
	diff = [k for k in before if before[k] != after.get(k)]
	return check("%s leaves the account unchanged" % name, not diff,
	    "changed: %s" % diff)


def audit_events(server, addr):
	return [r[0] for r in db_rows(server, "SELECT event FROM audit WHERE "
	    "user_id = (SELECT id FROM users WHERE email = ?) ORDER BY id",
	    (addr,))]


def mails_to(server, addr, subject):
	"""Paths of all messages to addr with subject, oldest first."""
	hits = [(p, m) for p, m in read_mails(server) if _addr_match(m, addr)
	    and subject.lower() in str(m.get("Subject", "")).lower()]
	hits.sort(key=lambda pm: pm[0])
	return hits


def device_choices(resp, action):
	"""{device name: radio value} of the form posting to action."""
	form = resp.page.form(action)
	out = {}
	for i in form_radios(form, "device") if form else []:
		out[resp.page.labels.get(i.get("id"), "")] = i.get("value")
	return out


def add_device(browser, name):
	"""/account/add -> a new Device named name, its id filled in."""
	r = browser.get("/account/add")
	require_page("GET /account/add is the add-phone page", r, "account_add")
	secret = enrol_secret(r)
	require("/account/add shows a secret", secret, r.page.ids)
	dev = Device(secret, name)
	code, step = dev.next_code()
	r = browser.submit(r, "/account/add", {"device_name": name, "code": code})
	require_redirect("POST /account/add -> /account?done=added", r,
	    "/account?done=added")
	dev.accepted(step)
	rows = db_rows(browser.server, "SELECT id FROM devices WHERE name = ? "
	    "ORDER BY id DESC", (name,))
	dev.id = str(rows[0][0]) if rows else None
	return dev


def new_recovery_codes(browser):
	"""POST /account/recovery; the 10 codes shown."""
	r = browser.get("/account")
	require_page("GET /account", r, "account")
	r = browser.submit(r, "/account/recovery", {})
	require_page("POST /account/recovery shows the codes", r,
	    "recovery_codes")
	return RECOVERY_CODE.findall(r.text)


def reset_tokens(server, addr):
	"""Tokens of every reset mail to addr, oldest first."""
	out = []
	for p, m in mails_to(server, addr, RESET_SUBJECT):
		for s in mail_secrets(m):
			q = urllib.parse.urlsplit(s).query
			t = urllib.parse.parse_qs(q).get("token")
			if t:
				out.append(t[0])
	return out


def forgot(server, addr, browser=None):
	"""GET /forgot, POST email; returns (browser, response)."""
	b = browser or Browser(server, "forgot")
	r = b.get("/forgot")
	require_page("GET /forgot is the forgot page", r, "forgot")
	return b, b.submit(r, "/forgot", {"email": addr})


def wait_reset_token(server, addr, count=1, timeout=10):
	"""The newest token once at least count reset mails reached addr."""
	deadline = time.time() + timeout
	while True:
		toks = reset_tokens(server, addr)
		if len(toks) >= count or time.time() >= deadline:
			return toks[-1] if len(toks) >= count else None
		time.sleep(0.2)
