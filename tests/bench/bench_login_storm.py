#!/usr/bin/env python3
"""Benchmark (not a pass/fail test): a rush of logins next to page traffic.

Starts kluis with a logged-in user whose subject is unlocked, then measures
the unlocked file-list page /subjects/Bench with wrk --latency (a few
connections):
  1. idle: nothing else runs;
  2. storm: meanwhile 50 clients, each with its own account and its own
     loopback source address (127.0.1.x), log in with the correct password
     in a loop (GET /login, POST /login with email and password; they stop
     at the code stage /otp, the password hash is the cost).
It reports the page's p50/p99 and req/s in both phases, the logins/s the
clients achieved, and for reference how many argon2id hashes/s this machine
does with kluis's parameters (m=19456 KiB, t=2, p=1; libargon2 directly on
every core, with as many threads as kluis has workers, server idle; the
mean of a measurement before and one after the page phases).

Goal (DESIGN §6, hashing off the request path): storm p99 at most 2x idle
p99, and logins/s close to the hashes/s the cores can do.

usage: tests/bench/bench_login_storm.py [--build DIR] [--quick]
       [--duration SECS] [--clients N] [--conns N] [--threads N]
Needs wrk and oathtool (installed with apt-get when missing, as root).
"""

import argparse
import concurrent.futures
import ctypes
import ctypes.util
import http.client
import os
import re
import threading
import time
import urllib.parse

import benchlib as bl

PW_T, PW_M, PW_P = 2, 19456, 1		# portal/password.c


def hash_rate(seconds, threads):
	"""argon2id hashes/s with kluis's parameters on THREADS threads."""
	name = ctypes.util.find_library("argon2") or "libargon2.so.1"
	lib = ctypes.CDLL(name)
	f = lib.argon2id_hash_raw
	f.argtypes = [ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
	    ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
	    ctypes.c_void_p, ctypes.c_size_t]
	pw, salt = b"lantaarn-kruidnagel-vlieger", os.urandom(16)
	counts = []
	start = threading.Barrier(threads + 1)
	end = [0.0]

	def run():
		out = ctypes.create_string_buffer(32)
		n = 0
		start.wait()
		while time.monotonic() < end[0]:
			if f(PW_T, PW_M, PW_P, pw, len(pw), salt, len(salt), out,
			    32) != 0:
				raise RuntimeError("argon2id_hash_raw failed")
			n += 1
		counts.append(n)

	ts = [threading.Thread(target=run) for _ in range(threads)]
	for t in ts:
		t.start()
	t0 = time.monotonic()
	end[0] = t0 + seconds
	start.wait()
	for t in ts:
		t.join()
	return sum(counts) / (time.monotonic() - t0)


class Stats:
	def __init__(self):
		self.ok = []		# (time done, seconds) of each login to /otp
		self.other = {}		# status or error name -> count
		self.lock = threading.Lock()

	def bad(self, what):
		with self.lock:
			self.other[what] = self.other.get(what, 0) + 1


def _cookies(resp, jar):
	for sc in resp.headers.get_all("Set-Cookie") or []:
		name, _, rest = sc.partition("=")
		value = rest.split(";", 1)[0]
		if value:
			jar[name.strip()] = value
		else:
			jar.pop(name.strip(), None)


