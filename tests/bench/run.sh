#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every benchmark program; collect their "name value" lines into
# build/bench.json (one object: figure name -> number).
set -u
build=$1
out="$build/bench.txt"
: > "$out"
status=0
for b in "$build"/bench/*; do
	[ -x "$b" ] || continue
	BENCH_OUT="$out" "$b" || status=1
done
# The hub with history through the real program (cunlian serve, sync,
# linksim) and LoRa exchanges against it: bench_scale at 100 stations x 8
# days (make bench-scale runs it at city scale); its figures end in _hub100.
if [ -x "$build/bench-scale/bench_scale" ]; then
	BENCH_SCALE_STATIONS=100 BENCH_SCALE_DAYS=8 BENCH_SCALE_DIR="$build/scale-hub100" BENCH_SCALE_TAG=hub100 \
		BENCH_OUT="$out" CUNLIAN_BIN="$build/cunlian" "$build/bench-scale/bench_scale" || status=1
fi
awk 'BEGIN { printf "{" } { printf "%s\"%s\": %s", (NR > 1 ? ", " : ""), $1, $2 } END { print "}" }' \
	"$out" > "$build/bench.json"
echo "figures written to $build/bench.json"
exit $status
