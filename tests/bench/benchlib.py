"""Shared pieces of the benchmarks in tests/bench/ (not pass/fail tests).

Every bench starts its own `kluis serve` on loopback with data seeded through
the kluis CLI and real logins (codes from oathtool), as the end-to-end tests
do (tests/e2e/kluis_test.py), measures, and prints figures from one run.
"""

import contextlib
import http.client
import io
import multiprocessing
import os
import queue
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def setup(build):
	"""Point the e2e harness at BUILD/kluis; returns the kluis_test module."""
	os.environ.setdefault("KLUIS_BIN", os.path.join(build, "kluis"))
	os.environ.setdefault("KLUIS_SHARE", ROOT)
	sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
	import kluis_test
	if not os.access(kluis_test.KLUIS_BIN, os.X_OK):
		sys.exit("bench: no kluis binary at %s (--build DIR)" %
		    kluis_test.KLUIS_BIN)
	return kluis_test


def need(tool, package):
	"""Install the Debian package when TOOL is missing (as root)."""
	if shutil.which(tool) or os.path.exists("/usr/sbin/" + tool):
		return
	print("# %s missing: apt-get install %s" % (tool, package), flush=True)
	env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
	subprocess.run(["apt-get", "install", "-y", "-q",
	    "-o", "DPkg::Lock::Timeout=300", "--no-install-recommends", package],
	    check=True, env=env)


def load():
	"""The machine's load averages, as uptime prints them."""
	return "load %.2f %.2f %.2f" % os.getloadavg()


def commit():
	try:
		return subprocess.run(["git", "-C", ROOT, "log", "-1",
		    "--format=%h %cd", "--date=short"], stdout=subprocess.PIPE,
		    stderr=subprocess.DEVNULL, check=True).stdout.decode().strip()
	except (OSError, subprocess.CalledProcessError):
		return "unknown commit"


def banner(name, kt):
	print("# %s: %s, commit %s, %d CPUs, %s" % (name,
	    time.strftime("%Y-%m-%d %H:%M"), commit(), os.cpu_count(), load()))
	print("# binary %s" % kt.KLUIS_BIN, flush=True)


@contextlib.contextmanager
def quiet():
	"""Silence the e2e harness's "ok ..." lines; show them on failure."""
	buf = io.StringIO()
	try:
		with contextlib.redirect_stdout(buf):
			yield
	except BaseException:
		sys.stdout.write(buf.getvalue()[-4000:])
		raise


@contextlib.contextmanager
def child_nofile(soft):
	"""Processes started inside get RLIMIT_NOFILE soft limit SOFT (0: as
	ours). A service manager starts kluis with 1024 (systemd's default)."""
	old = resource.getrlimit(resource.RLIMIT_NOFILE)
	if soft:
		resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, old[1]),
		    old[1]))
	try:
		yield
	finally:
		resource.setrlimit(resource.RLIMIT_NOFILE, old)


def raise_nofile(want):
	"""Raise our own soft RLIMIT_NOFILE to the hard limit; returns it."""
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	target = hard if hard != resource.RLIM_INFINITY else max(want, soft)
	if target > soft:
		try:
			resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
			soft = target
		except (ValueError, OSError) as e:
			print("# cannot raise RLIMIT_NOFILE to %d: %s" % (target, e))
	if soft < want:
		print("# RLIMIT_NOFILE is %d, less than the %d descriptors wanted"
		    % (soft, want))
	return soft


def proc_nofile(pid):
	"""The soft 'Max open files' of process PID (None when unreadable)."""
	try:
		with open("/proc/%d/limits" % pid) as f:
			for line in f:
				if line.startswith("Max open files"):
					return int(line.split()[3])
	except (OSError, ValueError, IndexError):
		pass
	return None


def proc_fds(pid):
	"""Number of open descriptors of process PID (None when gone)."""
	try:
		return len(os.listdir("/proc/%d/fd" % pid))
	except OSError:
		return None


def rss_kib(pid):
	"""VmRSS of process PID in KiB (None when gone)."""
	try:
		with open("/proc/%d/status" % pid) as f:
			for line in f:
				if line.startswith("VmRSS:"):
					return int(line.split()[1])
	except (OSError, ValueError):
		pass
	return None


