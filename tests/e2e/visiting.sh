#!/bin/sh
# SPDX-License-Identifier: MIT
# visiting.sh - a volunteer's hours and points across two stations and the
# hub: a volunteer of 一村 serves an order at 二村 (a visiting volunteer);
# the hours and points reach the hub and the home station, which alone
# may spend them; 二村 may not; credits count once whatever is carried
# again; and 二村's bundle holds none of the volunteer's personal data.
. "$(dirname "$0")/lib.inc"
echo "visiting: one volunteer's hours and points at two stations and the hub"
HUB=$TMP/hub S1=$TMP/s1 S2=$TMP/s2
county "$HUB"
enrolled "$HUB" "$S1" s0001 一村 --parent c01
enrolled "$HUB" "$S2" s0002 二村 --parent c01

# carry FROM TO [STATION]: everything FROM holds for TO, as a bundle.
carry() {
	cl --home "$1" bundle export "$TMP/carry.bundle" ${3:+--for "$3"} >/dev/null
	expect 0 --home "$2" --json bundle import "$TMP/carry.bundle"
	echo "$out" | pyjson 'd["refused"] == 0' || fail "carrying $1 to $2 refused commits"
}

check "一村 registers a volunteer and serves an order of its own (1.5 hours)"
expect 0 --home "$S1" --json volunteer add --name 王伟 --phone 13800001111
vid=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ "$vid" = s0001-v1 ] || fail "volunteer id $vid"
oid=$(cl --home "$S1" --json order add --category 助老 --detail 陪老人聊天 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
cl --home "$S1" order dispatch "$oid" --volunteer "$vid" >/dev/null
cl --home "$S1" order done "$oid" --hours 1.5 >/dev/null
carry "$S1" "$HUB"
carry "$HUB" "$S2" s0002

check "二村 dispatches 一村's volunteer, who is told apart as visiting"
expect 4 --home "$S2" volunteer show "$vid"
contains "$err" "s0001" "where a visiting volunteer's record is"
o2=$(cl --home "$S2" --json order add --category 助残 --detail 修轮椅 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
expect 0 --home "$S2" order dispatch "$o2" --volunteer "$vid"
contains "$out" "外站志愿者" "the dispatch says the volunteer is visiting"
expect 4 --home "$S2" order dispatch "$o2" --volunteer s0009-v1
expect 0 --home "$S2" order accept "$o2"
expect 0 --home "$S2" --json order done "$o2" --hours 2
echo "$out" | pyjson 'd["points"] == 20 and d["volunteer"] == "s0001-v1"' || fail "done at 二村"

check "二村 may not spend the visiting volunteer's points (exit 3, nothing written)"
before=$(cl --home "$S2" digest)
expect 3 --home "$S2" points redeem "$vid" --points 5 --item 毛巾
contains "$err" "s0001" "the refusal names the home station"
[ "$before" = "$(cl --home "$S2" digest)" ] || fail "a refused redemption changed 二村"

check "二村's bundle holds none of the volunteer's personal data"
cl --home "$S2" bundle export "$TMP/s2.bundle" >/dev/null
for needle in 王伟 13800001111; do
	! grep -q "$needle" "$TMP/s2.bundle" || fail "$needle in 二村's bundle"
done

check "the hub sees 3.5 hours and 35 points, the 二村 credit among them"
carry "$S2" "$HUB"
expect 0 --home "$HUB" --json volunteer show "$vid"
echo "$out" | pyjson 'd["hours"] == 3.5 and d["balance"] == 35' || fail "hub: hours and points"
expect 0 --home "$HUB" --json points history "$vid"
echo "$out" | python3 -c 'import json,sys
d=json.load(sys.stdin)
e=d.get("entries", d.get("history", d)) if isinstance(d, dict) else d
assert any(x.get("station") == "s0002" and x.get("delta") == 20 for x in e), e' ||
	fail "the hub's history lacks the credit from 二村"

check "the home station sees the same hours and balance, and spends them"
carry "$HUB" "$S1" s0001
expect 0 --home "$S1" --json volunteer show "$vid"
echo "$out" | pyjson 'd["hours"] == 3.5 and d["balance"] == 35' || fail "一村: hours and points"
expect 3 --home "$S1" points redeem "$vid" --points 36 --item 米
contains "$err" "35" "an overdraw shows the balance"
expect 0 --home "$S1" --json points redeem "$vid" --points 30 --item 米
echo "$out" | pyjson 'd["balance"] == 5' || fail "balance after redeeming at home"

check "carried again, every credit still counts once"
carry "$S2" "$HUB"
carry "$S1" "$HUB"
carry "$HUB" "$S1" s0001
for h in "$HUB" "$S1"; do
	expect 0 --home "$h" --json points balance "$vid"
	echo "$out" | pyjson 'd["volunteer"] == "s0001-v1" and d["balance"] == 5' || fail "$h: balance"
done
[ "$(cl --home "$HUB" digest --scope s0001)" = "$(cl --home "$S1" digest --scope s0001)" ] ||
	fail "一村's scope differs between the hub and 一村"
echo "visiting: ok"
