#!/bin/sh
# SPDX-License-Identifier: MIT
# trust_join.sh - enrolment by a one-time code over CoAP on loopback: a
# new station joins with the code the hub issued and then syncs; the same
# code again is refused, and so is a wrong one (exit 3, still unenrolled).
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "trust_join: join coap://HUB --code CODE"
H="$TMP/hub" S="$TMP/s1" S2="$TMP/s2"
county "$H"
cl --home "$S" init --station s0001 --name 一村 >/dev/null
cl --home "$S2" init --station s0002 --name 二村 >/dev/null
expect 0 --home "$H" --json enroll code --station s0001
code=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])')
P=$(port)
CUNLIAN_NOW_MS=$(cat "$TMP/now")
export CUNLIAN_NOW_MS
serve hub "$H" "$P"
hubpid=$last
unset CUNLIAN_NOW_MS

check "a station joins with the code and then syncs"
CUNLIAN_LANG=en expect 0 --home "$S" join "coap://127.0.0.1:$P" --code "$code"
[ -s "$S/node.cert" ] && [ -s "$S/county.pub" ] || fail "join did not install the certificate"
cl --home "$S" volunteer add --name 王伟 --phone 13800001111 >/dev/null
expect 0 --home "$S" sync "coap://127.0.0.1:$P" --timeout 60
expect 0 --home "$S" --json status
echo "$out" | pyjson 'd["enrolled"] and d["refused"] == 0' || fail "status after join"

check "cunlian log shows what an enrolled node can decrypt: its own station's order, at the station and at the hub"
cl --home "$S" order add --category 助老 --detail 买药 --requester 张大娘 --phone 13900002222 >/dev/null
cl --home "$S" order dispatch s0001-o1 --volunteer s0001-v1 >/dev/null
expect 0 --home "$S" --json log s0001-o1
echo "$out" | pyjson 'len(d["entries"]) >= 3 and all(e["scope"] == "s0001" for e in d["entries"])' || fail "station log of its sealed order: $out"
expect 0 --home "$S" log s0001-o1
contains "$out" "买药" "the order's detail, decrypted"
expect 0 --home "$S" sync "coap://127.0.0.1:$P" --timeout 60
expect 0 --home "$H" --json log s0001-o1
echo "$out" | pyjson 'len(d["entries"]) >= 3' || fail "hub log of the station's order: $out"

check "the same code again is refused"
expect 3 --home "$S" join "coap://127.0.0.1:$P" --code "$code"

check "a wrong code is refused with exit 3 and the station stays unenrolled"
expect 3 --home "$S2" join "coap://127.0.0.1:$P" --code 23456789AB
[ ! -e "$S2/node.cert" ] && [ ! -e "$S2/county.pub" ] || fail "a wrong code enrolled s0002"
stop "$hubpid" 2>/dev/null || true
echo "trust_join: ok"
