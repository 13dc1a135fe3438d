#!/bin/sh
# SPDX-License-Identifier: MIT
# net_relay_snap.sh - a new station that reaches the county only through a
# relay (another station running serve, which syncs with the hub) starts
# from the hub's signed snapshots, which the relay passes on and never
# signs (docs/replica.md R9, node/snapkeep.c K1-K5), on loopback:
#  1. the relay started from the hub's snapshots and kept them: a new
#     station takes the county's from it, its own scope's once the relay
#     fetched it from the hub, converges, and its new record reaches the
#     hub through the relay;
#  2. the relay compacted past the snapshot it kept: it does not pass that
#     one on, fetches a fresh one after its next hub session, and the next
#     new station converges at its next try (by `cunlian sync`, and one
#     that only runs `serve`);
#  3. a damaged kept snapshot is passed on and refused by the station,
#     which says why and takes nothing from it;
#  4. a snapshot imported from a file is kept too.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_relay_snap: a station behind a relay starts from the hub's snapshots"
H="$TMP/hub" R="$TMP/relay" B="$TMP/s2" B2="$TMP/s3" B3="$TMP/s4"
county "$H"
enrolled "$H" "$R" s1 东村 --parent t01
for t in t02 t03 t04; do # county-wide history of the hub's own
	cl --home "$H" station add --id "$t" --name "镇$t" --level town >/dev/null
done
cl --home "$H" category add --name 代购 >/dev/null

PH=$(port) PR=$(port)
serve hub "$H" "$PH"
hub=$last

# the number of lines of the relay's log that hold TEXT
nlog() { grep -c "$1" "$TMP/relay.log" 2>/dev/null || true; }
# wait_more TEXT N SECONDS: until the relay's log holds TEXT more than N times
wait_more() {
	k=0
	while [ "$(nlog "$1")" -le "$2" ]; do
		k=$((k + 1))
		[ $k -le $(($3 * 10)) ] || fail "the relay did not log \"$1\" again in $3 s: $(tail -n 12 "$TMP/relay.log")"
		sleep 0.1
	done
}
# same_as_hub HOME WHAT SCOPE...: every scope's digest equals the hub's,
# within 30 s (what the station sent reaches the hub at the relay's next
# session)
same_as_hub() {
	_h=$1 _w=$2
	shift 2
	for _sc in "$@"; do
		k=0
		until [ "$(cl --home "$_h" digest --scope "$_sc")" = "$(cl --home "$H" digest --scope "$_sc")" ]; do
			k=$((k + 1))
			[ $k -le 60 ] || fail "scope '$_sc' at $(basename "$_h") differs from the hub's $_w"
			sleep 0.5
		done
	done
}
# relay_synced: the relay holds the hub's county-wide data (bounded)
relay_synced() {
	k=0
	until [ "$(cl --home "$R" digest --scope "")" = "$(cl --home "$H" digest --scope "")" ]; do
		k=$((k + 1))
		[ $k -le 60 ] || fail "the relay did not sync with the hub in 60 s: $(tail -n 8 "$TMP/relay.log")"
		sleep 0.5
	done
}
nbases() { # the feeds HOME holds from a base on (pruned below, or from a snapshot)
	python3 -c 'import sqlite3,sys
db=sqlite3.connect("file:%s/replica.db?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT count(*) FROM _base").fetchone()[0])' "$1"
}

check "1. the relay starts from the hub's snapshots and keeps the bytes"
expect 0 --home "$R" --json sync "coap://127.0.0.1:$PH"
echo "$out" | pyjson 'any(s["scope"] == "-" and s["taken"] for s in d["snapshots"])' || fail "the relay took no snapshot"
[ -s "$R/snap/county.snap" ] || fail "the relay kept no snapshot of the county's scope"
[ "$(nbases "$R")" -ge 1 ] || fail "the relay holds no base: it did not start from the snapshot"
enrolled "$H" "$B" s2 西村 --parent t01
cl --home "$H" volunteer add --name 县志愿者 --phone 13900009999 --station s2 >/dev/null # s2's scope
echo "sync_timeout = 20" >>"$R/node.conf"
serve relay "$R" "$PR" --peer "coap://127.0.0.1:$PH" --interval 1
relay=$last
relay_synced

check "a new station behind the relay takes the county's snapshot from it and converges"
kept=$(nlog "kept for the stations behind")
expect 0 --home "$B" --json sync "coap://127.0.0.1:$PR"
echo "$out" | pyjson 'd["converged"] and any(s["scope"] == "-" and s["taken"] for s in d["snapshots"])' ||
	fail "s2 did not start from the relay's snapshot: $out"
contains "$(cat "$TMP/stderr")" "还没有可用的“s2”快照" "s2 is told the relay fetches its scope's snapshot"
wait_log relay "passed on the hub's signed snapshot of - to" 5
wait_log relay "asked for the snapshot of s2, which this node cannot give (this node keeps none)" 5
same_as_hub "$B" "after its first sync" ""

check "the relay fetches s2's sealed snapshot from the hub; s2 takes it at its next try"
wait_more "kept for the stations behind" "$kept" 30
grep -q "fetched and checked the snapshot of s2 from coap://127.0.0.1:$PH" "$TMP/relay.log" ||
	fail "the relay did not fetch s2's snapshot: $(tail -n 8 "$TMP/relay.log")"
