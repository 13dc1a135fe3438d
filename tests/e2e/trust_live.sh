#!/bin/sh
# SPDX-License-Identifier: MIT
# trust_live.sh - a trust change is in force at once in a hub that is
# serving: a revocation made by `enroll revoke` in another process refuses
# the revoked station's later commits whether they come directly or carried
# by another station, and a station enrolled by files while the hub serves
# syncs at once; no restart of serve.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "trust_live: trust changes reach a running hub"
HUB=$TMP/hub S1=$TMP/s1 S2=$TMP/s2 S3=$TMP/s3
county "$HUB"
enrolled "$HUB" "$S1" s0001 一村 --parent c01
enrolled "$HUB" "$S2" s0002 二村 --parent c01
cl --home "$S1" volunteer add --name 王伟 --phone 13800001111 >/dev/null
cl --home "$S2" volunteer add --name 李娜 --phone 13900000002 >/dev/null
P=$(port)
serve hub "$HUB" "$P"
hubpid=$last
U="coap://127.0.0.1:$P"

check "both stations sync with the serving hub"
expect 0 --home "$S1" sync "$U"
expect 0 --home "$S2" sync "$U"
expect 0 --home "$HUB" volunteer show s0002-v1

check "a station enrolled by files while the hub serves syncs at once"
enrolled "$HUB" "$S3" s0003 三村 --parent c01
cl --home "$S3" volunteer add --name 赵六 --phone 13700000003 >/dev/null
expect 0 --home "$S3" sync "$U"
expect 0 --home "$HUB" volunteer show s0003-v1
! grep -q "s0003\|not enrolled" "$HUB/refused.log" 2>/dev/null || fail "the hub refused s0003: $(cat "$HUB/refused.log")"

check "enroll revoke in another process: s0002's later commits carried by s0001 are refused"
expect 0 --home "$HUB" enroll revoke s0002 --now
cl --home "$S2" volunteer add --name 小偷 --phone 13900000009 >/dev/null
cl --home "$S2" bundle export "$TMP/s2.bundle" >/dev/null
before=$(cl --home "$HUB" digest --scope s0002)
expect 0 --home "$S1" --json bundle import "$TMP/s2.bundle"
echo "$out" | pyjson 'd["carried"] >= 1' || fail "s0001 did not carry s0002's commit"
cl --home "$S1" sync "$U" >/dev/null 2>&1 || true
expect 4 --home "$HUB" volunteer show s0002-v2
[ "$before" = "$(cl --home "$HUB" digest --scope s0002)" ] || fail "the hub merged a revoked author's commit"
grep -q "revoked" "$HUB/refused.log" || fail "refused.log does not say revoked: $(cat "$HUB/refused.log" 2>/dev/null)"

check "the revoked station syncing directly is refused and never told it converged"
set +e
out=$(cl --home "$S2" sync "$U" --timeout 10 2>"$TMP/stderr")
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a revoked station's sync exited 0: $out"
expect 4 --home "$HUB" volunteer show s0002-v2
[ "$before" = "$(cl --home "$HUB" digest --scope s0002)" ] || fail "the hub merged a revoked author's commit"

stop "$hubpid"
echo "trust_live: ok"
