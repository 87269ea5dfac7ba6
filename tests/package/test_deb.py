#!/usr/bin/env python3
"""The Debian package, never installed on this machine: scripts/make-deb.sh
(what `make deb` runs) builds kluis_VERSION_ARCH.deb; lintian reports no
error and no warning (what must stay is overridden, with the reason, in
debian/kluis.lintian-overrides); the unit passes `systemd-analyze verify`
without a word and `systemd-analyze security --offline=true` rates it at
most 3.9; the contents, extracted with dpkg-deb -x into a temporary root,
are complete, and that root's kluis serves the login page and the style
sheet with --share pointing inside the root.

Slow (a whole package build), so it runs only with KLUIS_DEB_CHECK=1, as
`make deb-check` and .ci/run do; otherwise it exits 77, which CTest shows as
skipped."""

import atexit
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
from installed import *  # noqa: F401,F403

if os.environ.get("KLUIS_DEB_CHECK") != "1":
	print("skipped: the package check runs with KLUIS_DEB_CHECK=1 "
	    "(make deb-check)")
	sys.exit(77)

EXPOSURE_MAX = 3.9
OUT = os.environ.get("KLUIS_DEB_OUT") or tempfile.mkdtemp(prefix="kluis-deb-")
work = tempfile.mkdtemp(prefix="kluis-debroot-")
root = os.path.join(work, "root")
ctl = os.path.join(work, "control")
state = {}


def cleanup():
	if not os.environ.get("KLUIS_E2E_KEEP"):
		shutil.rmtree(work, ignore_errors=True)


atexit.register(cleanup)


def version():
	status, out = run(["dpkg-parsechangelog", "-l",
	    os.path.join(SOURCE, "debian", "changelog"), "-S", "Version"])
	return out.strip() if status == 0 else None


@scenario
def build_package():
	"""make deb builds kluis_VERSION_ARCH.deb and keeps the tree clean"""
	for f in glob.glob(os.path.join(OUT, "kluis*")):
		os.remove(f)
	before = subprocess.run(["git", "-C", SOURCE, "status", "--porcelain",
	    "--ignored"], stdout=subprocess.PIPE).stdout
	status, out = run([os.path.join(SOURCE, "scripts", "make-deb.sh"), OUT],
	    timeout=1800)
	print(out)
	require("scripts/make-deb.sh exits 0", status == 0, out[-3000:])
	v = version()
	require("debian/changelog has a version", v)
	arch = subprocess.run(["dpkg-architecture", "-q", "DEB_HOST_ARCH"],
	    stdout=subprocess.PIPE).stdout.decode().strip()
	deb = os.path.join(OUT, "kluis_%s_%s.deb" % (v, arch))
	require("the package is %s" % os.path.basename(deb), os.path.isfile(deb),
	    os.listdir(OUT))
	state["deb"] = deb
	state["version"] = v
	after = subprocess.run(["git", "-C", SOURCE, "status", "--porcelain",
	    "--ignored"], stdout=subprocess.PIPE).stdout
	check("the source tree is as it was (no debian/ build files, no "
	    "obj-*)", before == after, after.decode(errors="replace"))
	status, out = run(["dpkg-deb", "-x", deb, root])
	require("dpkg-deb -x into a temporary root", status == 0, out)
	status, out = run(["dpkg-deb", "-e", deb, ctl])
	require("dpkg-deb -e (the control files)", status == 0, out)


@scenario
def lintian():
	"""lintian: no error, no warning"""
	require("the package was built", "deb" in state)
	status, out = run(["lintian", "--fail-on", "error,warning",
	    "--display-info", "--show-overrides", state["deb"]])
	print(out)
	tags = [l for l in out.splitlines() if re.match(r"^[EW]: ", l)]
	check("lintian exits 0", status == 0, out)
	check("lintian reports no error and no warning", not tags,
	    "\n".join(tags))


