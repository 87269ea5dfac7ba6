#!/usr/bin/env python3
"""Where kluis finds templates/, static/ and data/: a binary in its build tree
uses the source tree; a copy elsewhere looks in the installed
PREFIX/share/kluis; --share DIR (also --share=DIR) and KLUIS_SHARE override
that for every command, the option winning over the environment."""

import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
    "..", "package"))
from installed import *  # noqa: E402,F401,F403

work = tempfile.mkdtemp(prefix="kluis-share-")
copy = os.path.join(work, "bin", "kluis")
COMMANDS = (["user", "list"], ["subject", "list"], ["mail", "list"],
    ["requests"], ["audit"])


def cleanup():
	shutil.rmtree(work, ignore_errors=True)


atexit.register(cleanup)


def kluis(binary, args, share_env=None):
	"""Run BINARY ARGS in an empty directory; KLUIS_SHARE only if given."""
	env = operator_env()
	if share_env is not None:
		env["KLUIS_SHARE"] = share_env
	data = tempfile.mkdtemp(prefix="data-", dir=work)
	return run([binary] + args + ["--data", data], cwd=work, env=env)


@scenario
def build_tree():
	"""The binary in its build tree uses the source tree"""
	for args in COMMANDS:
		status, out = kluis(KLUIS_BIN, args)
		check("build tree, no KLUIS_SHARE: kluis %s" % " ".join(args),
		    status == 0, out)


@scenario
def copied_binary():
	"""A copy outside the build tree looks in PREFIX/share/kluis"""
	os.makedirs(os.path.dirname(copy))
	shutil.copy2(KLUIS_BIN, copy)
	status, out = kluis(copy, ["user", "list"])
	if os.path.isdir("/usr/local/share/kluis") or \
	    os.path.isdir("/usr/share/kluis"):
		note("an installed share directory exists; not asserting the miss")
		return
	check("a copy without --share fails, naming PREFIX/share/kluis/templates",
	    status == 1 and "/share/kluis/templates" in out and
	    SOURCE + "/templates" not in out, out)


@scenario
def share_option():
	"""--share and KLUIS_SHARE work for every command"""
	require("the copy exists", os.access(copy, os.X_OK))
	for args in COMMANDS:
		name = " ".join(args)
		status, out = kluis(copy, args + ["--share", SOURCE])
		check("kluis %s --share DIR" % name, status == 0, out)
		status, out = kluis(copy, args + ["--share=" + SOURCE])
		check("kluis %s --share=DIR" % name, status == 0, out)
		status, out = kluis(copy, args, share_env=SOURCE)
		check("KLUIS_SHARE=DIR kluis %s" % name, status == 0, out)
	status, out = kluis(copy, ["user", "list", "--share", SOURCE],
	    share_env="/nonexistent")
	check("--share wins over KLUIS_SHARE", status == 0, out)
	status, out = kluis(copy, ["user", "list", "--share", "/nonexistent"],
	    share_env=SOURCE)
	check("a wrong --share is used, not KLUIS_SHARE",
	    status == 1 and "/nonexistent/templates" in out, out)
	status, out = run([copy, "user", "list", "--data", work, "--share"],
	    cwd=work, env=operator_env())
	check("--share without a directory is a usage error (exit 2)",
	    status == 2, out)
	status, out = kluis(copy, ["serve", "--help", "--share", SOURCE])
	check("kluis serve --help still documents --share",
	    status == 0 and "--share DIR" in out, out)


@scenario
def serve_with_share():
	"""kluis serve --share DIR from a copy serves the page and the CSS"""
	require("the copy exists", os.access(copy, os.X_OK))
	prog = Program(copy)
	try:
		require("kluis serve --share DIR starts",
		    prog.serve("--share", SOURCE))
		journey_start(prog, "copy with --share")
	finally:
		prog.stop()


main()
