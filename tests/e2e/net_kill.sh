#!/bin/sh
# SPDX-License-Identifier: MIT
# net_kill.sh - kill -9 of a station in the middle of a sync, then a
# restart: it converges with the hub, and nothing either side had
# acknowledged is lost. The link is slow (32 kbit/s, 200 ms round trip)
# so the kill lands while chunks are in flight; a CSV import adds many
# commits cut to fit 1 KB chunks.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_kill: kill -9 mid-sync, restart, converge, nothing acknowledged lost"
H="$TMP/hub" S="$TMP/s1"
cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
enrolled "$H" "$S" s1 东村 --parent t01

check "offline: 40 volunteers one by one and a CSV of 150 at s1; 20 at the hub"
for k in $(seq 10 49); do cl --home "$S" volunteer add --name "甲$k" --phone "138000010$k" >/dev/null; done
python3 -c 'print("name,phone"); [print("乙%d,1370000%04d" % (i, i)) for i in range(150)]' >"$TMP/v.csv"
cl --home "$S" volunteer import "$TMP/v.csv" >/dev/null
for k in $(seq 10 29); do cl --home "$H" volunteer add --name "丙$k" --phone "139000020$k" --station s1 >/dev/null; done

PH=$(port) PL=$(port) PS=$(port)
serve hub "$H" "$PH"
hub=$last
bg link "$BIN" linksim --listen "127.0.0.1:$PL" --to "127.0.0.1:$PH" --rate 32000 --delay-ms 100 --seed 5
serve s1 "$S" "$PS" --peer "coap://127.0.0.1:$PL" --interval 1
s1=$last
sleep 2.5 # mid-sync: the whole exchange needs several seconds on this link
kill -9 "$s1"
wait "$s1" 2>/dev/null || true
check "killed: the hub merged part of it; what each side holds is recorded"
count() { cl --home "$1" volunteer list --station "$2" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["volunteers"]))'; }
hub_before=$(count "$H" s1)
s1_before=$(count "$S" s1)
[ "$s1_before" -ge 190 ] || fail "s1 lost its own commits: it holds $s1_before (190 are its own)"
echo "    at the kill: the hub held $hub_before of 210, s1 $s1_before of 210"

check "restart: converges, nothing lost on either side"
serve s1b "$S" "$PS" --peer "coap://127.0.0.1:$PL" --interval 1
s1=$last
n=0
until [ "$(cl --home "$H" digest --scope s1 2>/dev/null)" = "$(cl --home "$S" digest --scope s1 2>/dev/null)" ] &&
	[ "$(cl --home "$H" digest --scope "" 2>/dev/null)" = "$(cl --home "$S" digest --scope "" 2>/dev/null)" ]; do
	n=$((n + 1))
	[ $n -le 60 ] || { tail -n 5 "$TMP/s1b.log" "$TMP/hub.log"; fail "no convergence 60 s after the restart"; }
	sleep 1
done
[ "$(count "$H" s1)" -eq 210 ] || fail "the hub holds $(count "$H" s1) of 210 volunteers"
[ "$(count "$S" s1)" -eq 210 ] || fail "s1 holds $(count "$S" s1) of 210 volunteers"
[ "$(count "$H" s1)" -ge "$hub_before" ] || fail "the hub lost commits it had acknowledged"
stop "$s1"
stop "$hub"
echo "net_kill: ok"