def seed_page(kt, srv, files=1, size=4096, work=None):
	"""A user logged in (a real journey) with an unlocked subject holding
	FILES published files of SIZE bytes. Returns (account, code, cookie,
	[file ids]). The file-list page is then /subjects/Bench."""
	own = work is None
	work = work or tempfile.mkdtemp(prefix="kluis-bench-")
	try:
		pw = srv.user_add("bench@example.nl")
		acct = kt.journey(srv, "bench@example.nl", temp_password=pw)
		kt.cli_ok(srv, "subject", "add", "Bench", "--title", "Benchmark")
		vcode = kt.grant(srv, "bench@example.nl", "Bench")
		ids = []
		for i in range(files):
			path = os.path.join(work, "report-%d.bin" % (i + 1))
			with open(path, "wb") as f:
				f.write(os.urandom(size))
			ids.append(kt.publish(srv, "Bench", path))
		r = kt.unlock(acct.browser, "Bench", vcode)
		kt.require("unlocked", r.status == 303)
		page = acct.browser.get("/subjects/Bench")
		kt.require("file list page", page.status == 200 and
		    ("/files/%d" % ids[0]) in page.text)
	finally:
		if own:
			shutil.rmtree(work, ignore_errors=True)
	cookie = "%s=%s" % (kt.SESSION_COOKIE, acct.browser.session)
	return acct, "Bench", cookie, ids


# --------------------------------------------------------------- wrk

_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(value, unit):
	return float(value) * _UNIT[unit]


def wrk(url, duration, cookie=None, conns=8, threads=4, timeout=10):
	"""Run wrk --latency; returns a dict: rps, bps, p50, p75, p90, p99, max
	(ms), non2xx, errors (socket errors), out (the text). A request slower
	than TIMEOUT seconds counts as an error, not in the latencies."""
	cmd = ["wrk", "-t%d" % min(threads, conns), "-c%d" % conns,
	    "-d%ds" % duration, "--timeout", "%ds" % timeout, "--latency"]
	if cookie:
		cmd += ["-H", "Cookie: " + cookie]
	cmd.append(url)
	out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
	    check=True).stdout.decode()
	res = {"out": out, "non2xx": 0, "errors": 0}
	m = re.search(r"Requests/sec:\s+([\d.]+)", out)
	res["rps"] = float(m.group(1)) if m else 0.0
	m = re.search(r"Transfer/sec:\s+([\d.]+)([KMGT]?B)", out)
	mult = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30,
	    "TB": 1 << 40}
	res["bps"] = float(m.group(1)) * mult[m.group(2)] if m else 0.0
	for pct, v, u in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$",
	    out, re.M):
		res["p" + pct] = _ms(v, u)
	m = re.search(r"^\s+Latency\s+([\d.]+)(\w+)\s+([\d.]+)(\w+)\s+"
	    r"([\d.]+)(\w+)", out, re.M)
	if m and m.group(6) in _UNIT:
		res["max"] = _ms(m.group(5), m.group(6))
	m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
	if m:
		res["non2xx"] = int(m.group(1))
	m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
	    r"timeout (\d+)", out)
	if m:
		res["errors"] = sum(int(x) for x in m.groups())
	if res["non2xx"] or res["errors"]:
		print("# WARNING: %s: %d non-2xx answers, %d socket errors" % (
		    url, res["non2xx"], res["errors"]), flush=True)
	return res


def fmt_ms(ms):
	if ms is None:
		return "-"
	if ms < 1:
		return "%.0f us" % (ms * 1e3)
	if ms < 1000:
		return "%.1f ms" % ms
	return "%.2f s" % (ms / 1e3)


def percentile(values, pct):
	"""The PCT percentile of VALUES (nearest rank), None when empty."""
	if not values:
		return None
	v = sorted(values)
	k = max(0, min(len(v) - 1, int(round(pct / 100.0 * len(v) + 0.5)) - 1))
	return v[k]


def pct_ms(seconds, pct):
	"""percentile() of values in seconds, in ms (None when empty)."""
	p = percentile(seconds, pct)
	return None if p is None else p * 1e3


# --------------------------------------------------------------- probing

PROBE_TIMEOUT = 5.0


