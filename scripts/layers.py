#!/usr/bin/env python3
"""layers.py: check that no file in portal/ uses a layer above its own.

portal/portal.h is the map: its "===== LAYER: ..." headings, bottom up
(util, crypto, db, store_*, domain, web, cli), and under them a
"/* FILE.c: ..." comment above the prototypes and function-like macros
FILE.c owns. main.c, which runs both the server and the commands, stands
above them all. A file may name what its own layer and the layers below it
own; web and cli stand side by side and use neither the other. Files below
the web layer also may not include microhttpd.h nor speak of struct req.
Every exported name starts with its file's name (util.c excepted), the
longest that fits (page_account_tokens_new in page_account_tokens.c, not
page_account.c), is defined in the file portal.h files it under, and
is used somewhere (portal/, tests/unit/, tests/fuzz/).

Usage: layers.py [PORTAL_DIR]  (default: the portal/ next to this script).
Exit 0 with a summary, or 1 with one line per violation: FILE:LINE: ...
"""
import os
import re
import sys

ORDER = ["util", "crypto", "db", "store", "domain", "web", "cli", "main"]
SIDE_BY_SIDE = {("web", "cli"), ("cli", "web")}
# Exported names without their file's prefix: util.c names its functions
# as the C library would; every layer reads the settings as cfg.
NAMED_AS_LIBC = {"util.c", "cfg"}

LAYER_RE = re.compile(r"^/\* =+ ([a-z_*]+):")
FILE_RE = re.compile(r"^/\* ([a-z0-9_]+\.c):")
PROTO_RE = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")
MACRO_RE = re.compile(r"^#define\s+([A-Za-z_][A-Za-z0-9_]*)\(")
IDENT_RE = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


def strip(text):
    """TEXT with comments, strings and characters blanked, lines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def read_map(header):
    """{file: layer}, {name: owning file} and the data names from portal.h."""
    layer_of, owner, data = {}, {}, set()
    layer = cur = None
    with open(header) as f:
        lines = f.read().split("\n")
    code = strip("\n".join(lines)).split("\n")
    for raw, line in zip(lines, code):
        m = LAYER_RE.match(raw)
        if m:
            layer = m.group(1).rstrip("_*")
            if layer not in ORDER:
                sys.exit(f"layers.py: {header}: unknown layer {layer}")
            cur = None
            continue
        m = FILE_RE.match(raw)
        if m:
            if layer is None:
                sys.exit(f"layers.py: {header}: {m.group(1)} before any "
                         "layer heading")
            cur = m.group(1)
            layer_of[cur] = layer
            continue
        if cur is None:
            continue
        m = MACRO_RE.match(raw)
        if m:
            owner[m.group(1)] = cur
            continue
        m = re.match(r"extern\b.*?\b([a-z_][a-z0-9_]*)\s*(\[\])?\s*[;,]", line)
        if m:
            for name in re.findall(r"\b([a-z_][a-z0-9_]*)\s*(?:\[\])?\s*[;,]",
                                   line):
                owner.setdefault(name, cur)
                data.add(name)
            continue
        if line.startswith((" ", "\t", "#", "}")) or "(" not in line:
            continue
        if line.startswith(("typedef", "struct", "enum", "union")):
            continue
        # a prototype: the name before its first "("
        m = PROTO_RE.search(line)
        if m:
            owner.setdefault(m.group(1), cur)
    return layer_of, owner, data


def allowed(user, used):
    """May a file of layer USER name what a file of layer USED owns?"""
    if (user, used) in SIDE_BY_SIDE:
        return False
    return ORDER.index(used) <= ORDER.index(user)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    portal = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(here, "..", "portal")
    layer_of, owner, data = read_map(os.path.join(portal, "portal.h"))
    layer_of.setdefault("main.c", "main")
    problems = []
    files = sorted(f for f in os.listdir(portal) if f.endswith(".c"))
    for name in files:
        if name not in layer_of:
            problems.append(f"{name}:1: not under a layer in portal.h")
            continue
        mine = layer_of[name]
        with open(os.path.join(portal, name)) as f:
            raw = f.read()
        below_web = ORDER.index(mine) < ORDER.index("web")
        for m in re.finditer(r"^([a-z_][a-z0-9_]*)\(", strip(raw), re.M):
            home = owner.get(m.group(1))
            if home is not None and home != name:
                no = raw.count("\n", 0, m.start()) + 1
                problems.append(f"{name}:{no}: {m.group(1)} is defined here "
                                f"but filed under {home} in portal.h")
        for no, (line, code) in enumerate(zip(raw.split("\n"),
                                              strip(raw).split("\n")), 1):
            if below_web and re.match(r"\s*#\s*include\s*<microhttpd\.h>",
                                      line):
                problems.append(f"{name}:{no}: {mine} file includes "
                                "microhttpd.h")
            if below_web and re.search(r"\bstruct\s+req\b", code):
                problems.append(f"{name}:{no}: {mine} file uses struct req")
            for m in IDENT_RE.finditer(code):
                ident = m.group(0)
                # a tag (struct reset_request) or a member is not a use
                if re.search(r"(\b(struct|enum|union)\s+|\.|->)\s*$",
                             code[:m.start()]):
                    continue
                home = owner.get(ident)
                if home is None or home == name:
                    continue
                theirs = layer_of[home]
                if not allowed(mine, theirs):
                    problems.append(f"{name}:{no}: {mine} file uses "
                                    f"{ident} of {home} ({theirs})")
    # an exported name nobody uses (its prototype and definition aside)
    uses = {}
    for d in (portal, os.path.join(portal, "..", "tests", "unit"),
              os.path.join(portal, "..", "tests", "fuzz")):
        if not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            if f.endswith((".c", ".h")):
                with open(os.path.join(d, f)) as fh:
                    for ident in IDENT_RE.findall(strip(fh.read())):
                        uses[ident] = uses.get(ident, 0) + 1
    for name, home in sorted(owner.items()):
        if uses.get(name, 0) <= 2 and not name.isupper() and name not in data:
            problems.append(f"portal.h: {name} ({home}) is used nowhere")
    stems = [f[:-2] for f in layer_of]
    for name, home in sorted(owner.items()):
        if home in NAMED_AS_LIBC or name in NAMED_AS_LIBC or name.isupper():
            continue
        says = max((st for st in stems if name == st or
                    name.startswith(st + "_")), key=len, default=None)
        if says is None:
            problems.append(f"portal.h: {name} (under {home}) does not "
                            f"start with its file's name")
        elif says + ".c" != home:
            problems.append(f"portal.h: {name} is under {home}; its name "
                            f"says {says}.c")
    for p in problems:
        print(p)
    if problems:
        print(f"layers.py: {len(problems)} problem(s)")
        return 1
    counts = {l: sum(1 for v in layer_of.values() if v == l) for l in ORDER}
    print("layers.py: %d files, %d exported names; no file uses a layer "
          "above its own (%s)" % (len(files), len(owner), ", ".join(
              f"{l} {counts[l]}" for l in ORDER)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
