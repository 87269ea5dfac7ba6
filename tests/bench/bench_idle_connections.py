#!/usr/bin/env python3
"""Benchmark (not a pass/fail test): 10,000 idle connections held open.

Starts kluis (with the open-files soft limit a service manager gives it,
1024 unless --server-nofile says otherwise), measures its RSS, then opens
10,000 TCP connections that send nothing, 40 from each of 250 loopback
source addresses (127.0.2.1, 127.0.2.2, ..., so per-address limits do not
apply), and holds them; one the server closes is opened again a second
later (--no-reconnect: not). Meanwhile a normal client on 127.0.0.1
requests GET /login every 0.5 s (own connection each, 5 s timeout). It
reports how many connections were open at once, refused or closed by the
server, the server's descriptors and RSS (VmRSS) before and at its peak of
connections, and whether the normal client was served within 1 s while they
were opened and held.

Goal (DESIGN §6, connections): at least 10,000 concurrent connections, and
a normal client served within 1 s while they are held; RSS reported.

usage: tests/bench/bench_idle_connections.py [--build DIR] [--quick]
       [--duration SECS] [--conns N] [--per-addr N] [--every SECS]
       [--no-reconnect] [--server-nofile N]
"""

import argparse
import asyncio
import os
import socket
import time

import benchlib as bl

IP_BIND_ADDRESS_NO_PORT = 24


