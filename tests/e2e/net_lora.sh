#!/bin/sh
# SPDX-License-Identifier: MIT
# net_lora.sh - CoAP over LoRa modems, end to end: a hub's cunlian serve
# and a station's cunlian sync, each behind its own cunlian lora-bridge,
# the two bridges' serial lines joined by pseudo-terminals through the
# simulator's LoRa air (cunlian linksim --pty: 1,758 bit/s, frames of at
# most 197 bytes, half duplex, loss). The digests agree afterwards, no
# datagram was too big for a frame, and the bridges refuse a missing
# device, a non-serial file and bad options clearly.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
SEED=${CUNLIAN_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "net_lora: sync over two LoRa bridges and a simulated air (seed $SEED; CUNLIAN_SEED=$SEED repeats it)"
H="$TMP/hub" S="$TMP/s1"
cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
enrolled "$H" "$S" s1 东村 --parent t01
cl --home "$S" volunteer add --name 王伟 --phone 13800001234 >/dev/null
cl --home "$S" order add --category 助老 --detail 买药 --requester 张大爷 --phone 13611112222 >/dev/null
cl --home "$H" volunteer add --name 李娜 --phone 13900005678 --station s1 >/dev/null

check "refused clearly: no --serial, a missing device, a file that is no serial line, a bad baud rate"
expect 2 lora-bridge
contains "$err" "需要 --serial" "no --serial"
expect 4 lora-bridge --serial "$TMP/ttyUSB9"
contains "$err" "没有串口设备 $TMP/ttyUSB9" "missing device"
: >"$TMP/notatty"
expect 2 lora-bridge --serial "$TMP/notatty"
contains "$err" "不是串口设备" "not a tty"
expect 2 lora-bridge --serial "$TMP/notatty" --baud 12345
contains "$err" "波特率 12345 无效" "bad baud"
expect 2 lora-bridge --serial "$TMP/notatty" --to coap://127.0.0.1:5683
contains "$err" "不是地址" "bad --to"
check "a LoRa link profile with blocks too big for a frame is refused"
expect 2 --home "$S" sync coap://127.0.0.1:9 --profile lora --block 256
contains "$err" "197" "block too big for LoRa"
printf 'peer = coap://127.0.0.1:9 profile=lora block=512\n' >"$TMP/bad.conf"
expect 2 --home "$S" serve --config "$TMP/bad.conf" --once
contains "$err" "bad.conf:1" "block too big in node.conf"
check "a LoRa batch that is no number of seconds up to a week is refused, with its line"
printf 'lora_batch = 9999999\n' >"$TMP/bad.conf"
expect 2 --home "$S" serve --config "$TMP/bad.conf" --once
contains "$err" "bad.conf:1" "lora_batch over a week"
printf '# LoRa\npeer = coap://127.0.0.1:9 profile=lora batch=soon\n' >"$TMP/bad.conf"
expect 2 --home "$S" serve --config "$TMP/bad.conf" --once
contains "$err" "bad.conf:2" "batch= not a number"

check "the air: two pseudo-terminals, LoRa profile, 5% frame loss"
bg air env CUNLIAN_LANG=en "$BIN" linksim --pty --profile lora --loss 0.05 --seed "$SEED"
air=$last
wait_log air "<->"
A=$(sed -n 's/.* \(\/dev\/[^ ]*\) <-> \(\/dev\/[^ ]*\) .*/\1/p' "$TMP/air.log")
Z=$(sed -n 's/.* \(\/dev\/[^ ]*\) <-> \(\/dev\/[^ ]*\) .*/\2/p' "$TMP/air.log")
[ -c "$A" ] && [ -c "$Z" ] || fail "linksim --pty did not name two terminals: $(cat "$TMP/air.log")"

PH=$(port) PB=$(port) PS=$(port)
serve hub "$H" "$PH"
hub=$last
bg bhub env CUNLIAN_LANG=en "$BIN" lora-bridge --serial "$Z" --udp "127.0.0.1:$PB" --to "127.0.0.1:$PH"
bhub=$last
bg bst env CUNLIAN_LANG=en "$BIN" lora-bridge --serial "$A" --udp "127.0.0.1:$PS"
bst=$last
wait_log bhub "bridge started"
wait_log bst "bridge started"

check "station and hub converge over LoRa (cunlian sync, profile lora)"
# one boot of the station's board, so the hub's time it hears is an anchor
# of this boot (docs/security.md "Clock"): what lets later syncs probe
export CUNLIAN_BOOT_ID=lora-boot-1 CUNLIAN_MONO_MS=100000
# the real LoRa profile but a shorter ACK timeout, so a lost frame costs
# 2-3 s of waiting instead of 8-12: the test's time, not what it checks
CUNLIAN_LANG=en expect 0 --home "$S" sync "coap://127.0.0.1:$PS" --profile lora --ack-timeout 2000 --timeout 150
contains "$out" "converged" "sync over LoRa"
same_scopes "$H" "$S" "after sync over LoRa" "" s1
cl --home "$H" volunteer list --json | pyjson 'len(d["volunteers"]) == 2'

check "nothing new: the next sync over LoRa is one probe of the version vectors (GET /vv?vvq), no session"
CUNLIAN_MONO_MS=200000
LANG=en_US.UTF-8 expect 0 --home "$S" sync "coap://127.0.0.1:$PS" --profile lora --ack-timeout 2000 --timeout 150 --json
echo "$out" | pyjson 'd["converged"] and d["probed"] and d["sent"]["messages"] == 0 and d["received"]["bytes"] <= 16'
check "a new order: the probe differs and the session brings it"
CUNLIAN_MONO_MS=300000
cl --home "$S" order add --category 助老 --detail 取药 --requester 王大妈 --phone 13611113333 >/dev/null
LANG=en_US.UTF-8 expect 0 --home "$S" sync "coap://127.0.0.1:$PS" --profile lora --ack-timeout 2000 --timeout 150 --json
echo "$out" | pyjson 'd["converged"] and not d["probed"] and d["sent"]["messages"] >= 2'
same_scopes "$H" "$S" "after the second sync over LoRa" "" s1

check "serve over LoRa batches: a new order waits (lora_batch) while the hub has nothing new for the station"
# the daemon as node.conf sets it for a LoRa peer (no batch key: the
# default lora_batch); the same ACK timeout as above, for the test's time
printf 'listen = none\nsync_timeout = 150\npeer = coap://127.0.0.1:%s profile=lora ack_timeout=2000\n' "$PS" >"$TMP/lora.conf"
CUNLIAN_MONO_MS=400000
cl --home "$S" order add --category 助老 --detail 送报纸 --requester 赵大爷 --phone 13611114444 >/dev/null
CUNLIAN_LANG=en expect 0 --home "$S" serve --config "$TMP/lora.conf" --once
contains "$err" "1 new records of this station wait to go together" "the record waits for the batch"
cl --home "$H" order list --json | pyjson 'len(d["orders"]) == 2'
cl --home "$S" order list --json | pyjson 'len(d["orders"]) == 3'
check "the hub's news for the station: the probe differs, and the session brings the waiting order along"
cl --home "$H" volunteer add --name 周敏 --phone 13900006789 --station s1 >/dev/null
CUNLIAN_MONO_MS=500000
CUNLIAN_LANG=en expect 0 --home "$S" serve --config "$TMP/lora.conf" --once
contains "$err" "converged" "the session after the hub's news"
cl --home "$H" order list --json | pyjson 'len(d["orders"]) == 3'
cl --home "$S" volunteer list --json | pyjson 'len(d["volunteers"]) == 3'
same_scopes "$H" "$S" "after the batched session over LoRa" "" s1
check "cunlian sync by hand sends a waiting record at once"
CUNLIAN_MONO_MS=600000
cl --home "$S" order add --category 助老 --detail 修水管 --requester 钱大妈 --phone 13611115555 >/dev/null
CUNLIAN_LANG=en expect 0 --home "$S" serve --config "$TMP/lora.conf" --once
contains "$err" "1 new records of this station wait to go together" "the next record waits too"
LANG=en_US.UTF-8 expect 0 --home "$S" sync "coap://127.0.0.1:$PS" --profile lora --ack-timeout 2000 --timeout 150 --json
echo "$out" | pyjson 'd["converged"] and not d["probed"]'
cl --home "$H" order list --json | pyjson 'len(d["orders"]) == 4'
unset CUNLIAN_BOOT_ID CUNLIAN_MONO_MS

check "a datagram too big for a frame is dropped, not cut, and the bridge says what to change"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x" * 300, ("127.0.0.1", int(sys.argv[1])))' "$PS"
wait_log bst "dropped a datagram of 300 bytes"
contains "$(cat "$TMP/bst.log")" "profile=lora" "too-big hint"

check "SIGTERM: bridges and air stop cleanly, with their counts; no CoAP datagram was too big"
stop "$bst"
stop "$bhub"
stop "$air"
stop "$hub"
grep -q "LoRa bridge stopped" "$TMP/bst.log" || fail "station bridge did not stop cleanly: $(cat "$TMP/bst.log")"
grep -q "LoRa bridge stopped" "$TMP/bhub.log" || fail "hub bridge did not stop cleanly: $(cat "$TMP/bhub.log")"
grep -q "dropped 0 too big" "$TMP/bhub.log" || fail "the hub's side sent datagrams too big for a frame: $(cat "$TMP/bhub.log")"
grep -q "dropped 1 too big" "$TMP/bst.log" || fail "the station's side: $(cat "$TMP/bst.log")"
grep "air stopped" "$TMP/air.log" | sed 's/^/    /'
echo "net_lora: ok"
