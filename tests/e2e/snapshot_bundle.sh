#!/bin/sh
# SPDX-License-Identifier: MIT
# snapshot_bundle.sh - issue 15, snapshots on a stick: the hub writes its
# signed snapshots of the county scope and of a station's scope to files
# (bundle export --snapshot); a new board of that station with no link
# imports them (bundle import) and holds the hub's data of both scopes; a
# station cannot write one; a changed byte, or a file cut short, is
# refused with exit 3 and changes nothing.
. "$(dirname "$0")/lib.inc"
echo "snapshot_bundle: a new board starts from snapshot files"
H="$TMP/hub"
S="$TMP/s0001"
N="$TMP/newboard"
county "$H"
enrolled "$H" "$S" s0001 东村
i=0
while [ $i -lt 8 ]; do
	cl --home "$S" volunteer add --name "王伟$i" --phone "1380000$((1000 + i))" >/dev/null
	i=$((i + 1))
done
cl --home "$S" bundle export "$TMP/to-hub.bundle" --for hub >/dev/null
cl --home "$H" bundle import "$TMP/to-hub.bundle" >/dev/null

enrolled "$H" "$N" s0001 东村 # a new board, enrolled by files, no link

check "the hub writes the snapshots; a station cannot"
expect 0 --home "$H" --json bundle export "$TMP/county.snap" --snapshot -
echo "$out" | pyjson 'd["snapshot"] == "-" and d["bytes"] > 100' || fail "county snapshot: $out"
expect 0 --home "$H" bundle export "$TMP/s0001.snap" --snapshot s0001
contains "$out" "cunlian bundle import" "the export says what to do with it"
CUNLIAN_LANG=en expect 3 --home "$S" bundle export "$TMP/x.snap" --snapshot s0001
contains "$err" "only a hub signs snapshots" "a station's refusal"
[ ! -e "$TMP/x.snap" ] || fail "a refused export left a file"
expect 2 --home "$H" bundle export "$TMP/x.snap" --snapshot s0001 --for s0001

check "a changed byte or a cut file is refused and changes nothing"
before=$(cl --home "$N" digest)
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[len(b)//2]^=1; open(sys.argv[2],"wb").write(b)' \
	"$TMP/s0001.snap" "$TMP/bad.snap"
CUNLIAN_LANG=en expect 3 --home "$N" bundle import "$TMP/bad.snap"
contains "$err" "refused the snapshot file" "a changed byte"
head -c 100 "$TMP/s0001.snap" >"$TMP/cut.snap"
expect 3 --home "$N" bundle import "$TMP/cut.snap"
[ "$(cl --home "$N" digest)" = "$before" ] || fail "a refused snapshot changed the replica"

check "the new board imports both and holds the hub's data"
expect 0 --home "$N" bundle import "$TMP/county.snap"
expect 0 --home "$N" --json bundle import "$TMP/s0001.snap"
echo "$out" | pyjson 'd["snapshot"] == "s0001" and d["records"] >= 8' || fail "station snapshot import: $out"
same_scopes "$H" "$N" "after the snapshot files" s0001
# its own station row (init) goes to the hub on the stick; then the county agrees too
cl --home "$N" bundle export "$TMP/back.bundle" --for hub >/dev/null
cl --home "$H" bundle import "$TMP/back.bundle" >/dev/null
same_scopes "$H" "$N" "once the hub has the new board's own commit" "" s0001
[ "$(cl --home "$N" volunteer list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["volunteers"]))')" = 8 ] ||
	fail "the new board does not list the station's volunteers"
expect 0 --home "$N" bundle import "$TMP/s0001.snap"
same_scopes "$H" "$N" "after importing it again" "" s0001
echo "snapshot_bundle: ok"
