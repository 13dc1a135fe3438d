#!/bin/sh
# SPDX-License-Identifier: MIT
# rekey.sh - revocation cuts off reading too (docs/security.md
# "Re-keying"): revoking one board of a station starts a new generation of
# the station's key, sealed to its other board; what the hub and that
# board write afterwards the remaining readers read (old data too), a
# station of another scope still carries it all, and a copy of the revoked
# board reads none of it. A board enrolled afterwards reads old and new.
# Data entered before a station is enrolled never leaves it in plaintext:
# not while it waits, not commit by commit afterwards; boxed for the hub.
. "$(dirname "$0")/lib.inc"
echo "rekey: revocation re-keys, no plaintext before enrolment"
HUB=$TMP/hub A=$TMP/a B=$TMP/b S2=$TMP/s2
county "$HUB"
enrolled "$HUB" "$A" s0001 一村 --parent c01
cl --home "$B" init --station s0001 --name 一村备用 --parent c01 >/dev/null
cl --home "$B" enroll request "$TMP/b.req" >/dev/null
cl --home "$HUB" enroll sign "$TMP/b.req" --station s0001 --out "$TMP/b.cert" >/dev/null
cl --home "$B" enroll accept "$TMP/b.cert" >/dev/null
enrolled "$HUB" "$S2" s0002 二村 --parent c01
author() { cl --home "$1" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["author"])'; }
noname() { # FILE NEEDLE...: none of the needles is in the file
	_f=$1
	shift
	for _n in "$@"; do ! grep -aq "$_n" "$_f" || fail "$_n in $_f"; done
}

check "before the revocation: board A's data reaches the hub and board B"
cl --home "$A" volunteer add --name 王伟 --phone 13800001111 >/dev/null
expect 0 --home "$A" bundle export "$TMP/a.bundle" --for hub
expect 0 --home "$HUB" bundle import "$TMP/a.bundle"
expect 0 --home "$HUB" bundle export "$TMP/hub0.bundle" --for s0001
expect 0 --home "$B" bundle import "$TMP/hub0.bundle"
expect 0 --home "$B" volunteer show s0001-v1
contains "$out" 王伟 "board B reads board A's volunteer"
cp -rp "$A" "$TMP/thief" # the board is stolen as it is

check "enroll revoke re-keys the station, sealed to the one board left"
keyA=$(author "$A")
expect 0 --home "$HUB" --json enroll revoke "$keyA" --now
echo "$out" | pyjson 'd["rekeyed"] == [{"scope": "s0001", "gen": 1, "readers": 1}]' || fail "rekeyed"
cl --home "$HUB" volunteer add --station s0001 --name 赵新 --phone 13700007777 >/dev/null
hubv=$(cl --home "$HUB" --json volunteer list --station s0001 | python3 -c 'import json,sys; print([v["id"] for v in json.load(sys.stdin)["volunteers"] if v["name"] == "赵新"][0])')

check "the remaining board reads the hub's new data, and writes under the new key"
expect 0 --home "$HUB" bundle export "$TMP/hub1.bundle" --for s0001
noname "$TMP/hub1.bundle" 赵新 13700007777 王伟 13800001111
expect 0 --home "$B" bundle import "$TMP/hub1.bundle"
expect 0 --home "$B" volunteer show "$hubv"
contains "$out" 赵新 "board B reads the hub's volunteer written after the revocation"
cl --home "$B" volunteer add --name 钱新 --phone 13600006666 >/dev/null
bv=$(cl --home "$B" --json volunteer list | python3 -c 'import json,sys; print([v["id"] for v in json.load(sys.stdin)["volunteers"] if v["name"] == "钱新"][0])')

