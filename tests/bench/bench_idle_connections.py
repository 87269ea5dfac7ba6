#!/usr/bin/env python3
"""Benchmark (not a pass/fail test): 10,000 idle connections held open.

Starts kluis (with the open-files soft limit a service manager gives it,
1024 unless --server-nofile says otherwise), measures its RSS, then opens
10,000 TCP connections that send nothing, 40 from each of 250 loopback
source addresses (127.0.2.1, 127.0.2.2, ..., so per-address limits do not
apply), and holds them. Meanwhile a normal client on 127.0.0.1 requests
GET /login every 0.5 s (own connection each, 5 s timeout). It reports how
many connections were established, refused or closed by the server, the
server's descriptors and RSS (VmRSS) before and with the connections, and
whether the normal client was served within 1 s.

Goal (DESIGN §6, connections): at least 10,000 concurrent connections, and
a normal client served within 1 s while they are held; RSS reported.

usage: tests/bench/bench_idle_connections.py [--build DIR] [--quick]
       [--duration SECS] [--conns N] [--per-addr N] [--server-nofile N]
"""

import argparse
import asyncio
import os
import socket
import time

import benchlib as bl

IP_BIND_ADDRESS_NO_PORT = 24


class Holder:
	"""N idle connections, PER_ADDR from each of 127.0.2.1, 127.0.2.2..."""

	def __init__(self, port, n, per_addr):
		self.port, self.n, self.per_addr = port, n, per_addr
		self.open = 0
		self.established = 0
		self.failed = {}
		self.closed_by_server = 0
		self.answered = 0
		self.stopping = None
		self.gate = None
		self.ready = None
		self.pending = n

	def addr(self, i):
		k = i // self.per_addr		# 0.. -> 127.0.2.1 .. 127.0.2.250,
		return "127.0.%d.%d" % (2 + k // 250, 1 + k % 250)	# 127.0.3.1 ..

	async def _conn(self, i):
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
			self._done()
			return
		self.established += 1
		self.open += 1
		self._done()
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

	def _done(self):
		self.pending -= 1
		if self.pending == 0:
			self.ready.set()

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
	holder = Holder(srv.port, n, args.per_addr)
	print("# kluis pid %d: open-files limit %s at start; bench's own %d"
	    % (pid, bl.proc_nofile(pid), ours))
	print("# %d idle connections, %d per address from %s to %s; probe "
	    "GET /login every 0.5 s (timeout %.0f s)" % (n, args.per_addr,
	    holder.addr(0), holder.addr(n - 1), bl.PROBE_TIMEOUT), flush=True)
	try:
		prober = bl.Prober(srv.port)
		prober.start()
		time.sleep(2)
		rss0, fds0 = bl.rss_kib(pid), bl.proc_fds(pid)
		bload = bl.load()
		marks = {}

		async def hold():
			marks["start"] = time.monotonic()
			await holder.ready.wait()
			marks["opened"] = time.monotonic()
			print("# opening took %.1f s: %d established, failed: %s"
			    % (marks["opened"] - marks["start"], holder.established,
			    holder.failed or "none"), flush=True)
			end = marks["opened"] + dur
			while time.monotonic() < end:
				await asyncio.sleep(min(5, max(0, end - time.monotonic())))
				print("  t=%3.0fs held %5d (closed by server %d)  kluis "
				    "fds %s rss %s" % (time.monotonic() - marks["opened"],
				    holder.open, holder.closed_by_server, bl.proc_fds(pid),
				    kib(bl.rss_kib(pid))), flush=True)
			marks["rss"], marks["fds"] = bl.rss_kib(pid), bl.proc_fds(pid)
			marks["held"] = holder.open
			marks["load"] = bl.load()
			marks["end"] = time.monotonic()

		asyncio.run(holder.run(hold))
		time.sleep(3)
		prober.finish()
		alive = srv.proc.poll() is None
		rss2 = bl.rss_kib(pid)
		print("# kluis %s; rss %s 3 s after the connections closed" % (
		    "still running" if alive else "EXITED %s" % srv.proc.returncode,
		    kib(rss2)))
		print()
		rows = prober.results
		bl.probe_summary("before", [r for r in rows
		    if r[0] < marks["start"]], bload)
		bl.probe_summary("opening", [r for r in rows
		    if marks["start"] <= r[0] < marks["opened"]], "")
		held = bl.probe_summary("held", [r for r in rows
		    if marks["opened"] <= r[0] < marks["end"]], marks["load"])
		bl.probe_summary("after", [r for r in rows
		    if r[0] >= marks["end"]], bl.load())
		print("RESULT connections: %d of %d established, %d still held at "
		    "the end (%d closed by the server, failures: %s)" % (
		    holder.established, n, marks["held"], holder.closed_by_server,
		    holder.failed or "none"))
		print("RESULT kluis rss %s before, %s with the connections (%s "
		    "per connection); fds %s -> %s" % (kib(rss0), kib(marks["rss"]),
		    "%.1f KiB" % ((marks["rss"] - rss0) / max(1, marks["held"]))
		    if marks["rss"] and rss0 else "-", fds0, marks["fds"]))
		print("RESULT normal client served within 1 s while held: %s (%d/%d"
		    " probes)" % ("yes" if held[0] == held[1] and held[0] else "NO",
		    held[1], held[0]))
	finally:
		with bl.quiet():
			srv.cleanup()


def kib(v):
	return "-" if v is None else "%.1f MiB" % (v / 1024)


if __name__ == "__main__":
	main()
