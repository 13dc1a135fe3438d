#!/bin/sh
# SPDX-License-Identifier: MIT
# villagegen_check.sh - the C port of the standard trace's generator
# (tests/bench/villagegen.c, used by `make bench-scale`) must write the
# same bytes as ../shared/workload/villagegen.py. Compares the two over
# several option sets; BIG=1 adds the 100 stations x 30 days of
# bench-scale's options (80 MB, about 10 s of Python).
#   sh tests/bench/villagegen_check.sh [build]     (exit 1 on a difference)
set -eu
BUILD=${1:-build}
GEN=$BUILD/bench-scale/villagegen
WL=${CUNLIAN_WORKLOAD:-../shared/workload}
[ -x "$GEN" ] || { echo "villagegen_check: $GEN missing (make $GEN)" >&2; exit 2; }
[ -r "$WL/villagegen.py" ] || { echo "villagegen_check: $WL/villagegen.py missing (set CUNLIAN_WORKLOAD)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
	python3 "$WL/villagegen.py" "$@" > "$tmp/py"
	"$GEN" "$@" > "$tmp/c"
	if cmp -s "$tmp/py" "$tmp/c"; then
		echo "same   $(wc -l < "$tmp/py") lines, $(sha256sum < "$tmp/py" | cut -c1-16): $*"
	else
		echo "DIFFER: $* ($(cmp "$tmp/py" "$tmp/c" 2>&1 | head -1))"
		fail=1
	fi
}
check --stations 3 --days 2
check --stations 7 --days 5 --seed 42
check --stations 12 --days 4 --seed 1 --seed-volunteers 247
check --stations 1 --days 30 --seed 1 --seed-volunteers 247
check --stations 20 --days 10 --seed 3 --orders 30 --cancel-rate 0.2 --delete-rate 0.05 --adjust-rate 0.05
check --stations 5 --days 3 --seed 5000000000 --new-volunteers 0 --profile-updates 9 --redemptions 1
[ "${BIG:-0}" = 1 ] && check --stations 100 --days 30 --seed 1 --seed-volunteers 247
sha256sum "$WL/villagegen.py" | sed 's/ .*/  villagegen.py (VILLAGEGEN_SHA256 in bench_scale.c)/'
exit $fail
