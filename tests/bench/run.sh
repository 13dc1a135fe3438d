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
awk 'BEGIN { printf "{" } { printf "%s\"%s\": %s", (NR > 1 ? ", " : ""), $1, $2 } END { print "}" }' \
	"$out" > "$build/bench.json"
echo "figures written to $build/bench.json"
exit $status
