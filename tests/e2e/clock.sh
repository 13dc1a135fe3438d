#!/bin/sh
# SPDX-License-Identifier: MIT
# clock.sh - a wrong clock never bricks a station (issue 12, part 2;
# docs/security.md "Clock", docs/field-guide.md "Clock rescue").
# Drives the real binary with simulated clocks: CUNLIAN_NOW_MS for the
# wall clock, CUNLIAN_MONO_MS and CUNLIAN_BOOT_ID for the board's boot
# time. build/tests/cunlian-unchecked is the same program without the
# clock's bounds: it makes a far-future commit the way an older version did.
. "$(dirname "$0")/lib.inc"
OLD=${CUNLIAN_UNCHECKED:-$(dirname "$BIN")/tests/cunlian-unchecked}
[ -x "$OLD" ] || fail "$OLD is missing: make $OLD"

# at TIME ARGS: run the program at wall clock TIME (ms), outside the sequence
at() {
	_t=$1
	shift
	set +e
	out=$(CUNLIAN_NOW_MS=$_t "$BIN" "$@" 2>"$TMP/stderr")
	rc=$?
	set -e
	err=$(cat "$TMP/stderr")
}
# unchanged WHAT: the station's replica, HLC and clock evidence are as saved
save() {
	cl --home "$S" digest >"$TMP/d0"
	cl --home "$S" --json status | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["hlc_ms"], d["own_commits"])' >"$TMP/h0"
	cp "$S/clock" "$TMP/c0"
}
unchanged() {
	[ "$(cl --home "$S" digest)" = "$(cat "$TMP/d0")" ] || fail "$1: the replica changed"
	[ "$(cl --home "$S" --json status | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["hlc_ms"], d["own_commits"])')" = "$(cat "$TMP/h0")" ] ||
		fail "$1: the HLC or the log moved"
	cmp -s "$S/clock" "$TMP/c0" || fail "$1: the clock evidence changed"
}

HUB=$TMP/hub S=$TMP/s1
check "1970: init is refused before it makes a key or a file"
at 1000 --home "$TMP/new" init --station s0009 --name 新村
[ "$rc" -eq 3 ] || fail "init at 1970: exit $rc, want 3"
contains "$err" "本机时钟没有设置" "init at 1970"
[ ! -e "$TMP/new" ] || fail "init at 1970 made $(ls "$TMP/new")"
county "$HUB"
enrolled "$HUB" "$S" s0001 东村服务站
cl --home "$S" order add --category 助老 --detail 第一单 >/dev/null
cl --home "$S" bundle export "$TMP/s.bundle" >/dev/null
expect 0 --home "$HUB" bundle import "$TMP/s.bundle"

check "the hub's time travels in its bundle and becomes the station's evidence"
hubnow=$(($(cat "$TMP/now") + 1000))
cl --home "$HUB" bundle export --for s0001 "$TMP/h.bundle" >/dev/null
expect 0 --home "$S" bundle import "$TMP/h.bundle"
expect 0 --home "$S" --json clock
echo "$out" | pyjson "d['hub_known_ms'] == $hubnow and d['lower_ms'] == $hubnow and d['verdict'] == 'ok'" ||
	fail "the hub's time was not taken in: $out"
# the hub's bundle: a TIME chunk (type 4) right after the 42-byte header; a
# station's: none, so a hub older than TIME reads it as before
typ() { python3 -c "import sys; b=open(sys.argv[1],'rb').read(); print(b[45] if len(b) > 45 and b[42:44] == b'CL' else -1)" "$1"; }
[ "$(typ "$TMP/h.bundle")" = 4 ] || fail "the hub's bundle has no TIME chunk"
cl --home "$S" bundle export "$TMP/st.bundle" >/dev/null
[ "$(typ "$TMP/st.bundle")" != 4 ] || fail "a station's bundle carries a TIME chunk"

