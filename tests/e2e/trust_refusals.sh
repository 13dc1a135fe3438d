#!/bin/sh
# SPDX-License-Identifier: MIT
# trust_refusals.sh - who may write what, end to end with bundles: a wrong
# (unenrolled) key, an expired statement, a revoked author before and
# after the revocation point, a stolen key used after revocation, and a
# bundle a station outside the scope carries: each refused with its
# reason, the hub's digest unchanged, and no name or phone number of the
# scope anywhere in the bundle file.
. "$(dirname "$0")/lib.inc"
echo "trust_refusals: enrolment, refusals, revocation, encryption"
HUB=$TMP/hub S1=$TMP/s1 S2=$TMP/s2
county "$HUB"
enrolled "$HUB" "$S1" s0001 一村 --parent c01
enrolled "$HUB" "$S2" s0002 二村 --parent c01

check "an enrolled station's bundle is accepted and its status says so"
cl --home "$S1" volunteer add --name 王伟 --phone 13800001111 >/dev/null
cl --home "$S1" order add --category 助老 --detail 陪老人聊天 --requester 张大爷 --phone 13611112222 >/dev/null
expect 0 --home "$S1" bundle export "$TMP/s1.bundle"
expect 0 --home "$HUB" --json bundle import "$TMP/s1.bundle"
echo "$out" | pyjson 'd["applied"] >= 3 and d["refused"] == 0' || fail "legitimate commits not applied"
expect 0 --home "$S1" --json status
echo "$out" | pyjson 'd["enrolled"] and d["refused"] == 0 and not d["revoked"]' || fail "status"

check "no name or phone number of s0001 in its bundle, nor in a relay's"
for f in "$TMP/s1.bundle"; do
	for needle in 王伟 13800001111 13611112222 张大爷 陪老人聊天; do
		! grep -q "$needle" "$f" || fail "$needle in $f"
	done
done
expect 3 --home "$S2" --json bundle import "$TMP/s1.bundle"
echo "$out" | pyjson 'd["refused"] >= 2' || fail "s0002 carried commits of an author it does not know"
cl --home "$HUB" bundle export "$TMP/hub0.bundle" --for s0002 >/dev/null
expect 0 --home "$S2" bundle import "$TMP/hub0.bundle"
expect 0 --home "$S2" --json bundle import "$TMP/s1.bundle"
echo "$out" | pyjson 'd["carried"] >= 2 and d["refused"] == 0' || fail "s0002 did not carry s0001's data"
expect 0 --home "$S2" bundle export "$TMP/s2.bundle"
for needle in 王伟 13800001111 13611112222; do
	! grep -q "$needle" "$TMP/s2.bundle" || fail "$needle in the relay's bundle"
done
expect 4 --home "$S2" volunteer show s0001-v1

check "a wrong key: a node nobody enrolled is refused, the digest unchanged"
cl --home "$TMP/x" init --station s0001 --name 假一村 >/dev/null
cl --home "$TMP/x" volunteer add --name 假人 --phone 13000000000 >/dev/null
cl --home "$TMP/x" bundle export "$TMP/x.bundle" >/dev/null
before=$(cl --home "$HUB" digest)
expect 3 --home "$HUB" --json bundle import "$TMP/x.bundle"
echo "$out" | pyjson 'd["applied"] == 0 and d["refused"] >= 1' || fail "an unenrolled key was accepted"
[ "$before" = "$(cl --home "$HUB" digest)" ] || fail "the hub changed"
expect 0 --home "$HUB" --json status
echo "$out" | pyjson 'd["refused"] >= 1' || fail "status does not count the refusal"
grep -q "not enrolled" "$HUB/refused.log" || fail "refused.log does not name the reason"

check "an expired statement: commits after its end are refused"
cl --home "$TMP/s3" init --station s0003 --name 三村 >/dev/null
cl --home "$TMP/s3" enroll request "$TMP/s3.req" >/dev/null
cl --home "$HUB" enroll sign "$TMP/s3.req" --station s0003 --out "$TMP/s3.cert" --days 1 >/dev/null
cl --home "$TMP/s3" enroll accept "$TMP/s3.cert" >/dev/null
echo $(($(cat "$TMP/now") + 2 * 86400000)) >"$TMP/now"
# two days later: the stations hear the hub's time before they write
# (docs/security.md "Clock")
for _s in s0001:"$S1" s0002:"$S2" s0003:"$TMP/s3"; do
	cl --home "$HUB" bundle export --for "${_s%%:*}" "$TMP/ht.bundle" >/dev/null
	cl --home "${_s#*:}" bundle import "$TMP/ht.bundle" >/dev/null