class Prober:
	"""GET /login from 127.0.0.1 every INTERVAL s, each on its own thread,
	in a child process of its own, so that the bench's own work (thousands
	of sockets) cannot delay the probes or their clocks (CLOCK_MONOTONIC
	is the same in both processes)."""

	def __init__(self, port, interval=0.5):
		self.port = port
		self.interval = interval
		self._results = []	# (start, seconds when served or None,
					#  what, seconds until answer or failure)
		self._queue = multiprocessing.Queue()
		self._stop = multiprocessing.Event()
		self._proc = multiprocessing.Process(target=self._main, daemon=True)

	@property
	def results(self):
		"""The probes that ended so far."""
		while True:
			try:
				self._results.append(self._queue.get_nowait())
			except queue.Empty:
				return self._results

	def _one(self, start):
		c = http.client.HTTPConnection("127.0.0.1", self.port,
		    timeout=PROBE_TIMEOUT, source_address=("127.0.0.1", 0))
		t0 = time.monotonic()
		try:
			c.request("GET", "/login", headers={"Connection": "close"})
			r = c.getresponse()
			r.read()
			dt = time.monotonic() - t0
			what = "ok" if r.status == 200 else "status %d" % r.status
			res = (start, dt if r.status == 200 else None, what, dt)
		except socket.timeout:
			res = (start, None, "timeout", time.monotonic() - t0)
		except (OSError, http.client.HTTPException) as e:
			res = (start, None, e.__class__.__name__, time.monotonic()
			    - t0)
		finally:
			c.close()
		self._queue.put(res)

	def _main(self):
		threads = []
		nxt = time.monotonic()
		while not self._stop.is_set():
			t = threading.Thread(target=self._one, args=(nxt,), daemon=True)
			t.start()
			threads.append(t)
			nxt += self.interval
			self._stop.wait(max(0, nxt - time.monotonic()))
		for t in threads:
			t.join(PROBE_TIMEOUT + 1)
		self._queue.close()
		self._queue.join_thread()

	def start(self):
		self._proc.start()

	def finish(self):
		self._stop.set()
		deadline = time.monotonic() + PROBE_TIMEOUT + 5
		while self._proc.is_alive() and time.monotonic() < deadline:
			self.results	# drain, or the child cannot flush its queue
			time.sleep(0.05)
		self._proc.join(1)
		return self.results


def probe_summary(label, rows, load, t0=None):
	"""Print one line about Prober results ROWS; returns (probes, served
	within 1 s). With T0, also when (seconds after T0) the probes that were
	not served within 1 s started."""
	n = len(rows)
	lat = [d for _, d, _, _ in rows if d is not None]
	fails = {}
	for _, d, what, _ in rows:
		if d is None:
			fails[what] = fails.get(what, 0) + 1
	within = sum(1 for d in lat if d <= 1.0)
	worst = max([dt for _, _, _, dt in rows] or [0])
	if not n:
		return 0, 0
	print("%-7s %3d probes: %3d served within 1 s, %3d failed%s   p50 %s"
	    "  p99 %s  max %s   [%s]" % (label, n, within, n - len(lat),
	    (" (%s)" % ", ".join("%s x%d" % kv for kv in sorted(fails.items()))
	    if fails else ""), fmt_ms(pct_ms(lat, 50)),
	    fmt_ms(pct_ms(lat, 99)), fmt_ms(worst * 1e3)
	    + (" (timeout)" if fails.get("timeout") else ""), load), flush=True)
	late = sorted(r[0] - t0 for r in rows if r[1] is None or r[1] > 1.0) \
	    if t0 is not None else []
	if late:
		print("        not served within 1 s: probes started at t=%s s" %
		    ", ".join("%.1f" % t for t in late[:16]) +
		    (" ..." if len(late) > 16 else ""), flush=True)
	return n, within


# --------------------------------------------------------------- perf

def perf_record(pid, seconds, data, call_graph="dwarf,32768"):
	"""Start `perf record -g` of process PID for SECONDS into DATA (put the
	load on it meanwhile); returns the Popen. DWARF unwinding, since a
	RelWithDebInfo build keeps no frame pointers."""
	need("perf", "linux-perf")
	return subprocess.Popen(["perf", "record", "-F", "499", "--call-graph",
	    call_graph, "-o", data, "-p", str(pid), "--", "sleep",
	    str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def perf_report(data, top=25):
	"""[(title, lines)] from DATA: the top symbols by self time; kluis's
	own functions by inclusive time (with what they call); the libc system
	call wrappers by inclusive time (with the kernel's share; futex waits
	and wakes are lock contention)."""
	def report(children, limit):
		cmd = ["perf", "report", "-i", data, "--stdio", "--sort", "dso,sym",
		    "--percent-limit", str(limit), "-g", "none",
		    "--children" if children else "--no-children"]
		p = subprocess.run(cmd, stdout=subprocess.PIPE,
		    stderr=subprocess.DEVNULL)
		return [ln.rstrip() for ln in p.stdout.decode(errors="replace")
		    .splitlines() if ln.strip() and not ln.startswith("#")]

	incl = report(True, 0.5)
	own = [ln for ln in incl if re.match(r"\s*[\d.]+%\s+[\d.]+%\s+kluis\s", ln)]
	sys_ = [ln for ln in incl if re.search(r"libc\.so\S*\s+\[\.\] \S*("
	    r"sendmsg|sendfile|writev|fcntl|recv|read|epoll_wait|lll_lock_wa|"
	    r"futex|mutex|accept|close)", ln) and "start_thread" not in ln]
	return [("self", report(False, 0.5)[:top]),
	    ("kluis functions, inclusive", own[:top]),
	    ("system calls (libc wrappers), inclusive", sys_[:12])]