check "2040: a write is refused (exit 3), says how to fix the clock, and writes nothing"
save
at 2222222222000 --home "$S" order add --category 助老 --detail 未来
[ "$rc" -eq 3 ] || fail "a 2040 write: exit $rc, want 3 ($err)"
contains "$err" "本机时钟快了" "the 2040 refusal"
contains "$err" "cunlian clock --set-from-hub" "the 2040 refusal says how to fix it"
contains "$err" "什么都没有写入" "the 2040 refusal says nothing was written"
unchanged "a refused 2040 write"
at 1835000000000 --home "$S" order add --category 助老 --detail 快一年半
[ "$rc" -eq 3 ] || fail "a write 1.5 years ahead: exit $rc, want 3"
unchanged "a refused write 1.5 years ahead"

check "1970: a write is refused (exit 3) and writes nothing"
at 1000 --home "$S" volunteer add --name 王芳 --phone 13800000001
[ "$rc" -eq 3 ] || fail "a 1970 write: exit $rc, want 3 ($err)"
contains "$err" "本机时钟没有设置" "the 1970 refusal"
contains "$err" "sudo date -s" "the 1970 refusal says how to fix it"
unchanged "a refused 1970 write"
at $((hubnow - 86400000)) --home "$S" volunteer add --name 王芳 --phone 13800000001
[ "$rc" -eq 3 ] || fail "a write a day before the hub's time: exit $rc, want 3"
contains "$err" "本机时钟慢了" "the slow clock's refusal"
unchanged "a refused write before the lower bound"

check "doctor tells the truth about a wrong clock"
at 2222222222000 --home "$S" doctor
[ "$rc" -eq 1 ] || fail "doctor with a 2040 clock: exit $rc, want 1"
contains "$out" "时钟快于上界" "doctor on a 2040 clock"
case $out in *数据不受影响*) fail "doctor says the data is unaffected: $out" ;; esac

check "with the clock right again, the station's writes reach the hub"
expect 0 --home "$S" order add --category 助老 --detail 钟对了
cl --home "$S" bundle export "$TMP/s2.bundle" >/dev/null
expect 0 --home "$HUB" --json bundle import "$TMP/s2.bundle"
echo "$out" | pyjson 'd["refused"] == 0 and d["applied"] >= 1' || fail "the hub refused: $out"
expect 0 --home "$HUB" --json order list
echo "$out" | pyjson 'any(o["detail"] == "钟对了" for o in d["orders"])' || fail "the hub lacks the order"

check "a bundle's hub time is a lower bound; past it a day is allowed, then the hub must be heard"
hubnow=$(($(cat "$TMP/now") + 1000))
hour=3600000
cl --home "$HUB" bundle export --for s0001 "$TMP/h2.bundle" >/dev/null
expect 0 --home "$S" bundle import "$TMP/h2.bundle"
at $((hubnow + 20 * hour)) --home "$S" volunteer add --name 李娜 --phone 13800000002
[ "$rc" -eq 0 ] || fail "20 hours after the hub's time: exit $rc ($err)"
at $((hubnow + 50 * hour)) --home "$S" volunteer add --name 张伟 --phone 13800000003
[ "$rc" -eq 3 ] || fail "30 hours after the last write: exit $rc, want 3"
contains "$err" "本机时钟快了" "a clock past a day after the last known time"
at $((hubnow + 50 * hour)) --home "$S" clock --set-from-hub
[ "$rc" -eq 0 ] || fail "clock --set-from-hub: exit $rc ($err)"
want=$(python3 -c "import time; print(time.strftime('%Y-%m-%d %H:%M', time.localtime($((hubnow + 20 * hour)) / 1000)))")
contains "$out" "$want" "set-from-hub after a reboot sets the last known time"
echo $((hubnow + 50 * hour)) >"$TMP/now"
cl --home "$HUB" bundle export --for s0001 "$TMP/h3.bundle" >/dev/null
expect 0 --home "$S" bundle import "$TMP/h3.bundle"
expect 0 --home "$S" volunteer add --name 张伟 --phone 13800000003

