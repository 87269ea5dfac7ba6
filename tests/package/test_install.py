#!/usr/bin/env python3
"""Install from a clone into a temporary prefix, as an operator without the
source would: git clone of this tree's HEAD (committed work only), cmake
configure, build and install with -DCMAKE_INSTALL_PREFIX, the clone removed;
then the installed kluis, with no KLUIS_SHARE, serves the login page and the
style sheet and answers `kluis user list`. The installed tree holds the
program, templates, static files, password list, manual pages, unit and
example configuration, and the pages name every command and option."""

import atexit
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
from installed import *  # noqa: F401,F403

work = tempfile.mkdtemp(prefix="kluis-install-")
prefix = os.path.join(work, "prefix")


def cleanup():
	if not os.environ.get("KLUIS_E2E_KEEP"):
		shutil.rmtree(work, ignore_errors=True)


atexit.register(cleanup)


@scenario
def install_from_clone():
	"""cmake --install from a clone into a temporary prefix"""
	status, out = run(["git", "-C", SOURCE, "rev-parse", "HEAD"])
	require("the source is a git checkout", status == 0, out)
	clone = os.path.join(work, "clone")
	status, out = run(["git", "clone", "--quiet", "--no-hardlinks", SOURCE,
	    clone])
	require("git clone of the tree", status == 0, out)
	build = os.path.join(clone, "build")
	status, out = run(["cmake", "-S", clone, "-B", build,
	    "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
	    "-DCMAKE_INSTALL_PREFIX=" + prefix])
	require("cmake configures the clone", status == 0, out[-3000:])
	status, out = run(["nice", "cmake", "--build", build, "-j2",
	    "--target", "kluis", "man"], timeout=1200)
	require("cmake builds kluis and the manual pages", status == 0,
	    out[-3000:])
	status, out = run(["cmake", "--install", build])
	require("cmake --install", status == 0, out[-3000:])
	shutil.rmtree(clone)
	check("the clone is gone", not os.path.exists(clone))
	for rel in ("bin/kluis", "share/kluis/templates/login.html",
	    "share/kluis/templates/i18n/nl.msg",
	    "share/kluis/templates/mail/temp_password.en.txt",
	    "share/kluis/static/kluis.css",
	    "share/kluis/data/common-passwords.txt",
	    "share/man/man1/kluis.1", "share/man/man5/kluis.conf.5",
	    "lib/systemd/system/kluis.service",
	    "share/doc/kluis/examples/kluis.conf"):
		check("installed: PREFIX/%s" % rel,
		    os.path.isfile(os.path.join(prefix, rel)))
	check("PREFIX/bin/kluis is executable",
	    os.access(os.path.join(prefix, "bin/kluis"), os.X_OK))
	with open(os.path.join(prefix, "lib/systemd/system/kluis.service")) as f:
		unit = f.read()
	check("the installed unit starts PREFIX/bin/kluis",
	    "\nExecStart=%s/bin/kluis serve " % prefix in unit, unit[:2000])


@scenario
def installed_program_runs():
	"""The installed kluis serves and answers without KLUIS_SHARE"""
	binary = os.path.join(prefix, "bin", "kluis")
	require("the program was installed", os.access(binary, os.X_OK))
	prog = Program(binary)
	try:
		require("installed kluis serve starts", prog.serve())
		admin = journey_start(prog, "installed")
		check("the first admin was created", admin is not None,
		    prog.output())
	finally:
		prog.stop()
	status, out = prog.cli("user", "list")
	check("installed kluis user list exits 0 and lists the first admin",
	    status == 0 and admin is not None and admin in out, out)
	status, out = prog.cli("subject", "list")
	check("installed kluis subject list exits 0", status == 0, out)


@scenario
def installed_docs():
	"""The installed manual pages and example configuration are complete"""
	binary = os.path.join(prefix, "bin", "kluis")
	require("the program was installed", os.access(binary, os.X_OK))
	check_docs(binary, os.path.join(prefix, "share/man/man1/kluis.1"),
	    os.path.join(prefix, "share/man/man5/kluis.conf.5"),
	    os.path.join(prefix, "share/doc/kluis/examples/kluis.conf"),
	    "installed")


main()
