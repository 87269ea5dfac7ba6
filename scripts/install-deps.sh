#!/usr/bin/env bash
# Installs the Debian packages kluis needs: "build" for make run, "test" adds
# what the tests use (oathtool, zbarimg, rsvg-convert, python3, an SMTP peer,
# curl, jq and unzip for the zip and token tests),
# "fuzz" adds clang, its libFuzzer and sanitizer runtimes and the LLVM tools
# (llvm-symbolizer for readable reports, llvm-cov) for make fuzz, "bench" adds
# what make bench uses (nginx, wrk, perf, oathtool, libargon2 for the
# hash-rate reference), "deb" adds what make deb and make deb-check use
# (debhelper, lintian, systemd-analyze).
set -eu
want="cmake make gcc pkg-config libmicrohttpd-dev liboath-dev libssl-dev
libsqlite3-dev libqrencode-dev libargon2-dev libcurl4-openssl-dev
libgnutls28-dev libinih-dev libsystemd-dev scdoc tzdata"
if [ "${1:-build}" = fuzz ]; then
	want="$want clang libclang-rt-dev llvm"
fi
if [ "${1:-build}" = bench ]; then
	want="$want nginx wrk linux-perf oathtool python3 libargon2-1"
fi
if [ "${1:-build}" = test ]; then
	want="$want oathtool zbar-tools librsvg2-bin python3 python3-aiosmtpd sqlite3 curl openssl git jq unzip"
fi
if [ "${1:-build}" = deb ]; then
	want="$want python3 debhelper dpkg-dev lintian systemd git"
fi
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
# python3 may come from elsewhere (pyenv); accept any python3 on PATH, except
# for the package build, whose build dependencies dpkg checks.
if [ "${1:-build}" != deb ] && command -v python3 >/dev/null 2>&1; then
	missing=$(printf '%s\n' $missing | grep -vx python3 | tr '\n' ' ' || true)
fi
missing=$(echo $missing)
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends $missing
