#!/usr/bin/env python3
"""Benchmark (not a pass/fail test): a whole subject as one zip against one
big file, in the same run.

Publishes 20 files of 50 MiB on one subject and a 1 GiB file on another,
logs a user in and unlocks both, reads every file once so both come from
the page cache, then downloads, alternately and ROUNDS times each, with
curl to /dev/null:
  1. GET /subjects/Bench.zip (1,000 MiB of content, streamed through
     libmicrohttpd's callback response: pread into its buffer, then send),
  2. GET /files/ID of the 1 GiB file (sendfile),
sampling the server's RSS (VmRSS) every 20 ms during each. Prints the
median throughput of each, their ratio (zip/file), and the server's RSS
before and at the peak of each kind.

Goal: the zip at least 0.8x the single file's throughput, RSS flat (the
same during a 1 GiB zip as before it, give or take a few MiB).

usage: tests/bench/bench_zip.py [--build DIR] [--quick] [--rounds N]
       [--files N] [--size MIB] [--big MIB]
KLUIS_BIN defaults to BUILD/kluis.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

import benchlib as bl


def curl(url, cookie):
	"""(bytes, seconds) of one download to /dev/null."""
	out = subprocess.run(["curl", "-s", "-f", "-o", "/dev/null", "-H",
	    "Cookie: " + cookie, "-w", "%{size_download} %{time_total}", url],
	    stdout=subprocess.PIPE, check=True).stdout.decode().split()
	return int(out[0]), float(out[1])


def sampled(pid, fn):
	"""FN() while VmRSS of PID is sampled: (FN's result, peak KiB)."""
	peak = [bl.rss_kib(pid) or 0]
	stop = threading.Event()

	def watch():
		while not stop.is_set():
			peak[0] = max(peak[0], bl.rss_kib(pid) or 0)
			time.sleep(0.02)
	t = threading.Thread(target=watch, daemon=True)
	t.start()
	try:
		res = fn()
	finally:
		stop.set()
		t.join()
	return res, peak[0]


def main():
	ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	ap.add_argument("--build", default=os.path.join(bl.ROOT, "build"))
	ap.add_argument("--quick", action="store_true",
	    help="2 rounds of smaller files (a smoke run)")
	ap.add_argument("--rounds", type=int, default=5)
	ap.add_argument("--files", type=int, default=20)
	ap.add_argument("--size", type=int, default=50, help="MiB per file")
	ap.add_argument("--big", type=int, default=1024, help="MiB of the one file")
	args = ap.parse_args()
	if args.quick:
		args.rounds, args.size, args.big = 2, 10, 200
	kt = bl.setup(args.build)
	bl.need("curl", "curl")
	bl.banner("bench_zip", kt)
	work = tempfile.mkdtemp(prefix="kluis-bench-zip-")
	srv = None
	try:
		with bl.quiet():
			srv = kt.temp_server()
			pw = srv.user_add("bench@example.nl")
			acct = kt.journey(srv, "bench@example.nl", temp_password=pw)
			kt.cli_ok(srv, "subject", "add", "Bench", "--title", "Zip")
			kt.cli_ok(srv, "subject", "add", "Big", "--title", "One file")
			vz = kt.grant(srv, "bench@example.nl", "Bench")
			vb = kt.grant(srv, "bench@example.nl", "Big")
			chunk = os.urandom(1 << 20)
			for i in range(args.files):
				path = os.path.join(work, "report-%02d.bin" % (i + 1))
				with open(path, "wb") as f:
					for _ in range(args.size):
						f.write(chunk)
				kt.publish(srv, "Bench", path)
				os.unlink(path)
			path = os.path.join(work, "big.bin")
			with open(path, "wb") as f:
				for _ in range(args.big):
					f.write(chunk)
			p = srv.cli("publish", "Big", path, "--data", srv.data,
			    timeout=900)
			big_id = int(p.stdout.decode().split("as file ")[1].split()[0])
			os.unlink(path)
			kt.unlock(acct.browser, "Bench", vz)
			kt.unlock(acct.browser, "Big", vb)
		cookie = "%s=%s" % (kt.SESSION_COOKIE, acct.browser.session)
		# Both from the page cache: every stored file read once.
		fdir = os.path.join(srv.data, "files")
		for name in os.listdir(fdir):
			with open(os.path.join(fdir, name), "rb") as f:
				while f.read(1 << 24):
					pass
		pid = srv.proc.pid
		zip_url = srv.url + "/subjects/Bench.zip"
		file_url = srv.url + "/files/%d" % big_id
		rss0 = bl.rss_kib(pid)
		res = {"zip": [], "file": []}
		peak = {"zip": rss0, "file": rss0}
		for r in range(args.rounds):
			for kind, url in (("file", file_url), ("zip", zip_url)):
				(n, secs), pk = sampled(pid, lambda: curl(url, cookie))
				res[kind].append(n / secs)
				peak[kind] = max(peak[kind], pk)
				print("# round %d %-4s %6.0f MiB in %5.2f s: %6.0f MiB/s, "
				    "RSS peak %.1f MiB [%s]" % (r + 1, kind, n / 2**20, secs,
				    n / secs / 2**20, pk / 1024, bl.load()), flush=True)
		zmed = statistics.median(res["zip"])
		fmed = statistics.median(res["file"])
		print("RESULT zip %d x %d MiB: %.0f MiB/s (median of %d)" % (
		    args.files, args.size, zmed / 2**20, args.rounds))
		print("RESULT file %d MiB: %.0f MiB/s (median of %d)" % (
		    args.big, fmed / 2**20, args.rounds))
		print("RESULT throughput zip/file: %.2f (goal >= 0.8)" % (zmed / fmed))
		print("RESULT server RSS before %.1f MiB; peak during files %.1f MiB, "
		    "during zips %.1f MiB" % (rss0 / 1024, peak["file"] / 1024,
		    peak["zip"] / 1024))
		print("# %s" % bl.load())
	finally:
		if srv is not None:
			srv.cleanup()
		shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
	main()
