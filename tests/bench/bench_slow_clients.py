#!/usr/bin/env python3
"""Benchmark (not a pass/fail test): slow clients holding connections.

Starts kluis (with the open-files soft limit a service manager gives it,
1024 unless --server-nofile says otherwise), then:
  1. before: a normal client on 127.0.0.1 requests GET /login every 0.5 s;
  2. attack: 2,000 connections from 8 loopback source addresses
     (127.0.0.2-9, 250 each) each send one byte of a request header every
     5-15 s and never finish it; a connection the server closes is opened
     again after a second (a determined attacker); the normal client keeps
     probing every 0.5 s;
  3. after: the attack's connections are closed; probing goes on for 10 s.
Each probe is its own connection with a 5 s timeout. It reports, per phase,
the normal client's latency (p50, p99, max), how many probes were served
within 1 s and how many failed (timeout, refused, reset, wrong status), with
a timeline of open attack connections and the server's descriptors and RSS.

Goal (DESIGN §6, connections): the normal client is served within 1 s
throughout, during the attack and after it.

usage: tests/bench/bench_slow_clients.py [--build DIR] [--quick]
       [--duration SECS] [--conns N] [--addrs N] [--server-nofile N]
"""

import argparse
import asyncio
import os
import random
import socket
import time

import benchlib as bl

IP_BIND_ADDRESS_NO_PORT = 24
PAYLOAD = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


class Attack:
	"""N slow connections from ADDRS, one header byte every IMIN-IMAX s."""

	def __init__(self, port, addrs, n, imin, imax):
		self.port, self.addrs, self.n = port, addrs, n
		self.imin, self.imax = imin, imax
		self.open = 0
		self.connects = 0
		self.connect_failed = {}
		self.closed_by_server = 0
		self.answered = 0
		self.bytes_sent = 0
		self.stopping = None
		self.gate = None

	async def _conn(self, i):
		loop = asyncio.get_running_loop()
		src = self.addrs[i % len(self.addrs)]
		while not self.stopping.is_set():
			s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
			s.setblocking(False)
			s.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
			try:
				s.bind((src, 0))
				async with self.gate:
					await asyncio.wait_for(loop.sock_connect(s,
					    ("127.0.0.1", self.port)), 10)
			except (OSError, asyncio.TimeoutError) as e:
				k = e.__class__.__name__
				self.connect_failed[k] = self.connect_failed.get(k, 0) + 1
				s.close()
				await self._pause(1.0)
				continue
			self.connects += 1
			self.open += 1
			reader = asyncio.ensure_future(loop.sock_recv(s, 4096))
			stop = asyncio.ensure_future(self.stopping.wait())
			pos = 0
			try:
				while True:
					b = PAYLOAD[pos:pos + 1] or b"a"
					await loop.sock_sendall(s, b)
					self.bytes_sent += 1
					pos += 1
					done, _ = await asyncio.wait({reader, stop},
					    timeout=random.uniform(self.imin, self.imax),
					    return_when=asyncio.FIRST_COMPLETED)
					if stop in done:
						break
					if reader in done:
						if reader.result():
							self.answered += 1
						self.closed_by_server += 1
						break
			except OSError:
				self.closed_by_server += 1
			finally:
				for f in (reader, stop):
					if not f.done():
						f.cancel()
				if reader.done() and not reader.cancelled():
					reader.exception()	# retrieved: no warning
				s.close()
				self.open -= 1
			await self._pause(random.uniform(0.5, 1.0))

	async def _pause(self, secs):
		try:
			await asyncio.wait_for(self.stopping.wait(), secs)
		except asyncio.TimeoutError:
			pass

	async def run(self, until_stop):
		self.stopping = asyncio.Event()
		self.gate = asyncio.Semaphore(200)
		tasks = [asyncio.ensure_future(self._conn(i)) for i in range(self.n)]
		await until_stop()
		self.stopping.set()
		await asyncio.gather(*tasks, return_exceptions=True)


