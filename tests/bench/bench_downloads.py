#!/usr/bin/env python3
"""Benchmark (not a pass/fail test): kluis vs nginx on loopback.

Starts kluis and nginx side by side, publishes the same 256 MiB file on both,
logs a user in, unlocks the subject, then measures with wrk (8 connections):
  1. download throughput of the file (kluis GET /files/ID vs nginx static),
  2. requests per second of the unlocked file-list page /subjects/CODE vs
     nginx serving that same page's bytes as a static HTML file,
and prints the ratios kluis/nginx from one run.

usage: tests/bench/bench_downloads.py [--build DIR] [--duration SECS]
       [--threads N] [--size MIB]
Needs the Debian packages nginx and wrk; installs them with apt-get when
missing (as root). KLUIS_BIN defaults to BUILD/kluis.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def need(tool, package):
	if shutil.which(tool) or os.path.exists("/usr/sbin/" + tool):
		return
	print("# %s missing: apt-get install %s" % (tool, package), flush=True)
	env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
	subprocess.run(["apt-get", "install", "-y", "-q", package], check=True,
	    env=env)


def wrk(url, duration, cookie=None, conns=8, threads=4):
	cmd = ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % duration,
	    "--latency"]
	if cookie:
		cmd += ["-H", "Cookie: " + cookie]
	cmd.append(url)
	out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
	    check=True).stdout.decode()
	rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
	m = re.search(r"Transfer/sec:\s+([\d.]+)([KMGT]?B)", out)
	mult = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30,
	    "TB": 1 << 40}[m.group(2)]
	errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
	if errors:
		print("# WARNING: %s non-2xx answers from %s" % (errors.group(1),
		    url))
	return rps, float(m.group(1)) * mult, out


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--build", default=os.path.join(ROOT, "build"))
	ap.add_argument("--duration", type=int, default=10)
	ap.add_argument("--threads", type=int, default=0,
	    help="kluis --threads (default: kluis's own default)")
	ap.add_argument("--size", type=int, default=256, help="file size in MiB")
	args = ap.parse_args()
	os.environ.setdefault("KLUIS_BIN", os.path.join(args.build, "kluis"))
	os.environ.setdefault("KLUIS_SHARE", ROOT)
	sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
	import kluis_test as kt

	need("nginx", "nginx")
	need("wrk", "wrk")
	nginx = shutil.which("nginx") or "/usr/sbin/nginx"

	extra = ["--threads", str(args.threads)] if args.threads else []
	srv = kt.temp_server(*extra)
	work = tempfile.mkdtemp(prefix="kluis-bench-")
	try:
		big = os.path.join(work, "www", "report.bin")
		os.makedirs(os.path.dirname(big))
		with open(big, "wb") as f:
			chunk = os.urandom(1 << 20)
			for _ in range(args.size):
				f.write(chunk)
		pw = srv.user_add("bench@example.nl")
		acct = kt.journey(srv, "bench@example.nl", temp_password=pw)
		kt.cli_ok(srv, "subject", "add", "Bench", "--title", "Benchmark")
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
			f.write("""
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
""" % {"w": work, "p": port})
		ng = subprocess.Popen([nginx, "-c", conf, "-p", work, "-g",
		    "daemon off;"], stdout=subprocess.DEVNULL,
		    stderr=subprocess.DEVNULL)
		time.sleep(1)
		try:
			kurl = srv.url
			nurl = "http://127.0.0.1:%d" % port
			d = args.duration
			print("# %d MiB file, 8 connections, %d s each, %d CPUs" % (
			    args.size, d, os.cpu_count()), flush=True)
			k_rps, k_bps, k_out = wrk("%s/files/%d" % (kurl, fid), d, cookie)
			n_rps, n_bps, n_out = wrk("%s/report.bin" % nurl, d)
			kp_rps, _, _ = wrk("%s/subjects/Bench" % kurl, d, cookie)
			np_rps, _, _ = wrk("%s/list.html" % nurl, d)
		finally:
			ng.terminate()
			ng.wait()
		print("download  kluis %8.1f MiB/s   nginx %8.1f MiB/s   ratio %.2f"
		    % (k_bps / 2**20, n_bps / 2**20, k_bps / n_bps))
		print("list page kluis %8.0f req/s   nginx %8.0f req/s   ratio %.2f"
		    % (kp_rps, np_rps, kp_rps / np_rps))
	finally:
		srv.cleanup()
		shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
	main()
