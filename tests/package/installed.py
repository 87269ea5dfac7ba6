"""Helpers of the package tests: run a kluis that lives outside the source
tree, as an operator would (no KLUIS_SHARE, the working directory a fresh
temporary one), and fetch its pages. The checks come from
tests/e2e/kluis_test.py."""

import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
    "..", "e2e"))
from kluis_test import *  # noqa: E402,F401,F403
import kluis_test  # noqa: E402

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def operator_env():
	"""The environment without KLUIS_SHARE: the binary finds its files."""
	env = dict(os.environ)
	env.pop("KLUIS_SHARE", None)
	return env


def run(cmd, cwd=None, timeout=600, env=None):
	"""Run CMD; returns (exit status, stdout and stderr as text)."""
	note("run: %s" % " ".join(cmd))
	p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
	    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
	return p.returncode, p.stdout.decode("utf-8", "replace")


class Program:
	"""One kluis binary; COMMON (e.g. --share DIR) follow every command."""

	def __init__(self, binary, *common):
		self.binary = binary
		self.common = list(common)
		self.work = tempfile.mkdtemp(prefix="kluis-pkg-")
		self.data = os.path.join(self.work, "data")
		self.proc = None
		self.port = None
		self.out = []

	def cli(self, *args):
		"""`kluis ARGS --data DATA`: (exit status, output)."""
		return run([self.binary] + list(args) + self.common +
		    ["--data", self.data], cwd=self.work, timeout=60,
		    env=operator_env())

	def serve(self, *extra):
		"""Start `kluis serve`; True once /healthz answers 200."""
		self.port = free_port()
		cmd = [self.binary, "serve",
		    "--listen", "127.0.0.1:%d" % self.port, "--data", self.data,
		    "--public-url", "http://127.0.0.1:%d" % self.port] + \
		    self.common + list(extra)
		note("start: %s" % " ".join(cmd))
		self.proc = subprocess.Popen(cmd, cwd=self.work, env=operator_env(),
		    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
		    stderr=subprocess.STDOUT)
		threading.Thread(target=self._pump, daemon=True).start()
		deadline = time.time() + 20
		while time.time() < deadline:
			if self.proc.poll() is not None:
				time.sleep(0.2)
				return check("kluis serve keeps running", False,
				    "exit %d\n%s" % (self.proc.returncode, self.output()))
			try:
				if self.get("/healthz")[0] == 200:
					return True
			except OSError:
				pass
			time.sleep(0.1)
		return check("/healthz answers 200 within 20 s", False, self.output())

	def _pump(self):
		for raw in iter(self.proc.stdout.readline, b""):
			self.out.append(raw.decode("utf-8", "replace").rstrip("\n"))

	def output(self):
		return "\n".join(self.out)

	def get(self, path):
		"""GET PATH: (status, content type, body as text)."""
		c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
		try:
			c.request("GET", path)
			r = c.getresponse()
			return (r.status, r.getheader("Content-Type", ""),
			    r.read().decode("utf-8", "replace"))
		finally:
			c.close()

	def stop(self):
		if self.proc is None or self.proc.poll() is not None:
			return
		self.proc.send_signal(signal.SIGTERM)
		try:
			self.proc.wait(timeout=20)
		except subprocess.TimeoutExpired:
			self.proc.kill()
			self.proc.wait()
		check("kluis serve stops on SIGTERM with exit 0",
		    self.proc.returncode == 0, self.output()[-2000:])
		report = sanitizer_report(self.output())
		if report:
			check("kluis serve ran without sanitizer reports", False, report)


def journey_start(prog, what):
	"""The first page of the journey and the style sheet, from PROG."""
	status, ctype, body = prog.get("/login")
	check("%s: GET /login is 200 with the login form" % what,
	    status == 200 and 'data-page="login"' in body and
	    'href="/static/kluis.css"' in body,
	    "%d %s\n%s" % (status, ctype, body[:600]))
	status, ctype, body = prog.get("/static/kluis.css")
	check("%s: GET /static/kluis.css is the style sheet" % what,
	    status == 200 and ctype.startswith("text/css") and "{" in body,
	    "%d %s\n%s" % (status, ctype, body[:300]))
	m = re.search(r"^\s*email:\s*(\S+)\s*$|first admin (\S+) created",
	    prog.output(), re.M)
	return (m.group(1) or m.group(2)) if m else None


def roff_text(path):
	"""A man page's text without font changes and escapes, for searching."""
	import gzip
	opener = gzip.open if path.endswith(".gz") else open
	with opener(path, "rt", encoding="utf-8") as f:
		text = f.read()
	text = re.sub(r"\\f[BIRP]|\\f\[[A-Z]*\]", "", text)
	return text.replace("\\-", "-").replace("\\&", "").replace("\\(aq", "'")


def check_docs(binary, man1, man5, conf, what):
	"""kluis(1) names every command and serve option; kluis.conf(5) and the
	example configuration name every serve option as `name = `."""
	status, usage = run([binary, "--help"], env=operator_env())
	require("%s: kluis --help exits 0" % what, status == 0, usage)
	tops = []
	part = usage.split("commands:", 1)[-1].split("\n\n", 1)[0]
	for line in part.splitlines():
		if line.strip() and line.split()[0] not in tops:
			tops.append(line.split()[0])
	commands = []
	for top in tops:
		if top == "serve":
			commands.append("kluis serve")
			continue
		status, text = run([binary, top, "--help"], env=operator_env())
		found = re.findall(r"kluis (%s(?: [a-z][a-z|-]*)?) " % re.escape(top),
		    text)
		subs = set()
		for f in found:
			words = f.split(" ")
			if len(words) == 1 or words[1].upper() == words[1]:
				subs.add(words[0])
			else:
				for w in words[1].split("|"):
					subs.add("%s %s" % (words[0], w))
		commands += ["kluis " + s for s in sorted(subs)]
	check("%s: the commands were read from --help" % what,
	    len(commands) >= 15, commands)
	page1, page5 = roff_text(man1), roff_text(man5)
	missing = [c for c in commands if c not in page1]
	check("%s: kluis(1) names every command" % what, not missing,
	    "missing: %s" % missing)
	status, text = run([binary, "serve", "--help"], env=operator_env())
	opts = sorted(set(re.findall(r"^\s+--([a-z][a-z0-9-]+)", text, re.M)) -
	    {"help"})
	check("%s: the serve options were read from serve --help" % what,
	    len(opts) >= 20, opts)
	missing = [o for o in opts if "--" + o not in page1]
	check("%s: kluis(1) describes every serve option" % what, not missing,
	    "missing: %s" % missing)
	missing = [o for o in opts if not re.search(r"(^|, )%s = " %
	    re.escape(o), page5, re.M)]
	check("%s: kluis.conf(5) lists every serve option as name = value" % what,
	    not missing, "missing: %s" % missing)
	with open(conf, encoding="utf-8") as f:
		example = f.read()
	missing = [o for o in opts if not re.search(r"^#?%s = " % re.escape(o),
	    example, re.M)]
	check("%s: the example kluis.conf has a line for every serve option"
	    % what, not missing, "missing: %s" % missing)