def main():
	ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	ap.add_argument("--build", default=os.path.join(bl.ROOT, "build"))
	ap.add_argument("--quick", action="store_true",
	    help="smoke run: 400 connections, 6 s attack, 3 s after")
	ap.add_argument("--duration", type=int, default=0,
	    help="seconds of attack (default 20, quick 6)")
	ap.add_argument("--after", type=int, default=0,
	    help="seconds of probing after the attack (default 10, quick 3)")
	ap.add_argument("--conns", type=int, default=0,
	    help="attack connections (default 2000, quick 400)")
	ap.add_argument("--addrs", type=int, default=8,
	    help="attack source addresses 127.0.0.2.. (default 8)")
	ap.add_argument("--server-nofile", type=int, default=1024,
	    help="kluis's soft RLIMIT_NOFILE at start (default 1024, as systemd "
	    "gives; 0 = inherit ours)")
	args = ap.parse_args()
	dur = args.duration or (6 if args.quick else 20)
	after = args.after or (3 if args.quick else 10)
	n = args.conns or (400 if args.quick else 2000)
	addrs = ["127.0.0.%d" % (2 + i) for i in range(args.addrs)]
	kt = bl.setup(os.path.abspath(args.build))
	bl.banner("slow clients", kt)

	with bl.quiet(), bl.child_nofile(args.server_nofile):
		srv = kt.temp_server()
	pid = srv.proc.pid
	ours = bl.raise_nofile(n + 512)
	print("# kluis pid %d: open-files soft limit %s when started, %s once "
	    "running; the bench's own %d" % (pid, args.server_nofile or "ours",
	    bl.proc_nofile(pid), ours))
	print("# %d attack connections from %s-%s, a header byte every 5-15 s;"
	    " probe GET /login every 0.5 s (timeout %.0f s)" % (n, addrs[0],
	    addrs[-1].rsplit(".", 1)[1], bl.PROBE_TIMEOUT), flush=True)
	try:
		prober = bl.Prober(srv.port)
		attack = Attack(srv.port, addrs, n, 5.0, 15.0)
		rss0 = bl.rss_kib(pid)
		prober.start()
		time.sleep(3)
		bload = bl.load()
		t_attack = time.monotonic()
		peak = {"fds": 0, "rss": 0, "open": 0}

		async def watch():
			step = 2 if args.quick else 5
			t = t_attack
			while time.monotonic() < t_attack + dur:
				t += step
				await asyncio.sleep(max(0, min(t, t_attack + dur)
				    - time.monotonic()))
				fds, rss = bl.proc_fds(pid), bl.rss_kib(pid)
				peak["fds"] = max(peak["fds"], fds or 0)
				peak["rss"] = max(peak["rss"], rss or 0)
				peak["open"] = max(peak["open"], attack.open)
				recent = [r for r in prober.results
				    if r[0] >= time.monotonic() - step]
				print("  t=%3.0fs attack open %4d (connects %d, closed by "
				    "server %d)  kluis fds %s rss %s MiB  probes last %ds: "
				    "%d ok, %d failed" % (time.monotonic() - t_attack,
				    attack.open, attack.connects, attack.closed_by_server,
				    fds, "%.1f" % (rss / 1024) if rss else "-", step,
				    sum(1 for r in recent if r[1] is not None),
				    sum(1 for r in recent if r[1] is None)), flush=True)

		asyncio.run(attack.run(watch))
		t_after = time.monotonic()
		aload = bl.load()
		time.sleep(after)
		prober.finish()
		t_end = time.monotonic()
		alive = srv.proc.poll() is None
		print("# attack: %d connects, %d closed by the server (%d with an "
		    "answer), connect failures %s, %d bytes sent; peak %d open"
		    % (attack.connects, attack.closed_by_server, attack.answered,
		    attack.connect_failed or "none", attack.bytes_sent,
		    peak["open"]))
		print("# kluis: rss %.1f MiB before, peak %.1f MiB; peak %d fds; %s"
		    % ((rss0 or 0) / 1024, peak["rss"] / 1024, peak["fds"],
		    "still running" if alive else "EXITED %s" % srv.proc.returncode))
		print()
		rows = prober.results
		bl.probe_summary("before", [r for r in rows if r[0] < t_attack], bload)
		a = bl.probe_summary("attack", [r for r in rows
		    if t_attack <= r[0] < t_after], aload, t_attack)
		b = bl.probe_summary("after", [r for r in rows if r[0] >= t_after
		    and r[0] < t_end], bl.load(), t_attack)
		ok = a[0] == a[1] and b[0] == b[1]
		print("RESULT normal client served within 1 s throughout: %s "
		    "(attack %d/%d, after %d/%d probes)" % ("yes" if ok else "NO",
		    a[1], a[0], b[1], b[0]))
	finally:
		with bl.quiet():
			srv.cleanup()


if __name__ == "__main__":
	main()