def login_loop(port, source, email, password, stop, stats):
	"""GET /login + POST /login until STOP, counting into STATS."""
	conn = None
	jar = {}
	while not stop.is_set():
		try:
			if conn is None:
				conn = http.client.HTTPConnection("127.0.0.1", port,
				    timeout=60, source_address=(source, 0))
			h = {"Host": "127.0.0.1:%d" % port}
			if jar:
				h["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
			conn.request("GET", "/login", headers=h)
			r = conn.getresponse()
			body = r.read().decode("utf-8", "replace")
			_cookies(r, jar)
			m = re.search(r'name="csrf" value="([^"]+)"', body)
			if r.status != 200 or not m:
				stats.bad("GET /login %d" % r.status)
				if r.will_close:
					conn.close()
					conn = None
				time.sleep(0.2)
				continue
			form = urllib.parse.urlencode({"email": email,
			    "password": password, "csrf": m.group(1)})
			h = {"Host": "127.0.0.1:%d" % port,
			    "Content-Type": "application/x-www-form-urlencoded",
			    "Cookie": "; ".join("%s=%s" % kv for kv in jar.items())}
			t0 = time.monotonic()
			conn.request("POST", "/login", body=form, headers=h)
			r = conn.getresponse()
			r.read()
			t1 = time.monotonic()
			_cookies(r, jar)
			if r.status == 303 and (r.getheader("Location") or ""
			    ).endswith("/otp"):
				stats.ok.append((t1, t1 - t0))
			else:
				stats.bad("POST /login %d" % r.status)
				if r.status in (429, 503):
					time.sleep(0.2)
			if r.will_close:
				conn.close()
				conn = None
		except (OSError, http.client.HTTPException) as e:
			stats.bad(e.__class__.__name__)
			if conn is not None:
				conn.close()
			conn = None
			time.sleep(0.2)
	if conn is not None:
		conn.close()


def make_accounts(kt, srv, n):
	"""N enrolled accounts (real journeys, 4 at a time: the hashing queue
	takes at most 4 requests of one address): [(email, pw)]."""
	def one(i):
		addr = "storm%02d@example.nl" % i
		temp = srv.user_add(addr)
		acct = kt.journey(srv, addr, temp_password=temp,
		    password=kt.new_password("-%02d" % i))
		return addr, acct.password

	with concurrent.futures.ThreadPoolExecutor(4) as ex:
		return list(ex.map(one, range(n)))


def line(label, w):
	return "%-6s page %8.0f req/s   p50 %9s   p99 %9s   max %9s" % (
	    label, w["rps"], bl.fmt_ms(w.get("p50")), bl.fmt_ms(w.get("p99")),
	    bl.fmt_ms(w.get("max")))


def main():
	ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	ap.add_argument("--build", default=os.path.join(bl.ROOT, "build"))
	ap.add_argument("--quick", action="store_true",
	    help="smoke run: 10 clients, 4 s phases")
	ap.add_argument("--duration", type=int, default=0,
	    help="seconds per phase (default 15, quick 4)")
	ap.add_argument("--clients", type=int, default=0,
	    help="logging-in clients (default 50, quick 10)")
	ap.add_argument("--conns", type=int, default=4,
	    help="wrk connections on the page (default 4)")
	ap.add_argument("--threads", type=int, default=0,
	    help="kluis --threads (default: kluis's own default)")
	args = ap.parse_args()
	dur = args.duration or (4 if args.quick else 15)
	nclients = args.clients or (10 if args.quick else 50)
	kt = bl.setup(os.path.abspath(args.build))
	bl.need("wrk", "wrk")
	bl.need("oathtool", "oathtool")
	bl.banner("login storm", kt)

	extra = ["--threads", str(args.threads)] if args.threads else []
	t0 = time.time()
	with bl.quiet():
		srv = kt.temp_server(*extra)
		_, code, cookie, _ = bl.seed_page(kt, srv, files=3)
		accounts = make_accounts(kt, srv, nclients)
	print("# seeded: 1 page user, %d login accounts (%.0f s)" % (
	    len(accounts), time.time() - t0), flush=True)
	url = "%s/subjects/%s" % (srv.url, code)
	try:
		# One thread per core; at least as many as kluis has workers, so
		# that on a shared machine the reference gets the same share of
		# the CPUs as the server (on an idle one both are the same).
		# Measured before and after the page phases: the mean is the
		# reference.
		nt = max(os.cpu_count() or 1, args.threads or 4)
		hsecs = 3 if args.quick else 8
		hps1 = hash_rate(hsecs, nt)
		print("hashes  argon2id m=%d t=%d p=%d: %.1f hashes/s on %d threads,"
		    " %d CPUs   [%s]" % (PW_M, PW_T, PW_P, hps1, nt, os.cpu_count(),
		    bl.load()), flush=True)
		idle = bl.wrk(url, dur, cookie, conns=args.conns, threads=2)
		print(line("idle", idle) + "   [%s]" % bl.load(), flush=True)

		stats, stop = Stats(), threading.Event()
		clients = [threading.Thread(target=login_loop, args=(srv.port,
		    "127.0.1.%d" % (i + 1), e, p, stop, stats), daemon=True)
		    for i, (e, p) in enumerate(accounts)]
		for c in clients:
			c.start()
		time.sleep(2)		# let the rush build up
		w0 = time.monotonic()
		storm = bl.wrk(url, dur, cookie, conns=args.conns, threads=2)
		w1 = time.monotonic()
		sload = bl.load()
		stop.set()
		for c in clients:
			c.join(timeout=70)
		print(line("storm", storm) + "   [%s]" % sload)
		hps2 = hash_rate(hsecs, nt)
		hps = (hps1 + hps2) / 2
		print("hashes  again after the storm: %.1f hashes/s   [%s]" % (hps2,
		    bl.load()))
		during = [d for t, d in stats.ok if w0 <= t <= w1]
		lps = len(during) / (w1 - w0)
		print("logins  %d clients: %.1f logins/s during the storm phase "
		    "(%d to /otp; login p50 %s, p99 %s)" % (len(accounts), lps,
		    len(during), bl.fmt_ms(bl.pct_ms(during, 50)),
		    bl.fmt_ms(bl.pct_ms(during, 99))))
		if stats.other:
			print("        other answers over the whole rush: %s" % ", ".join(
			    "%s x%d" % kv for kv in sorted(stats.other.items())))
		print()
		ratio = storm["p99"] / idle["p99"] if idle.get("p99") else 0
		print("RESULT storm p99 / idle p99 = %.1fx (%s / %s; target <= 2x)"
		    % (ratio, bl.fmt_ms(storm.get("p99")), bl.fmt_ms(idle.get("p99"))))
		print("RESULT page req/s storm / idle = %.2f (%.0f / %.0f)" % (
		    storm["rps"] / idle["rps"] if idle["rps"] else 0, storm["rps"],
		    idle["rps"]))
		print("RESULT logins/s / hashes/s = %.2f (%.1f / %.1f; target close"
		    " to 1)" % (lps / hps if hps else 0, lps, hps))
	finally:
		with bl.quiet():
			srv.cleanup()


if __name__ == "__main__":
	main()