[ -s "$R/snap/station-s2.snap" ] || fail "the relay kept no snapshot of s2"
expect 0 --home "$B" --json sync "coap://127.0.0.1:$PR"
echo "$out" | pyjson 'd["converged"] and any(s["scope"] == "s2" and s["taken"] for s in d["snapshots"])' ||
	fail "s2 did not take its scope's snapshot from the relay: $out"
same_as_hub "$B" "after its snapshots" "" s2
cl --home "$R" volunteer list --json | pyjson 'not any(v["name"] == "县志愿者" for v in d["volunteers"])' ||
	fail "the relay reads s2's data"

check "a record s2 writes reaches the hub through the relay"
cl --home "$B" volunteer add --name 新志愿者 --phone 13700007777 >/dev/null
expect 0 --home "$B" sync "coap://127.0.0.1:$PR"
n=0
until cl --home "$H" volunteer list --json | pyjson 'any(v["name"] == "新志愿者" for v in d["volunteers"])' 2>/dev/null; do
	n=$((n + 1))
	[ $n -le 60 ] || fail "s2's record did not reach the hub in 30 s: $(tail -n 8 "$TMP/relay.log")"
	sleep 0.5
done
same_as_hub "$B" "once its record reached the hub" s2

check "2. the relay compacted past its kept snapshot: it fetches a fresh one"
for t in t05 t06; do cl --home "$H" station add --id "$t" --name "镇$t" --level town >/dev/null; done
relay_synced
for t in t07 t08; do cl --home "$H" station add --id "$t" --name "镇$t" --level town >/dev/null; done
relay_synced
stop "$relay"
before=$(nbases "$R")
later=$(($(cat "$TMP/now") + 40 * 86400000))
CUNLIAN_NOW_MS=$later "$BIN" --home "$R" --json compact >"$TMP/c.json"
pyjson 'd["commits"] >= 1' <"$TMP/c.json" || fail "the relay pruned nothing: $(cat "$TMP/c.json")"
enrolled "$H" "$B2" s3 南村 --parent t01
serve relay "$R" "$PR" --peer "coap://127.0.0.1:$PH" --interval 1
relay=$last
relay_synced
kept=$(nlog "kept for the stations behind")
set +e
out=$(cl --home "$B2" sync "coap://127.0.0.1:$PR" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "s3 converged from a snapshot older than the relay's compacted history: $out"
contains "$out" "还没有可用的“全县范围”快照" "s3 is told to try again"
wait_log relay "which this node cannot give (the one it keeps is older than the history it compacted)" 5
wait_more "kept for the stations behind" "$kept" 30
expect 0 --home "$B2" --json sync "coap://127.0.0.1:$PR"
echo "$out" | pyjson 'd["converged"] and any(s["scope"] == "-" and s["taken"] for s in d["snapshots"])' ||
	fail "s3 did not take the relay's fresh snapshot: $out"
same_as_hub "$B2" "after the fresh snapshot" "" s3

check "a station that only runs the service behind the relay gets there too"
enrolled "$H" "$TMP/s6" s6 西岭 --parent t01
echo "sync_timeout = 20" >>"$TMP/s6/node.conf"
# (CUNLIAN_NO_SNAPSHOT: it starts from the whole history as serve does,
# is told PRUNED by the relay, and takes the relay's snapshots then)
bg s6 env CUNLIAN_LANG=en CUNLIAN_NO_SNAPSHOT=1 CUNLIAN_NOW_MS="$(cat "$TMP/now")" "$BIN" --home "$TMP/s6" serve \
	--listen none --peer "coap://127.0.0.1:$PR" --interval 1
s6=$last
wait_log s6 "took the snapshot of the county-wide scope from coap://127.0.0.1:$PR" 40
same_as_hub "$TMP/s6" "behind the relay, by serve" "" s6
stop "$s6"

check "3. a damaged kept snapshot is passed on and refused by the station, which takes nothing"
stop "$relay"
python3 -c 'import sys
p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[-1]^=1; open(p,"wb").write(b)' "$R/snap/county.snap"
enrolled "$H" "$B3" s4 北村 --parent t01
serve relay "$R" "$PR" --peer "coap://127.0.0.1:$PH" --interval 1
relay=$last
relay_synced
set +e
out=$(cl --home "$B3" --json sync "coap://127.0.0.1:$PR" 2>"$TMP/stderr")
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "s4 converged from a damaged snapshot"
echo "$out" | pyjson 'any(s["scope"] == "-" and not s["taken"] and s["error"] == "bad signature" for s in d["snapshots"])' ||
	fail "s4 did not refuse the damaged snapshot: $out"
contains "$(cat "$TMP/stderr")" "拒收“全县范围”的快照" "s4 says it refused the snapshot"
contains "$(cat "$TMP/stderr")" "the signature does not verify" "s4 says why"
[ "$(nbases "$B3")" -eq 0 ] || fail "s4 took something of the damaged snapshot"

check "a board that takes the hub's snapshot from a stick keeps it to pass on"
cl --home "$H" bundle export "$TMP/county.snap" --snapshot "" >/dev/null
enrolled "$H" "$TMP/s5" s5 东岭 --parent t01
cl --home "$TMP/s5" bundle import "$TMP/county.snap" >/dev/null
cmp -s "$TMP/county.snap" "$TMP/s5/snap/county.snap" || fail "s5 did not keep the snapshot it imported"

stop "$relay"
stop "$hub"
for s in hub relay; do grep -q "stopped" "$TMP/$s.log" || fail "$s did not stop cleanly"; done
echo "net_relay_snap: ok"
