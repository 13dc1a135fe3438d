#!/bin/sh
# SPDX-License-Identifier: MIT
# bundle.sh - sneakernet: bundles carried between two stations and the hub,
# through a relay, twice, and cut short.
. "$(dirname "$0")/lib.inc"
echo "bundle: store-and-forward with bundle files"
HUB=$TMP/hub S1=$TMP/s1 S2=$TMP/s2
cl --home "$HUB" init --station c01 --name 县中心 --role hub >/dev/null
enrolled "$HUB" "$S1" s0001 一村 --parent c01
enrolled "$HUB" "$S2" s0002 二村 --parent c01
v=$(cl --home "$S1" --json volunteer add --name 王伟 --phone 13800001111 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
cl --home "$S1" order add --category 助老 --detail 陪老人聊天 >/dev/null
cl --home "$S1" order dispatch s0001-o1 --volunteer "$v" >/dev/null
cl --home "$S1" order accept s0001-o1 >/dev/null
cl --home "$S1" order done s0001-o1 --hours 2 >/dev/null

check "a station's bundle, imported at the hub, gives both the same data of that station"
expect 0 --home "$S1" bundle export "$TMP/s1.bundle"
expect 0 --home "$HUB" bundle import "$TMP/s1.bundle"
[ "$(cl --home "$HUB" digest --scope s0001)" = "$(cl --home "$S1" digest --scope s0001)" ] ||
	fail "hub and s0001 differ on s0001's data"

check "importing the same bundle again changes nothing"
before=$(cl --home "$HUB" digest)
expect 0 --home "$HUB" --json bundle import "$TMP/s1.bundle"
echo "$out" | pyjson 'd["applied"] == 0 and d["duplicate"] > 0' || fail "second import applied something"
[ "$before" = "$(cl --home "$HUB" digest)" ] || fail "second import changed the hub"

check "the hub's bundle for a station brings the county-wide data, and back"
expect 0 --home "$HUB" bundle export "$TMP/hub.bundle" --for s0002
expect 0 --home "$S2" bundle import "$TMP/hub.bundle"
expect 0 --home "$S2" bundle export "$TMP/s2first.bundle"
expect 0 --home "$HUB" bundle import "$TMP/s2first.bundle"
[ "$(cl --home "$HUB" digest --scope "")" = "$(cl --home "$S2" digest --scope "")" ] ||
	fail "hub and s0002 differ on county-wide data"

check "a relay: s0002 carries s0001's bundle on to the hub without merging it"
cl --home "$S1" order rate s0001-o1 --rating 5 --comment 很好 >/dev/null
expect 0 --home "$S1" bundle export "$TMP/s1b.bundle"
expect 0 --home "$S2" --json bundle import "$TMP/s1b.bundle"
echo "$out" | pyjson 'd["carried"] > 0' || fail "s0002 did not keep s0001's commits to pass on"
expect 4 --home "$S2" order show s0001-o1
expect 0 --home "$S2" bundle export "$TMP/s2.bundle"
expect 0 --home "$HUB" bundle import "$TMP/s2.bundle"
expect 0 --home "$HUB" --json order show s0001-o1
echo "$out" | pyjson 'd["status"] == "rated"' || fail "the relayed rating did not reach the hub"
[ "$(cl --home "$HUB" digest --scope s0001)" = "$(cl --home "$S1" digest --scope s0001)" ] ||
	fail "hub and s0001 differ after the relay"

check "a bundle cut short imports its complete parts and says what it skipped (exit 3)"
size=$(wc -c <"$TMP/s1.bundle")
head -c $((size - 7)) "$TMP/s1.bundle" >"$TMP/cut.bundle"
H3=$TMP/hub3
cl --home "$H3" init --station c01 --name 县中心 --role hub --county-key "$HUB/county.key" >/dev/null
cl --home "$H3" enroll sign "$TMP/s0001.req" --station s0001 --out "$TMP/s0001b.cert" --county-key "$HUB/county.key" >/dev/null
expect 3 --home "$H3" --json bundle import "$TMP/cut.bundle"
echo "$out" | pyjson 'd["bytes_skipped"] > 0 and len(d["skipped"]) > 0' || fail "the skipped part was not reported"
skip_at=$(echo "$out" | python3 -c 'import json,sys; s=json.load(sys.stdin)["skipped"][0]; print(s["offset"])')
skip_len=$(echo "$out" | python3 -c 'import json,sys; s=json.load(sys.stdin)["skipped"][0]; print(s["bytes"])')
check "the skipped range says where it starts and how long it is, in Chinese and in English"
expect 3 --home "$H3" bundle import "$TMP/cut.bundle"
contains "$out" "跳过 $skip_len 字节（从第 $skip_at 字节起）" "the Chinese skipped line (offset, then length)"
set +e
out=$(CUNLIAN_LANG=en cl --home "$H3" bundle import "$TMP/cut.bundle" 2>/dev/null)
set -e
contains "$out" "skipped $skip_len bytes at byte $skip_at" "the English skipped line (length, then offset)"
expect 0 --home "$H3" bundle import "$TMP/s1.bundle"

check "a file that is not a bundle is refused and changes nothing"
echo "hello" >"$TMP/not.bundle"
before=$(cl --home "$HUB" digest)
expect 2 --home "$HUB" bundle import "$TMP/not.bundle"
contains "$err" "不是村联同步包" "message"
[ "$before" = "$(cl --home "$HUB" digest)" ] || fail "a bad file changed the hub"
expect 4 --home "$HUB" bundle import "$TMP/missing.bundle"
expect 2 --home "$HUB" bundle export "$TMP/x.bundle" --for "bad id!"

check "bundle export and import without a file say how to use them (exit 2), in Chinese and in English"
for verb in export import; do
	expect 2 --home "$HUB" bundle $verb
	contains "$err" "缺少文件" "bundle $verb without a file"
	contains "$err" "cunlian bundle $verb 文件" "bundle $verb names its usage"
	set +e
	CUNLIAN_LANG=en cl --home "$HUB" bundle $verb 2>"$TMP/stderr" >/dev/null
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "CUNLIAN_LANG=en bundle $verb without a file: exit $rc, want 2"
	contains "$(cat "$TMP/stderr")" "usage is cunlian bundle $verb FILE" "bundle $verb usage in English"
done
echo "bundle: ok"