check "an older version's far-future commit: refused now, and the hub refuses the station"
cl --home "$S" bundle export "$TMP/s3.bundle" >/dev/null
expect 0 --home "$HUB" bundle import "$TMP/s3.bundle"
CUNLIAN_NOW_MS=2222222222000 "$OLD" --home "$S" order add --category 助老 --detail 二〇四〇 >/dev/null ||
	fail "the unchecked program refused"
save
expect 3 --home "$S" order add --category 助老 --detail 之后
contains "$err" "cunlian clock rescue" "a far-future feed points to the rescue"
unchanged "a write after a far-future commit"
expect 1 --home "$S" doctor
contains "$out" "远在未来的提交" "doctor names the far-future commits"
"$OLD" --home "$S" order add --category 助老 --detail 旧版之后 >/dev/null # still the old program
cl --home "$S" bundle export "$TMP/s4.bundle" >/dev/null
before=$(cl --home "$HUB" digest --scope s0001)
expect 3 --home "$HUB" --json bundle import "$TMP/s4.bundle"
echo "$out" | pyjson 'd["refused"] >= 2' || fail "the hub took a far-future commit: $out"
[ "$before" = "$(cl --home "$HUB" digest --scope s0001)" ] || fail "the hub changed"

check "the rescue: a new key, the far-future commits written again now, all of it at the hub"
old=$(cl --home "$S" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["author"])')
expect 0 --home "$S" clock rescue
contains "$out" "enroll revoke $old --now" "the rescue names the old key to revoke"
new=$(cl --home "$S" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["author"])')
[ "$new" != "$old" ] || fail "the rescue kept the old key"
[ -f "$S/rescue.pending" ] || fail "no rescue.pending"
[ "$(stat -c %a "$S/rescue.pending")" = 600 ] || fail "rescue.pending (plaintext) is not mode 0600"
expect 3 --home "$S" volunteer add --name 钱七 --phone 13800000005
contains "$err" "clock rescue --replay" "writes wait for the replay"
expect 1 --home "$S" doctor
contains "$out" "救援还没完成" "doctor during the rescue"
expect 0 --home "$S" --json clock
echo "$out" | pyjson 'd["verdict"] == "ok" and d["own_last_commit_ms"] is None' || fail "the new replica holds a far-future time: $out"
expect 3 --home "$S" clock rescue --replay
contains "$err" "enroll" "the replay asks for the enrolment first"
expect 0 --home "$HUB" enroll revoke "$old" --now
cl --home "$S" enroll request "$TMP/s1b.req" >/dev/null
cl --home "$HUB" enroll sign "$TMP/s1b.req" --station s0001 --out "$TMP/s1b.cert" >/dev/null
cl --home "$S" enroll accept "$TMP/s1b.cert" >/dev/null
expect 0 --home "$S" clock rescue --replay
[ ! -e "$S/rescue.pending" ] || fail "rescue.pending is still there"
expect 0 --home "$S" order add --category 助老 --detail 救援之后
expect 0 --home "$S" --json clock
echo "$out" | pyjson 'd["verdict"] == "ok" and d["own_last_commit_ms"] < 1900000000000' || fail "the clock after the rescue: $out"
cl --home "$S" bundle export "$TMP/s5.bundle" >/dev/null
expect 0 --home "$HUB" --json bundle import "$TMP/s5.bundle"
echo "$out" | pyjson 'd["refused"] == 0' || fail "the hub refused the rescued station: $out"
expect 0 --home "$HUB" --json order list --station s0001
for d in 第一单 钟对了 二〇四〇 旧版之后 救援之后; do
	echo "$out" | pyjson "any(o['detail'] == '$d' for o in d['orders'])" || fail "the hub lacks the order \"$d\""
done
echo "$out" | pyjson 'all(o["created_at"] < 1900000000000 for o in d["orders"])' || fail "an order of the hub is dated in the far future"
cl --home "$HUB" bundle export --for s0001 "$TMP/h4.bundle" >/dev/null
expect 0 --home "$S" bundle import "$TMP/h4.bundle"
same_scopes "$HUB" "$S" "after the rescue" s0001 ""
echo "clock: ok"
