#!/usr/bin/env python3
"""Benchmark (not a pass/fail test): kluis vs nginx on loopback.

Starts kluis and nginx side by side, publishes the same 256 MiB file on both,
logs a user in, unlocks the subject, then measures with wrk --latency
(8 connections):
  1. download throughput of the file (kluis GET /files/ID vs nginx static),
  2. requests per second and p99 latency of the unlocked file-list page
     /subjects/CODE vs nginx serving that same page's bytes as a static
     HTML file,
and prints the ratios kluis/nginx from one run. With --perf it then records
kluis with `perf record -g` under the same page load and prints the
functions that take its CPU time (self and inclusive).

Goal: the file-list page at least 0.5x nginx's req/s, the download at least
0.95x nginx's throughput.

usage: tests/bench/bench_downloads.py [--build DIR] [--quick]
       [--duration SECS] [--threads N] [--size MIB] [--perf]
       [--perf-data FILE]
Needs the Debian packages nginx and wrk (and linux-perf for --perf);
installs them with apt-get when missing (as root). KLUIS_BIN defaults to
BUILD/kluis.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time

import benchlib as bl


def nginx_conf(work, port):
	return """
worker_processes auto;
error_log %(w)s/error.log;
pid %(w)s/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	types { text/html html; application/octet-stream bin; }
	client_body_temp_path %(w)s/tmp;
	proxy_temp_path %(w)s/tmp;
	fastcgi_temp_path %(w)s/tmp;
	uwsgi_temp_path %(w)s/tmp;
	scgi_temp_path %(w)s/tmp;
	server {
		listen 127.0.0.1:%(p)d;
		root %(w)s/www;
	}
}
""" % {"w": work, "p": port}


def main():
	ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	ap.add_argument("--build", default=os.path.join(bl.ROOT, "build"))
	ap.add_argument("--quick", action="store_true",
	    help="smoke run: 32 MiB file, 3 s per measurement")
	ap.add_argument("--duration", type=int, default=0,
	    help="seconds per measurement (default 10, quick 3)")
	ap.add_argument("--threads", type=int, default=0,
	    help="kluis --threads (default: kluis's own default)")
	ap.add_argument("--size", type=int, default=0,
	    help="file size in MiB (default 256, quick 32)")
	ap.add_argument("--perf", action="store_true",
	    help="also profile kluis under the page load with perf record -g")
	ap.add_argument("--perf-data", default=None,
	    help="keep perf's data file here (default: a temporary file)")
	args = ap.parse_args()
	d = args.duration or (3 if args.quick else 10)
	size = args.size or (32 if args.quick else 256)
	kt = bl.setup(os.path.abspath(args.build))
	bl.need("nginx", "nginx")
	bl.need("wrk", "wrk")
	bl.need("oathtool", "oathtool")
	if args.perf:
		bl.need("perf", "linux-perf")
	nginx = shutil.which("nginx") or "/usr/sbin/nginx"
	bl.banner("downloads", kt)

	extra = ["--threads", str(args.threads)] if args.threads else []
	work = tempfile.mkdtemp(prefix="kluis-bench-")
	srv = None
	try:
		big = os.path.join(work, "www", "report.bin")
		os.makedirs(os.path.dirname(big))
		with open(big, "wb") as f:
			chunk = os.urandom(1 << 20)
			for _ in range(size):
				f.write(chunk)
		with bl.quiet():
			srv = kt.temp_server(*extra)
			pw = srv.user_add("bench@example.nl")
			acct = kt.journey(srv, "bench@example.nl", temp_password=pw)
			kt.cli_ok(srv, "subject", "add", "Bench", "--title",
			    "Benchmark")
			code = kt.grant(srv, "bench@example.nl", "Bench")
			fid = kt.publish(srv, "Bench", big)
			r = kt.unlock(acct.browser, "Bench", code)
			kt.require("unlocked", r.status == 303)
			page = acct.browser.get("/subjects/Bench")
			kt.require("file list page", page.status == 200 and
			    ("/files/%d" % fid) in page.text)
		with open(os.path.join(work, "www", "list.html"), "wb") as f:
			f.write(page.body)
		cookie = "%s=%s" % (kt.SESSION_COOKIE, acct.browser.session)

		# nginx workers run as an unprivileged user: let them read.
		os.chmod(work, 0o755)
		os.chmod(os.path.join(work, "www"), 0o755)
		for n in ("report.bin", "list.html"):
			os.chmod(os.path.join(work, "www", n), 0o644)
		port = kt.free_port()
		conf = os.path.join(work, "nginx.conf")
		with open(conf, "w") as f:
			f.write(nginx_conf(work, port))
		ng = subprocess.Popen([nginx, "-c", conf, "-p", work, "-g",
		    "daemon off;"], stdout=subprocess.DEVNULL,
		    stderr=subprocess.DEVNULL)
		time.sleep(1)
		kurl = srv.url
		nurl = "http://127.0.0.1:%d" % port
		print("# %d MiB file, page %d bytes, 8 connections, %d s each"
		    % (size, len(page.body), d), flush=True)
		try:
			kd = bl.wrk("%s/files/%d" % (kurl, fid), d, cookie)
			nd = bl.wrk("%s/report.bin" % nurl, d)
			dl_load = bl.load()
			kp = bl.wrk("%s/subjects/Bench" % kurl, d, cookie)
			np_ = bl.wrk("%s/list.html" % nurl, d)
			pg_load = bl.load()
		finally:
			ng.terminate()
			ng.wait()
		print("download  kluis %8.1f MiB/s   nginx %8.1f MiB/s   [%s]" % (
		    kd["bps"] / 2**20, nd["bps"] / 2**20, dl_load))
		print("list page kluis %8.0f req/s   p50 %8s p99 %8s   "
		    "nginx %8.0f req/s   p50 %8s p99 %8s   [%s]" % (kp["rps"],
		    bl.fmt_ms(kp.get("p50")), bl.fmt_ms(kp.get("p99")), np_["rps"],
		    bl.fmt_ms(np_.get("p50")), bl.fmt_ms(np_.get("p99")), pg_load))
		print()
		print("RESULT download throughput kluis/nginx = %.2f (goal >= 0.95)"
		    % (kd["bps"] / nd["bps"] if nd["bps"] else 0))
		print("RESULT page req/s kluis/nginx = %.2f (goal >= 0.5)" % (
		    kp["rps"] / np_["rps"] if np_["rps"] else 0))
		if kp.get("p99") and np_.get("p99"):
			print("RESULT page p99 kluis/nginx = %.2f (%s vs %s)" % (
			    kp["p99"] / np_["p99"], bl.fmt_ms(kp["p99"]),
			    bl.fmt_ms(np_["p99"])), flush=True)
		if args.perf:
			data = args.perf_data or os.path.join(work, "perf.data")
			rec = bl.perf_record(srv.proc.pid, d, data)
			time.sleep(0.5)
			kp2 = bl.wrk("%s/subjects/Bench" % kurl, d, cookie)
			rec.wait()
			print("\n# perf record -g on kluis during %d s of the page "
			    "(%.0f req/s under perf) [%s]" % (d, kp2["rps"], bl.load()))
			for title, lines in bl.perf_report(data):
				print("## %s" % title)
				for ln in lines:
					print("  " + ln)
			if args.perf_data:
				print("# perf data kept in %s" % data)
	finally:
		if srv is not None:
			with bl.quiet():
				srv.cleanup()
		shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
	main()
