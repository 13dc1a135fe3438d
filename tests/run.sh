#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every test program; print one closing line "N passed, N failed".
build=$1
shift
pass=0
fail=0
failed=""
for t in "$@"; do
	echo "== $t"
	if CUNLIAN_BIN="$build/cunlian" "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $t"
	fi
done
for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	echo "== $t"
	if CUNLIAN_BIN="$build/cunlian" sh "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $t"
	fi
done
# The browser tests of the web pages (tests/web/weblib.py), with Debian's
# python3 and its python3-selenium whatever python3 is first on PATH.
for t in tests/web/test_*.py; do
	[ -f "$t" ] || continue
	echo "== $t"
	if CUNLIAN_BIN="$build/cunlian" /usr/bin/python3 "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $t"
	fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