class Holder:
	"""N idle connections, PER_ADDR from each of 127.0.2.1, 127.0.2.2...;
	one the server closes is opened again after a second when RECONNECT."""

	def __init__(self, port, n, per_addr, reconnect):
		self.port, self.n, self.per_addr = port, n, per_addr
		self.reconnect = reconnect
		self.open = 0
		self.established = 0
		self.failed = {}
		self.closed_by_server = 0
		self.answered = 0
		self.reopened = 0
		self.stopping = None
		self.gate = None
		self.ready = None
		self.pending = n

	def addr(self, i):
		k = i // self.per_addr		# 0.. -> 127.0.2.1 .. 127.0.2.250,
		return "127.0.%d.%d" % (2 + k // 250, 1 + k % 250)	# 127.0.3.1 ..

	async def _conn(self, i):
		first = True
		while not self.stopping.is_set():
			if not first:
				self.reopened += 1
			await self._once(i, first)
			first = False
			if not self.reconnect:
				return
			try:
				await asyncio.wait_for(self.stopping.wait(), 1.0)
			except asyncio.TimeoutError:
				pass

	def _tried(self):
		"""One more of the first N connection attempts has its result."""
		self.pending -= 1
		if self.pending == 0:
			self.ready.set()

	async def _once(self, i, first):
		loop = asyncio.get_running_loop()
		s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		s.setblocking(False)
		try:
			s.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
			s.bind((self.addr(i), 0))
			async with self.gate:
				await asyncio.wait_for(loop.sock_connect(s,
				    ("127.0.0.1", self.port)), 10)
		except (OSError, asyncio.TimeoutError) as e:
			k = e.__class__.__name__
			if isinstance(e, OSError) and e.errno:
				k = "%s (%s)" % (k, os.strerror(e.errno))
			self.failed[k] = self.failed.get(k, 0) + 1
			s.close()
			if first:
				self._tried()
			return
		self.established += 1
		self.open += 1
		if first:
			self._tried()
		reader = asyncio.ensure_future(loop.sock_recv(s, 4096))
		stop = asyncio.ensure_future(self.stopping.wait())
		try:
			await asyncio.wait({reader, stop},
			    return_when=asyncio.FIRST_COMPLETED)
			if reader.done():
				if not reader.exception() and reader.result():
					self.answered += 1
				self.closed_by_server += 1
		finally:
			for f in (reader, stop):
				if not f.done():
					f.cancel()
			s.close()
			self.open -= 1

	async def run(self, hold):
		self.stopping = asyncio.Event()
		self.ready = asyncio.Event()
		self.gate = asyncio.Semaphore(500)
		tasks = [asyncio.ensure_future(self._conn(i)) for i in range(self.n)]
		await hold()
		self.stopping.set()
		await asyncio.gather(*tasks, return_exceptions=True)


def main():
	ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	ap.add_argument("--build", default=os.path.join(bl.ROOT, "build"))
	ap.add_argument("--quick", action="store_true",
	    help="smoke run: 1,000 connections held 4 s")
	ap.add_argument("--duration", type=int, default=0,
	    help="seconds to hold them once opened (default 15, quick 4)")
	ap.add_argument("--conns", type=int, default=0,
	    help="connections (default 10000, quick 1000)")
	ap.add_argument("--per-addr", type=int, default=40,
	    help="connections per source address (default 40)")
	ap.add_argument("--every", type=float, default=0,
	    help="seconds between timeline lines (default 5, quick 2)")
	ap.add_argument("--no-reconnect", action="store_true",
	    help="do not open a connection again when the server closes it")
	ap.add_argument("--server-nofile", type=int, default=1024,
	    help="kluis's soft RLIMIT_NOFILE at start (default 1024, as systemd "
	    "gives; 0 = inherit ours)")
	args = ap.parse_args()
	dur = args.duration or (4 if args.quick else 15)
	n = args.conns or (1000 if args.quick else 10000)
	kt = bl.setup(os.path.abspath(args.build))
	bl.banner("idle connections", kt)

	with bl.quiet(), bl.child_nofile(args.server_nofile):
		srv = kt.temp_server()
	pid = srv.proc.pid
	ours = bl.raise_nofile(n + 512)
	if ours < n + 64:
		n = ours - 64
		print("# holding only %d connections (our own descriptor limit)" % n)
	holder = Holder(srv.port, n, args.per_addr, not args.no_reconnect)
	print("# kluis pid %d: open-files soft limit %s when started, %s once "
	    "running; the bench's own %d" % (pid, args.server_nofile or "ours",
	    bl.proc_nofile(pid), ours))
	print("# %d idle connections, %d per address from %s to %s%s; probe "
	    "GET /login every 0.5 s (timeout %.0f s)" % (n, args.per_addr,
	    holder.addr(0), holder.addr(n - 1), "" if args.no_reconnect else
	    ", reopened 1 s after the server closes one", bl.PROBE_TIMEOUT),
	    flush=True)
	try:
		prober = bl.Prober(srv.port)
		prober.start()
		time.sleep(2)
		rss0, fds0 = bl.rss_kib(pid), bl.proc_fds(pid)
		bload = bl.load()
		marks = {}
		peak = {"open": 0, "fds": 0, "rss_at_fds": 0, "rss": 0}

		def sample():
			fds, rss = bl.proc_fds(pid) or 0, bl.rss_kib(pid) or 0
			peak["open"] = max(peak["open"], holder.open)
			if fds > peak["fds"]:
				peak["fds"], peak["rss_at_fds"] = fds, rss
			peak["rss"] = max(peak["rss"], rss)
			return fds, rss

		async def hold():
			marks["start"] = time.monotonic()
			limit = marks["start"] + (10 if args.quick else 30)
			while not holder.ready.is_set() and time.monotonic() < limit:
				fds, rss = sample()
				if args.every and args.every <= 1:
					print("  t=%3.0fs open %5d  kluis fds %d" % (
					    time.monotonic() - marks["start"], holder.open,
					    fds), flush=True)
				try:
					await asyncio.wait_for(holder.ready.wait(), 1)
				except asyncio.TimeoutError:
					pass
			marks["opened"] = time.monotonic()
			sample()
			print("# opening %s %.1f s: %d established, %d closed by the "
			    "server meanwhile, failed: %s%s" % ("took" if
			    holder.ready.is_set() else "stopped waiting after",
			    marks["opened"] - marks["start"], holder.established,
			    holder.closed_by_server, holder.failed or "none", "" if
			    holder.ready.is_set() else "; %d first attempts still "
			    "connecting" % holder.pending), flush=True)
			end = marks["opened"] + dur
			step = args.every or (2 if args.quick else 5)
			tick = marks["opened"]
			while time.monotonic() < end:
				await asyncio.sleep(min(1, max(0, end - time.monotonic())))
				fds, rss = sample()
				if time.monotonic() >= tick + step - 0.01 or \
				    time.monotonic() >= end:
					tick = time.monotonic()
					print("  t=%3.0fs open %5d (closed by server %d, "
					    "reconnects %d)  kluis fds %d rss %s" % (
					    tick - marks["start"], holder.open,
					    holder.closed_by_server, holder.reopened, fds,
					    kib(rss)), flush=True)
			marks["load"] = bl.load()
			marks["end"] = time.monotonic()

		asyncio.run(holder.run(hold))
		time.sleep(3)
		prober.finish()
		alive = srv.proc.poll() is None
		print("# kluis %s; rss %s 3 s after the connections closed" % (
		    "still running" if alive else "EXITED %s" % srv.proc.returncode,
		    kib(bl.rss_kib(pid))))
		print()
		rows = prober.results
		bl.probe_summary("before", [r for r in rows
		    if r[0] < marks["start"]], bload)
		o = bl.probe_summary("opening", [r for r in rows
		    if marks["start"] <= r[0] < marks["opened"]], "",
		    marks["start"])
		h = bl.probe_summary("held", [r for r in rows
		    if marks["opened"] <= r[0] < marks["end"]], marks["load"],
		    marks["start"])
		during = (o[0] + h[0], o[1] + h[1])
		bl.probe_summary("after", [r for r in rows
		    if r[0] >= marks["end"]], bl.load(), marks["start"])
		print("RESULT connections: at most %d of %d open at once (kluis "
		    "peak %d fds); %d connects, %d closed by the server, failures: "
		    "%s" % (peak["open"], n, peak["fds"], holder.established,
		    holder.closed_by_server, holder.failed or "none"))
		conns = peak["fds"] - (fds0 or 0)
		print("RESULT kluis rss %s before, %s at its peak of %d connections "
		    "(%s per connection), peak rss %s" % (kib(rss0),
		    kib(peak["rss_at_fds"]), conns, "%.1f KiB" % ((peak["rss_at_fds"]
		    - rss0) / conns) if conns > 0 and rss0 else "-",
		    kib(peak["rss"])))
		print("RESULT normal client served within 1 s while the connections"
		    " were opened and held: %s (%d/%d probes)" % ("yes" if
		    during[0] == during[1] and during[0] else "NO", during[1],
		    during[0]))
	finally:
		with bl.quiet():
			srv.cleanup()


def kib(v):
	return "-" if v is None else "%.1f MiB" % (v / 1024)


if __name__ == "__main__":
	main()
