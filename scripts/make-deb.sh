#!/usr/bin/env bash
# make-deb.sh [OUTDIR]: build the Debian package kluis_VERSION_ARCH.deb
# (debian/, debhelper) from a copy of this tree, so that the tree stays
# clean, and put the .deb, .buildinfo and .changes into OUTDIR (default
# build/). The copy holds every file git knows or would add (changes not yet
# committed included), not the ignored build directories.
# `make deb` runs it after scripts/install-deps.sh deb.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
arch=$(dpkg-architecture -q DEB_HOST_ARCH)
work=$(mktemp -d "${TMPDIR:-/tmp}/kluis-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src="$work/kluis-$version"
mkdir "$src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -xf - -C "$src"
log="$out/kluis_${version}_${arch}.build.log"
echo "make-deb: building kluis $version for $arch in $work (log: $log)"
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
    nice dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
	tail -n 40 "$log"
	echo "make-deb: dpkg-buildpackage failed; the whole log is $log"
	exit 1
fi
for f in "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes; do
	[ -e "$f" ] && mv -f "$f" "$out/"
done
echo "make-deb: $out/kluis_${version}_${arch}.deb"