check "a station of another scope carries it to the hub unread; the hub reads it"
expect 0 --home "$HUB" bundle export "$TMP/hub2.bundle" --for s0002
expect 0 --home "$S2" bundle import "$TMP/hub2.bundle"
expect 0 --home "$B" bundle export "$TMP/b.bundle"
noname "$TMP/b.bundle" 钱新 13600006666 王伟
expect 0 --home "$S2" --json bundle import "$TMP/b.bundle"
echo "$out" | pyjson 'd["carried"] >= 1 and d["refused"] == 0' || fail "s0002 did not carry board B's data"
expect 4 --home "$S2" volunteer show "$bv"
expect 0 --home "$S2" bundle export "$TMP/s2.bundle"
noname "$TMP/s2.bundle" 钱新 13600006666
expect 0 --home "$HUB" --json bundle import "$TMP/s2.bundle"
echo "$out" | pyjson 'd["refused"] == 0' || fail "the hub refused what s0002 carried"
expect 0 --home "$HUB" volunteer show "$bv"
contains "$out" 钱新 "the hub reads board B's volunteer carried by s0002"

check "the stolen board reads nothing written after the revocation"
for f in "$TMP/hub1.bundle" "$TMP/b.bundle" "$TMP/s2.bundle"; do
	cl --home "$TMP/thief" bundle import "$f" >/dev/null 2>&1 || true
done
expect 4 --home "$TMP/thief" volunteer show "$hubv"
expect 4 --home "$TMP/thief" volunteer show "$bv"
noname "$TMP/thief/replica.db" 赵新 13700007777 钱新 13600006666

check "a board enrolled after the revocation reads the old and the new"
enrolled "$HUB" "$TMP/c" s0001 一村新板 --parent c01
expect 0 --home "$HUB" bundle export "$TMP/hub3.bundle" --for s0001
expect 0 --home "$TMP/c" bundle import "$TMP/hub3.bundle"
for v in s0001-v1 "$hubv" "$bv"; do expect 0 --home "$TMP/c" volunteer show "$v"; done
same_scopes "$HUB" "$TMP/c" "between the hub and the new board" s0001

check "data entered before enrolment: never in a bundle in plaintext, boxed for the hub once enrolled"
P=$TMP/p
cl --home "$P" init --station s0003 --name 三村 --parent c01 >/dev/null
cl --home "$P" enroll request "$TMP/p.req" >/dev/null
cl --home "$P" volunteer add --name 孙预 --phone 13500005555 >/dev/null
expect 0 --home "$P" --json bundle export "$TMP/p0.bundle"
echo "$out" | pyjson 'd["withheld"] >= 1' || fail "the export does not say it left data out"
noname "$TMP/p0.bundle" 孙预 13500005555
expect 0 --home "$P" bundle export "$TMP/p0.bundle"
contains "$out" "--for hub" "the export says how to send the data"
cl --home "$HUB" enroll sign "$TMP/p.req" --station s0003 --out "$TMP/p.cert" >/dev/null
cl --home "$P" enroll accept "$TMP/p.cert" >/dev/null
cl --home "$P" volunteer add --name 孙后 --phone 13500006666 >/dev/null
expect 0 --home "$P" bundle export "$TMP/p1.bundle"
noname "$TMP/p1.bundle" 孙预 13500005555 孙后 13500006666
expect 0 --home "$HUB" bundle export "$TMP/hub5.bundle" --for s0002 # s0002 learns of s0003's board
expect 0 --home "$S2" bundle import "$TMP/hub5.bundle"
expect 0 --home "$S2" --json bundle import "$TMP/p1.bundle"
echo "$out" | pyjson 'd["carried"] == 0 and d["refused"] == 0' || fail "a relay got s0003's data"
expect 0 --home "$P" --json bundle export "$TMP/p2.bundle" --for hub
echo "$out" | pyjson 'd["withheld"] == 0' || fail "the bundle for the hub left data out"
noname "$TMP/p2.bundle" 孙预 13500005555 孙后 13500006666
expect 0 --home "$HUB" bundle import "$TMP/p2.bundle"
expect 0 --home "$HUB" volunteer show s0003-v1
contains "$out" 孙预 "the hub reads what s0003 entered before it was enrolled"
same_scopes "$HUB" "$P" "between the hub and s0003" s0003
expect 0 --home "$HUB" bundle export "$TMP/hub4.bundle"
noname "$TMP/hub4.bundle" 孙预 13500005555
echo "rekey: ok"
