#!/usr/bin/env bash
# Installs what the browser tests need: Debian's chromium, zbar-tools and
# oathtool (apt-get, when missing), and playwright-core + axe-core from npm
# into tests/browser/node_modules (from the committed package-lock.json).
# Never downloads a browser build of its own: Playwright drives
# /usr/bin/chromium.
set -eu
cd "$(dirname "$0")/.."
want="chromium zbar-tools oathtool nodejs npm fonts-dejavu-core"
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
# node and npm may come from elsewhere (nvm, NodeSource); accept them on PATH.
for tool in nodejs npm; do
	bin=$tool
	[ "$tool" = nodejs ] && bin=node
	if command -v "$bin" >/dev/null 2>&1; then
		missing=$(printf '%s\n' $missing | grep -vx "$tool" | tr '\n' ' ' || true)
	fi
done
missing=$(echo $missing)
if [ -n "$missing" ]; then
	echo "installing:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends $missing
fi
cd tests/browser
if [ ! -f node_modules/playwright-core/package.json ] ||
   [ ! -f node_modules/axe-core/axe.min.js ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
	# Playwright must not fetch browsers: we bring Debian's chromium.
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
