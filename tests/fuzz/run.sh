#!/usr/bin/env bash
# run.sh BUILD [SECONDS] [PARSER_SECONDS]: run the libFuzzer targets built in
# BUILD (cmake -DKLUIS_FUZZ=ON) on top of the corpus in tests/fuzz/corpus/:
# fuzz_parsers for PARSER_SECONDS (default 30), then fuzz_request for
# SECONDS (default 120). New inputs go to BUILD/fuzz-corpus/, the input of a
# failure to BUILD/fuzz-NAME-{crash,leak,timeout}-*, the output to
# BUILD/fuzz-NAME.log. Exits non-zero on a crash, leak, sanitizer report or
# an input slower than 20 s.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD [SECONDS] [PARSER_SECONDS]}" && pwd)
seconds=${2:-120}
parser_seconds=${3:-30}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run() {	# run NAME SECONDS FLAGS...
	local name=$1 secs=$2 log="$build/fuzz-$1.log"
	shift 2
	mkdir -p "$build/fuzz-corpus/$name"
	echo "fuzz: $name for ${secs}s on tests/fuzz/corpus/$name (log: $log)"
	if ! "$build/fuzz_$name" -max_total_time="$secs" -timeout=20 \
	    -print_final_stats=1 -artifact_prefix="$build/fuzz-$name-" \
	    "$@" "$build/fuzz-corpus/$name" "$here/corpus/$name" \
	    >"$log" 2>&1; then
		tail -n 100 "$log"
		echo "fuzz: $name FAILED; the input is in $build/fuzz-$name-*-*"
		return 1
	fi
	grep -E "^#[0-9]+ +DONE|^stat::number_of_executed_units|^stat::peak_rss_mb" \
	    "$log" || true
}

run parsers "$parser_seconds" -max_len=512
run request "$seconds" -max_len=16384 -dict="$here/request.dict"
