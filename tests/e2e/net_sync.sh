#!/bin/sh
# SPDX-License-Identifier: MIT
# net_sync.sh - cunlian sync against cunlian serve on loopback (real
# libcoap over UDP): a station and the hub converge both ways; the exit
# status says whether they converged; a dead peer and a bad address are
# refused clearly; libcoap's own coap-client lists the resources and reads
# the version vector.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_sync: one-shot sync with a serving hub"
H="$TMP/hub" S="$TMP/s1"

cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
enrolled "$H" "$S" s1 东村 --parent t01
cl --home "$S" volunteer add --name 王伟 --phone 13800001234 >/dev/null
cl --home "$S" order add --category 助老 --detail 买药 --requester 张大爷 --phone 13611112222 >/dev/null
cl --home "$H" volunteer add --name 李娜 --phone 13900005678 --station s1 >/dev/null
P=$(port)
serve hub "$H" "$P"
hubpid=$last

check "sync prints what it sent and received and exits 0 when converged"
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
contains "$out" "已与 coap://127.0.0.1:$P 收敛" "converged message"
same_scopes "$H" "$S" "after sync" "" s1
cl --home "$H" volunteer list --json | pyjson 'len(d["volunteers"]) == 2'

check "a second sync moves nothing and still converges (--json)"
expect 0 --home "$S" --json sync "coap://127.0.0.1:$P"
echo "$out" | pyjson 'd["converged"] and d["received"]["applied"] == 0 and d["feeds_differ"] == 0'

check "a change at the hub arrives at the station"
cl --home "$H" order add --category 其他 --detail 修水管 --requester 赵奶奶 --phone 13611113333 --station s1 >/dev/null
CUNLIAN_LANG=en expect 0 --home "$S" --json sync "coap://127.0.0.1:$P"
echo "$out" | pyjson 'd["converged"] and d["received"]["applied"] == 1'
[ "$(cl --home "$H" digest --scope s1)" = "$(cl --home "$S" digest --scope s1)" ] || fail "s1 digests differ"

check "orders too long for a 1024-byte chunk cross both ways (the station's, at --chunk 1024, alone in a larger chunk)"
long=$(python3 -c 'import random; r = random.Random(7); print("".join(chr(r.randrange(0x4e00, 0x9fa5)) for _ in range(330)))')
cl --home "$S" order add --category 助老 --detail "$long" --requester 钱大爷 --phone 13611114444 >/dev/null
cl --home "$H" order add --category 助老 --detail "长$long" --requester 孙奶奶 --phone 13611115555 --station s1 >/dev/null
expect 0 --home "$S" --json sync "coap://127.0.0.1:$P" --chunk 1024
echo "$out" | pyjson 'd["converged"] and d["received"]["applied"] == 1 and d["received"]["refused"] == 0' ||
	fail "the long orders did not cross: $out"
[ "$(cl --home "$H" digest --scope s1)" = "$(cl --home "$S" digest --scope s1)" ] || fail "s1 digests differ"

check "coap-client lists the resources and reads the version vector"
if command -v coap-client-notls >/dev/null 2>&1; then CC=coap-client-notls; else CC=coap-client; fi
wk=$(timeout 10 $CC -m get "coap://127.0.0.1:$P/.well-known/core")
contains "$wk" '</vv>' "/.well-known/core"
contains "$wk" '</s>' "/.well-known/core"
contains "$wk" 'rt="cunlian.vv"' "/.well-known/core"
vv=$(timeout 10 $CC -m get "coap://127.0.0.1:$P/vv")
echo "$vv" | python3 -c 'import sys
lines=[l.split() for l in sys.stdin.read().strip().split("\n")]
assert len(lines) >= 2, lines
assert all(len(l) == 3 and len(l[0]) == 64 and int(l[2]) >= 1 for l in lines), lines' ||
	fail "coap-client GET /vv: $vv"
vs=$(timeout 10 $CC -m get "coap://127.0.0.1:$P/vv?scope=s1")
[ "$(echo "$vs" | wc -l)" -ge 1 ] && ! echo "$vs" | grep -q ' - ' || fail "GET /vv?scope=s1: $vs"

check "GET /vv with vvq / vvd: the summary of a vector as protocol.md writes it (BLAKE2b here in Python)"
vsum() { # the summary of the feed lines on stdin
	python3 -c 'import sys, hashlib
e = []
for l in sys.stdin.read().strip().split("\n"):
    a, sc, seq = l.split()
    sc = b"" if sc == "-" else sc.encode()
    e.append((bytes.fromhex(a), sc, int(seq)))
h = hashlib.blake2b(b"cunlian-vv-v1", digest_size=16)
for a, sc, seq in sorted(e):
    h.update(a + bytes([len(sc)]) + sc + seq.to_bytes(8, "big"))
print(h.hexdigest()[:16])'
}
lines=$(timeout 10 $CC -m get "coap://127.0.0.1:$P/vv?scope=s1&scope=-")
sum=$(echo "$lines" | vsum)
got=$(timeout 10 $CC -m get "coap://127.0.0.1:$P/vv?scope=s1&scope=-&vvq=$sum")
[ "$got" = "vv same" ] || fail "GET /vv?vvq=$sum: $got (lines: $lines)"
got=$(timeout 10 $CC -m get "coap://127.0.0.1:$P/vv?scope=s1&scope=-&vvq=0123456789abcdef")
[ "$got" = "vv differ" ] || fail "GET /vv?vvq=wrong: $got"
got=$(timeout 10 $CC -m get "coap://127.0.0.1:$P/vv?scope=s1&scope=-&vvd=$sum&digest")
[ "$(echo "$got" | head -1)" = "vv same" ] && [ "$(echo "$got" | grep -c '^digest ')" = 2 ] ||
	fail "GET /vv?vvd&digest: $got"
got=$(timeout 10 $CC -m get "coap://127.0.0.1:$P/vv?scope=s1&scope=-&vvd=0123456789abcdef")
[ "$got" = "$lines" ] || fail "GET /vv?vvd=wrong: the feed lines, not $got"

check "bad peer address: usage error (2); nobody listening: exit 1 with a clear message"
expect 2 --home "$S" sync http://127.0.0.1:1
contains "$err" "coap://" "bad uri message"
DEAD=$(port)
CUNLIAN_LANG=en expect 1 --home "$S" sync "coap://127.0.0.1:$DEAD" --timeout 5 --ack-timeout 1000 --retransmit 1
contains "$err" "syncing with coap://127.0.0.1:$DEAD failed" "unreachable message"

stop "$hubpid"
grep -q "stopped" "$TMP/hub.log" || fail "hub did not log a clean stop: $(cat "$TMP/hub.log")"
echo "net_sync: ok"
