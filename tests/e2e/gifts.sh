#!/bin/sh
# SPDX-License-Identifier: MIT
# gifts.sh - the gift shelf (爱心超市) across a station and the hub, enrolled
# (every commit signed and judged): the station puts items on its shelf and
# restocks them; two redemptions of the last item at once: exactly one
# succeeds, the other is refused with the stock and nothing written; the
# points and the stock go in one commit; carried to the hub, the hub shows
# the stock; the hub restocks but cannot take stock; a second station does
# not hold the shelf at all; refusals change nothing.
. "$(dirname "$0")/lib.inc"
echo "gifts: the gift shelf at a station and the hub"
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
jget() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

check "一村 earns a volunteer 20 points (2 hours of service)"
vid=$(cl --home "$S1" --json volunteer add --name 王伟 --phone 13800001111 | jget '["id"]')
oid=$(cl --home "$S1" --json order add --category 助老 --detail 陪老人聊天 | jget '["id"]')
cl --home "$S1" order dispatch "$oid" --volunteer "$vid" >/dev/null
cl --home "$S1" order done "$oid" --hours 2 >/dev/null

check "一村 puts items on its shelf and restocks one; the list is aligned and in Chinese"
expect 0 --home "$S1" gift add --name 毛巾 --price 5
contains "$out" "已上架：毛巾（s0001-g1）" "gift add says what it did"
expect 0 --home "$S1" --json gift add --name 食用油 --price 50 --stock 3
echo "$out" | pyjson 'd["id"] == "s0001-g2" and d["stock"] == 3 and d["price"] == 50' || fail "gift add --json"
expect 2 --home "$S1" gift add --name 香皂 --price 0
contains "$err" "价格 0 无效" "a price of 0 is refused"
expect 3 --home "$S1" gift add --name 毛巾 --price 6
expect 0 --home "$S1" gift restock 毛巾 --count 1
contains "$out" "现有 1 件" "restock says the stock"
expect 0 --home "$S1" gift list
contains "$out" "库存" "the list's heading"
python3 - "$out" <<'EOF' || fail "gift list is not aligned"
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
# the last column (the station) starts at one display column on every
# line, the heading's too, whatever the widths of the Chinese names
lines = sys.argv[1].splitlines()
starts = {w(l[:l.rindex(l.split()[-1])]) for l in lines}
assert len(starts) == 1 and len(lines) == 3, (starts, lines)
EOF
expect 0 --home "$S1" --lang en gift list
contains "$out" "stock" "gift list in English"

check "two redemptions of the last 毛巾 at once: exactly one succeeds"
NOW=$(($(cat "$TMP/now") + 1000))
echo $((NOW + 60000)) >"$TMP/now"
before_bal=$(cl --home "$S1" --json points balance "$vid" | jget '["balance"]')
for k in 1 2; do
	(
		set +e
		CUNLIAN_NOW_MS=$NOW "$BIN" --home "$S1" points redeem "$vid" --gift 毛巾 \
			>"$TMP/r$k.out" 2>"$TMP/r$k.err"
		echo $? >"$TMP/r$k.rc"
	) &
done
wait
rcs=$(cat "$TMP/r1.rc" "$TMP/r2.rc" | sort | tr '\n' ' ')
[ "$rcs" = "0 3 " ] || fail "two redemptions of the last item: exit statuses $rcs, want one 0 and one 3"
cat "$TMP/r1.out" "$TMP/r2.out" | grep -q "库存还剩 0 件" || fail "the redemption says the stock left"
cat "$TMP/r1.err" "$TMP/r2.err" | grep -q "库存只有 0 件" || fail "the refusal says the stock"
expect 0 --home "$S1" --json gift list
echo "$out" | pyjson '[g["stock"] for g in d["gifts"] if g["id"] == "s0001-g1"] == [0]' || fail "stock after"
expect 0 --home "$S1" --json points balance "$vid"
echo "$out" | pyjson "d['balance'] == $before_bal - 5" || fail "5 points taken once"

check "refusals at 一村 change nothing: no stock, not enough points, retired, usage"
before=$(cl --home "$S1" digest)
expect 3 --home "$S1" points redeem "$vid" --gift 毛巾
expect 3 --home "$S1" points redeem "$vid" --gift 食用油
contains "$err" "积分余额只有 15" "not enough points names the balance"
expect 2 --home "$S1" points redeem "$vid" --gift 食用油 --count 0
expect 2 --home "$S1" points redeem "$vid" --gift 食用油 --points 5
expect 2 --home "$S1" points redeem "$vid" --points 5 --item 食用油 --count 2
contains "$err" "--gift" "--count without --gift says what it goes with"
expect 4 --home "$S1" points redeem "$vid" --gift 茶叶
[ "$before" = "$(cl --home "$S1" digest)" ] || fail "a refused redemption changed 一村"
expect 0 --home "$S1" gift retire 食用油
expect 3 --home "$S1" points redeem "$vid" --gift s0001-g2
contains "$err" "已经下架" "a retired item is refused"
expect 0 --home "$S1" gift list --all
contains "$out" "已下架" "gift list --all shows retired items"

check "carried to the hub: the hub shows the stock, restocks, and cannot take stock"
carry "$S1" "$HUB"
expect 0 --home "$HUB" --json gift list --station s0001
echo "$out" | pyjson '[g["stock"] for g in d["gifts"] if g["id"] == "s0001-g1"] == [0]' || fail "hub: stock"
expect 0 --home "$HUB" gift restock s0001-g1 --count 4
before=$(cl --home "$HUB" digest)
expect 3 --home "$HUB" points redeem "$vid" --gift s0001-g1
contains "$err" "县级中心不能扣减" "the hub says it takes no stock"
[ "$before" = "$(cl --home "$HUB" digest)" ] || fail "a refused redemption changed the hub"

check "the hub's restock reaches 一村; 二村 does not even hold 一村's shelf"
carry "$HUB" "$S2" s0002
carry "$HUB" "$S1" s0001
expect 0 --home "$S1" --json gift list
echo "$out" | pyjson '[g["stock"] for g in d["gifts"] if g["id"] == "s0001-g1"] == [4]' || fail "一村: restock"
expect 0 --home "$S1" --json points redeem "$vid" --gift 毛巾 --count 2
echo "$out" | pyjson 'd["stock"] == 2 and d["points"] == 10 and d["balance"] == 5' || fail "redeem 2"
carry "$S1" "$HUB"
expect 0 --home "$HUB" --json gift list
echo "$out" | pyjson '[g["stock"] for g in d["gifts"] if g["id"] == "s0001-g1"] == [2]' || fail "hub: stock 2"
expect 0 --home "$S2" --json gift list --station s0001
echo "$out" | pyjson 'd["gifts"] == []' || fail "二村 holds 一村's shelf"
expect 4 --home "$S2" points redeem s0001-v1 --gift s0001-g1
echo "gifts: ok"