done
cl --home "$TMP/s3" volunteer add --name 赵六 --phone 13700000003 >/dev/null
cl --home "$TMP/s3" bundle export "$TMP/s3.bundle" >/dev/null
expect 3 --home "$HUB" --json bundle import "$TMP/s3.bundle"
echo "$out" | pyjson 'd["refused"] >= 1' || fail "an expired author was accepted"
expect 4 --home "$HUB" volunteer show s0003-v1
grep -q "expired" "$HUB/refused.log" || fail "refused.log does not say expired"

check "revoked from a seq: commits before the point stay, commits after are refused"
cl --home "$S2" volunteer add --name 李娜 --phone 13900000002 >/dev/null
cl --home "$S2" bundle export "$TMP/s2a.bundle" >/dev/null
expect 0 --home "$HUB" bundle import "$TMP/s2a.bundle"
key=$(cl --home "$S2" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["author"])')
seq=$(cl --home "$HUB" --json status | python3 -c "import json,sys; d=json.load(sys.stdin); print(1+max([f['seq'] for f in d['feeds'] if f['author']=='$key' and f['scope']=='s0002'] or [0]))")
expect 0 --home "$HUB" enroll revoke "$key" --from "$seq"
cl --home "$S2" volunteer add --name 小偷 --phone 13900000009 >/dev/null
cl --home "$S2" bundle export "$TMP/s2b.bundle" >/dev/null
before=$(cl --home "$HUB" digest --scope s0002)
expect 3 --home "$HUB" --json bundle import "$TMP/s2b.bundle"
echo "$out" | pyjson '"ERR_REVOKED" in json.dumps(d) or d["refused"] >= 1' || fail "a revoked author was accepted"
[ "$before" = "$(cl --home "$HUB" digest --scope s0002)" ] || fail "the hub changed"
expect 0 --home "$HUB" --json volunteer show s0002-v1
grep -q "revoked" "$HUB/refused.log" || fail "refused.log does not say revoked"

check "the stolen key on another board, after a --now revocation, is refused"
expect 0 --home "$HUB" enroll revoke s0001 --now
mkdir -m 700 "$TMP/thief"
cp -p "$S1/identity.key" "$TMP/thief/identity.key"
cl --home "$TMP/thief" init --station s0001 --name 一村 >/dev/null
cl --home "$TMP/thief" volunteer add --name 贼 --phone 13100000000 >/dev/null
cl --home "$TMP/thief" bundle export "$TMP/thief.bundle" >/dev/null
before=$(cl --home "$HUB" digest)
expect 3 --home "$HUB" bundle import "$TMP/thief.bundle"
[ "$before" = "$(cl --home "$HUB" digest)" ] || fail "the hub changed"

check "a node that learns it was revoked stops syncing and says so"
expect 0 --home "$HUB" bundle export "$TMP/hub.bundle" --for s0001
# the revocation re-keyed s0001 (rekey.sh): what the hub boxed for s0001
# under the new key generation does not open at the revoked board
expect 3 --home "$S1" bundle import "$TMP/hub.bundle"
grep -q "key this node does not hold" "$S1/refused.log" || fail "the revoked board opened the new generation"
expect 3 --home "$S1" bundle export "$TMP/again.bundle"
contains "$err" "吊销" "revoked message"
expect 0 --home "$S1" --json status
echo "$out" | pyjson 'd["revoked"]' || fail "status does not say revoked"

check "enroll refuses a certificate of another node, and a forged one"
expect 3 --home "$S2" enroll accept "$TMP/s0001.cert"
head -c 100 "$TMP/s0001.cert" >"$TMP/bad.cert"
expect 2 --home "$S2" enroll accept "$TMP/bad.cert"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[80]^=1; open(sys.argv[2],'wb').write(b)" "$TMP/s0001.cert" "$TMP/forged.cert"
expect 3 --home "$S1" enroll accept "$TMP/forged.cert"
expect 0 --home "$HUB" --json enroll code --station s0009
echo "$out" | pyjson 'len(d["code"]) == 10' || fail "code"
expect 3 --home "$S2" join coap://127.0.0.1 --code ABC # not a code: refused before any request (trust_join.sh goes online)
echo "trust_refusals: ok"
