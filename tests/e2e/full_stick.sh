#!/bin/sh
# SPDX-License-Identifier: MIT
# full_stick.sh - a full USB stick never destroys the good file on it: a
# bundle or backup that does not fit leaves the old one byte for byte, no
# partial file, exit 5, and a message that says the stick is full and how
# much room is needed (the exact size, checked by writing it once there is
# room); CSV sent to a full stick is not reported as written.
#
# The stick is a real file system that fills up: a small tmpfs mounted
# here (tests run as root here and in CI). Without root or mount the test
# says so and is skipped.
. "$(dirname "$0")/lib.inc"
echo "full_stick: bundle, backup and report on a full stick"
M=$TMP/stick
tmpfs "$M" 2m stick

S=$TMP/s1
c() { cl --home "$S" "$@"; }
c init --station s0001 --name 东村服务站 >/dev/null
# rows N BASE: N volunteers, phones from BASE on; names and teams random
# (seeded; the seed is printed) so the files do not compress to nothing
SEED=${CUNLIAN_SEED:-$(date +%s)}
echo "  (seed $SEED)"
rows() {
	python3 -c 'import random, sys
n, base, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed + base)
print("name,phone,team,skills")
for i in range(n):
    name = "".join(chr(r.randrange(0x4e00, 0x9fa5)) for _ in range(3))
    team = "".join(chr(r.randrange(0x4e00, 0x9fa5)) for _ in range(6))
    print("%s,139%08d,%s,助老" % (name, base + i, team))' "$1" "$2" "$SEED" >"$TMP/rows.csv"
}
rows 200 0
c volunteer import "$TMP/rows.csv" >/dev/null

# fill FREE: fill the stick, then free FREE bytes of it again
fill() {
	rm -f "$M/fill"
	dd if=/dev/zero of="$M/fill" bs=4096 2>/dev/null || true
	size=$(wc -c <"$M/fill")
	truncate -s $((size - $1)) "$M/fill"
}
# the number of bytes in "... needs X KB (N B) ..."
need_of() { printf '%s\n' "$1" | sed -n 's/.*需要 [^(]*(\([0-9]*\) B).*/\1/p'; }

check "a good bundle on the stick, then more data: exporting over it on a full stick is refused (exit 5)"
expect 0 --home "$S" bundle export "$M/s1.bundle"
cp "$M/s1.bundle" "$TMP/old.bundle"
rows 600 1000
c volunteer import "$TMP/rows.csv" >/dev/null
fill 4096
expect 5 --home "$S" bundle export "$M/s1.bundle"
cmp -s "$M/s1.bundle" "$TMP/old.bundle" || fail "the good bundle on the stick was changed"
[ "$(ls "$M")" = "$(printf 'fill\ns1.bundle')" ] || fail "something was left on the stick: $(ls "$M")"
contains "$err" "已满" "the message says the stick is full"
contains "$err" "没有改动" "the message says the old file is unchanged"
need=$(need_of "$err")
[ -n "$need" ] || fail "the message does not say how much room is needed: $err"

check "with room again the same export succeeds, and is exactly as big as the message said"
rm -f "$M/fill"
expect 0 --home "$S" --json bundle export "$M/s1.bundle"
echo "$out" | pyjson "d['bytes'] == $need" || fail "the bundle is not the $need bytes the message named"
cmp -s "$M/s1.bundle" "$TMP/old.bundle" && fail "the new bundle was not written"
ls "$M" | grep -q part && fail "a temporary file was left: $(ls "$M")"

check "the same for a backup: the old one stays whole, no partial file, the size needed is named"
echo "a passphrase for the test" >"$TMP/pass"
expect 0 --home "$S" backup "$M/s1.clbk" --passphrase-file "$TMP/pass"
cp "$M/s1.clbk" "$TMP/old.clbk"
rows 600 5000
c volunteer import "$TMP/rows.csv" >/dev/null
rm -f "$M/s1.bundle"
fill 4096
expect 5 --home "$S" backup "$M/s1.clbk" --passphrase-file "$TMP/pass"
cmp -s "$M/s1.clbk" "$TMP/old.clbk" || fail "the good backup on the stick was changed"
[ "$(ls "$M")" = "$(printf 'fill\ns1.clbk')" ] || fail "something was left on the stick: $(ls "$M")"
contains "$err" "已满" "the message says the stick is full"
need=$(need_of "$err")
[ -n "$need" ] || fail "the message does not say how much room is needed: $err"
rm -f "$M/fill"
expect 0 --home "$S" --json backup "$M/s1.clbk" --passphrase-file "$TMP/pass"
echo "$out" | pyjson "d['bytes'] == $need" || fail "the backup is not the $need bytes the message named"

check "CSV sent to a full stick: exit 5 and a message, never a silent cut file"
fill 0
set +e
cl --home "$S" report --format csv >"$M/report.csv" 2>"$TMP/stderr"
rc=$?
set -e
[ "$rc" -eq 5 ] || fail "report to a full stick: exit status $rc, want 5"
contains "$(cat "$TMP/stderr")" "没有写完" "the message says the output is incomplete"
echo "full_stick: ok"
