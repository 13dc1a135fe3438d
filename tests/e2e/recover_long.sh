#!/bin/sh
# SPDX-License-Identifier: MIT
# recover_long.sh - issue 15: a station sent its history to the hub in
# one large chunk (sync --chunk 65536), so the hub holds the station's
# checkpoint only at its end. A new board recovering from the hub at the
# node's default chunks (1024 bytes then, 2048 now) used to get none of it
# (the piece did not fit and was left out, uncounted); it goes alone in one
# larger chunk (docs/protocol.md "Commit size") and every order comes back.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "recover_long: a history the hub got in one large chunk comes back at the default 2048-byte chunks"
H="$TMP/hub" S="$TMP/s1"
count() { cl --home "$1" order list --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["orders"]))'; }

cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
enrolled "$H" "$S" s1 东村 --parent t01
# 60 orders whose details are 200 hex digits of noise: about 7 KB
# compressed, far more than one 2048-byte chunk
python3 -c 'import random; r = random.Random(15); [print("%0200x" % r.getrandbits(800)) for _ in range(60)]' > "$TMP/details"
while read -r d; do
	cl --home "$S" order add --category 助老 --detail "$d" >/dev/null || fail "order add"
done < "$TMP/details"
[ "$(count "$S")" = 60 ] || fail "setup: $(count "$S") orders"
P=$(port)
serve hub "$H" "$P"
hubpid=$last

check "the station syncs its history in one large chunk"
expect 0 --home "$S" --json sync "coap://127.0.0.1:$P" --chunk 65536 --timeout 60
echo "$out" | pyjson 'd["converged"]' || fail "sync at 64 KiB: $out"
[ "$(count "$H")" = 60 ] || fail "the hub holds $(count "$H") orders, want 60"
digest=$(cl --home "$H" digest --scope s1)

check "a new board recovers from the hub at the default 2048-byte chunks: every order comes back"
rm -f "$S"/replica.db*
expect 0 --home "$S" --json recover --from "coap://127.0.0.1:$P"
[ "$(count "$S")" = 60 ] || fail "recover brought back $(count "$S") of 60 orders: $out"
[ "$(cl --home "$S" digest --scope s1)" = "$digest" ] || fail "s1 differs from the hub after recover"
expect 0 --home "$S" --json sync "coap://127.0.0.1:$P" --timeout 60
echo "$out" | pyjson 'd["converged"] and d["feeds_differ"] == 0' || fail "sync after recover: $out"
echo "recover_long: ok"
