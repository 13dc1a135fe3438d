#!/bin/sh
# SPDX-License-Identifier: MIT
# net_lossy.sh - one small change over a link that loses 30 % of the
# datagrams each way (300 ms round trip): the station's `cunlian sync`
# sends a request that got no answer again in a fresh CoAP request instead
# of waiting out libcoap's exponential backoff (docs/protocol.md "Resending
# on lossy links"), so it converges before --timeout. The seed is one
# whose first datagrams are lost: until the first copy goes, the exchange
# sends one datagram at a time, so the relay loses the same ones every
# run; without the copies this seed did not converge within the timeout
# (the first request's own retransmissions were all lost, libcoap gives up
# only after a minute). Asserted: converged (exit 0), the change is at
# the hub, and copies were sent.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
SEED=${NET_LOSSY_SEED:-103}
echo "net_lossy: one change over 30 % loss each way, 300 ms RTT (linksim seed $SEED)"
H="$TMP/hub" S="$TMP/s1"

cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
enrolled "$H" "$S" s1 东村 --parent t01
cl --home "$S" volunteer add --name 王伟 --phone 13800001234 >/dev/null
cl --home "$H" volunteer add --name 李娜 --phone 13900005678 --station s1 >/dev/null
P=$(port) PL=$(port)
serve hub "$H" "$P"
hubpid=$last

check "first sync without loss"
expect 0 --home "$S" sync "coap://127.0.0.1:$P"

check "a new volunteer at the station reaches the hub through the lossy link before --timeout"
cl --home "$S" volunteer add --name 新志愿者 --phone 13700007777 >/dev/null
bg relay env CUNLIAN_LANG=en "$BIN" linksim --listen "127.0.0.1:$PL" --to "127.0.0.1:$P" --loss 0.3 --delay-ms 150 --seed "$SEED"
relay=$last
wait_log relay "relay "
CUNLIAN_LANG=en expect 0 --home "$S" --json sync "coap://127.0.0.1:$PL" --timeout 40
stop "$relay"
echo "    $(grep 'relay stopped' "$TMP/relay.log"); sync: $out"
echo "$out" | pyjson 'd["converged"] and d["feeds_differ"] == 0'
[ "$(cl --home "$H" digest --scope s1)" = "$(cl --home "$S" digest --scope s1)" ] || fail "s1 digests differ"
cl --home "$H" volunteer list --json | pyjson 'any(v["name"] == "新志愿者" for v in d["volunteers"])'

check "requests left without an answer were sent again in fresh CoAP requests"
echo "$out" | pyjson 'd["sent"]["copies"] >= 1'

stop "$hubpid"
echo "net_lossy: ok"
