#!/bin/sh
# SPDX-License-Identifier: MIT
# net_snapshot.sh - issue 15, "a new node bootstraps from a signed
# snapshot": a hub holds a station's history (volunteers, orders through
# their lifecycle, over many commits); a new board enrolled for that
# station syncs for the first time over CoAP on loopback: it takes the
# hub's snapshots of the county scope and of its station's (GET /snap),
# the session after them brings almost nothing, nothing is refused, and
# its digests of both scopes equal the hub's; a board that already holds
# the scopes takes none.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_snapshot: a new board starts from the hub's signed snapshot"
H="$TMP/hub"
S="$TMP/s0001"
N="$TMP/newboard"
county "$H"
enrolled "$H" "$S" s0001 东村
i=0
while [ $i -lt 12 ]; do
	v=$(cl --home "$S" --json volunteer add --name "王伟$i" --phone "1380000$((1000 + i))" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	o=$(cl --home "$S" --json order add --category 助老 --detail "买药$i" --requester 张大爷 \
		--phone 13611112222 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	cl --home "$S" order dispatch "$o" --volunteer "$v" >/dev/null
	cl --home "$S" order accept "$o" >/dev/null
	cl --home "$S" order done "$o" --hours 1 >/dev/null
	i=$((i + 1))
done
P=$(port)
serve hub "$H" "$P"
hubpid=$last
check "the station's history reaches the hub"
expect 0 --home "$S" sync "coap://127.0.0.1:$P" --timeout 30
commits=$(cl --home "$H" --json status | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("commits", 0))' 2>/dev/null || echo 0)

check "the new board's first sync takes the snapshots, then converges"
enrolled "$H" "$N" s0001 东村
CUNLIAN_LANG=en expect 0 --home "$N" --json sync "coap://127.0.0.1:$P" --timeout 30
contains "$err" "took the snapshot of the county-wide scope" "the county snapshot"
contains "$err" "took the snapshot of s0001" "the station snapshot"
echo "$out" | pyjson 'd["converged"] and d["received"]["refused"] == 0 and d["received"]["applied"] < 20 and [(x["scope"], x["taken"]) for x in d["snapshots"]] == [("-", True), ("s0001", True)] and d["snapshots"][1]["records"] > 50' ||
	fail "first sync of the new board: $out"
[ ! -s "$N/refused.log" ] || fail "the new board refused: $(cat "$N/refused.log")"
[ ! -s "$H/refused.log" ] || fail "the hub refused: $(cat "$H/refused.log")"
same_scopes "$H" "$N" "after the snapshot" "" s0001
[ "$(cl --home "$N" volunteer list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["volunteers"]))')" = 12 ] ||
	fail "the new board does not list the station's volunteers"
grep -q "snapshot for .* of s0001: ok" "$TMP/hub.log" || fail "the hub did not log the snapshot: $(cat "$TMP/hub.log")"

check "its own writes chain on and reach the hub"
cl --home "$N" volunteer add --name 李娜 --phone 13900001234 >/dev/null
expect 0 --home "$N" sync "coap://127.0.0.1:$P" --timeout 30
case $out in *"took the snapshot"*) fail "a second sync took a snapshot again: $out" ;; esac
same_scopes "$H" "$N" "after the new board's write" "" s0001
expect 0 --home "$S" sync "coap://127.0.0.1:$P" --timeout 30
same_scopes "$H" "$S" "at the old board" "" s0001

stop "$hubpid"
echo "net_snapshot: ok"