@scenario
def unit_checks():
	"""systemd-analyze verify and security on the packaged unit"""
	unit = os.path.join(root, "lib/systemd/system/kluis.service")
	require("the package has lib/systemd/system/kluis.service",
	    os.path.isfile(unit))
	# verify --root loads the unit from the root and wants the targets and
	# the commands it names; the host's targets and kill stand in for the
	# rest of a system.
	for t in glob.glob("/lib/systemd/system/*.target") + ["/bin/kill"]:
		dst = os.path.join(root, t.lstrip("/"))
		if not os.path.exists(dst):
			os.makedirs(os.path.dirname(dst), exist_ok=True)
			shutil.copy(t, dst)
	env = dict(os.environ, MANPATH=os.path.join(root, "usr/share/man"),
	    SYSTEMD_LOG_COLOR="0")
	p = subprocess.run(["systemd-analyze", "verify", "--root=" + root,
	    "kluis.service"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
	    env=env, cwd=work)
	out = p.stdout.decode(errors="replace")
	check("systemd-analyze verify exits 0 and says nothing (the binary "
	    "and both manual pages found)", p.returncode == 0 and not out.strip(),
	    "exit %d\n%s" % (p.returncode, out))
	p = subprocess.run(["systemd-analyze", "security", "--offline=true",
	    "--threshold=%d" % round(EXPOSURE_MAX * 10), "--no-pager", unit],
	    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=work)
	out = p.stdout.decode(errors="replace")
	m = re.search(r"Overall exposure level for kluis.service: ([0-9.]+) (\S+)",
	    out)
	require("systemd-analyze security rates the unit", m, out[-3000:])
	note("exposure %s %s" % (m.group(1), m.group(2)))
	print("\n".join(l for l in out.splitlines() if "\u2717" in l))
	check("exposure %s is at most %.1f (%s)" % (m.group(1), EXPOSURE_MAX,
	    m.group(2)), float(m.group(1)) <= EXPOSURE_MAX and p.returncode == 0,
	    out[-3000:])


@scenario
def contents():
	"""The package's files, conffile and maintainer scripts"""
	require("the package was extracted", os.path.isdir(root))
	for rel in ("usr/bin/kluis", "usr/share/kluis/templates/login.html",
	    "usr/share/kluis/static/kluis.css",
	    "usr/share/kluis/data/common-passwords.txt",
	    "usr/share/man/man1/kluis.1.gz", "usr/share/man/man5/kluis.conf.5.gz",
	    "etc/kluis/kluis.conf", "usr/share/doc/kluis/copyright",
	    "usr/share/lintian/overrides/kluis"):
		check("package has /%s" % rel, os.path.isfile(os.path.join(root, rel)))
	check("nothing under /var in the package (postinst makes /var/lib/kluis)",
	    not os.path.exists(os.path.join(root, "var")))
	with open(os.path.join(ctl, "conffiles")) as f:
		check("/etc/kluis/kluis.conf is a conffile",
		    "/etc/kluis/kluis.conf" in f.read().split())
	with open(os.path.join(root, "etc/kluis/kluis.conf")) as f:
		conf = f.read()
	active = [l for l in conf.splitlines() if l.strip() and
	    not l.lstrip().startswith("#")]
	check("kluis.conf: every option commented but data = /var/lib/kluis",
	    active == ["data = /var/lib/kluis"], active)
	for name in ("preinst", "postinst", "prerm", "postrm"):
		path = os.path.join(ctl, name)
		if name != "preinst" or os.path.exists(path):
			status, out = run(["sh", "-n", path])
			check("%s is valid sh" % name, status == 0, out)
	with open(os.path.join(ctl, "postinst")) as f:
		postinst = f.read()
	check("postinst creates the kluis system user",
	    re.search(r"adduser --system --group .*kluis", postinst, re.S))
	check("postinst makes /var/lib/kluis 0700 owned by kluis",
	    "install -d -o kluis -g kluis -m 0700 /var/lib/kluis" in postinst)
	check("postinst enables the unit (dh_installsystemd)",
	    "deb-systemd-helper enable 'kluis.service'" in postinst, postinst)
	check("postinst does not start the unit but restarts it on upgrade when "
	    "it runs", "deb-systemd-invoke try-restart 'kluis.service'" in
	    postinst and "deb-systemd-invoke start" not in postinst and
	    "deb-systemd-invoke restart" not in postinst, postinst)
	with open(os.path.join(ctl, "prerm")) as f:
		prerm = f.read()
	check("prerm stops the unit on removal",
	    re.search(r'"\$1" = remove .*\n\s*deb-systemd-invoke stop '
	    r'kluis.service', prerm), prerm)
	with open(os.path.join(ctl, "postrm")) as f:
		postrm = f.read()
	m = re.search(r'if \[ "\$1" = purge \]; then\n(.*?)\nfi', postrm, re.S)
	check("postrm removes /var/lib/kluis only on purge",
	    m and "rm -rf /var/lib/kluis" in m.group(1) and
	    postrm.count("/var/lib/kluis") == 1, postrm)


@scenario
def packaged_program_runs():
	"""The packaged kluis, run from the extracted root with --share"""
	binary = os.path.join(root, "usr/bin/kluis")
	share = os.path.join(root, "usr/share/kluis")
	require("the package has usr/bin/kluis", os.access(binary, os.X_OK))
	status, out = run([binary, "--version"], env=operator_env())
	check("kluis --version is the package version",
	    status == 0 and out.strip() == "kluis %s" % state.get("version"), out)
	bare = Program(binary)
	status, out = bare.cli("user", "list")
	check("without --share it looks in /usr/share/kluis (not installed here)",
	    status == 1 and "/usr/share/kluis/templates" in out, out)
	prog = Program(binary, "--share", share)
	try:
		require("kluis --share ROOT/usr/share/kluis serve starts",
		    prog.serve())
		admin = journey_start(prog, "packaged")
	finally:
		prog.stop()
	status, out = prog.cli("user", "list")
	check("kluis --share ... user list lists the first admin",
	    status == 0 and admin is not None and admin in out, out)
	check_docs(binary, os.path.join(root, "usr/share/man/man1/kluis.1.gz"),
	    os.path.join(root, "usr/share/man/man5/kluis.conf.5.gz"),
	    os.path.join(root, "etc/kluis/kluis.conf"), "packaged")


main()
