#!/bin/sh
# SPDX-License-Identifier: MIT
# net_mesh.sh - a county on loopback: the hub and three stations, each a
# separate `cunlian serve` process, stations editing offline first. s1 and
# s2 reach the hub through the link simulator (20 % loss each way, 300 ms
# round trip); s3 reaches the hub only through s2 (relay), over a lossy
# link too. s1 starts before its link exists (backoff, then the link comes
# up). All replicas converge: equal digests for every scope both sides
# merge. SIGHUP reloads the configuration; SIGTERM stops cleanly.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_mesh: hub and three stations over lossy links, one through a relay"
H="$TMP/hub" S1="$TMP/s1" S2="$TMP/s2" S3="$TMP/s3"

cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
for s in s1 s2 s3; do
	enrolled "$H" "$TMP/$s" $s "站点$s" --parent t01
done

check "offline edits at every node"
i=0
for s in s1 s2 s3; do
	i=$((i + 1))
	for k in 1 2 3; do
		cl --home "$TMP/$s" volunteer add --name "志愿者$s$k" --phone "1380000${i}00$k" >/dev/null
	done
	o=$(cl --home "$TMP/$s" order add --category 助老 --detail 买药 --requester 张大爷 --phone 1361111000$i --json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	cl --home "$TMP/$s" order dispatch "$o" --volunteer "$s-v1" >/dev/null
done
cl --home "$H" settings set --points-per-hour 12 >/dev/null
cl --home "$H" volunteer add --name 县志愿者 --phone 13900009999 --station s2 >/dev/null

PH=$(port) PS2=$(port) PL1=$(port) PL2=$(port) PL3=$(port) PS1=$(port) PS3=$(port)
LINK="ack_timeout=1000 retransmit=5 window=8"
# s1's backoff is short so the test sees it come back quickly
printf 'backoff_max = 2\ninterval = 1\nlog = info\nsync_timeout = 20\n' >>"$S1/node.conf"
for s in s2 s3; do echo "sync_timeout = 20" >>"$TMP/$s/node.conf"; done

serve hub "$H" "$PH"
hub=$last
check "s1 starts while its link is down: it backs off and says so"
serve s1 "$S1" "$PS1" --peer "coap://127.0.0.1:$PL1 $LINK"
s1=$last
wait_log s1 "failed" 30
bg l1 "$BIN" linksim --listen "127.0.0.1:$PL1" --to "127.0.0.1:$PH" --loss 0.2 --delay-ms 150 --seed 11
bg l2 "$BIN" linksim --listen "127.0.0.1:$PL2" --to "127.0.0.1:$PH" --loss 0.2 --delay-ms 150 --seed 12
bg l3 "$BIN" linksim --listen "127.0.0.1:$PL3" --to "127.0.0.1:$PS2" --loss 0.2 --delay-ms 150 --seed 13
serve s2 "$S2" "$PS2" --peer "coap://127.0.0.1:$PL2 $LINK" --interval 1
s2=$last
serve s3 "$S3" "$PS3" --peer "coap://127.0.0.1:$PL3 $LINK" --interval 1
s3=$last

# converged: county scope equal everywhere, each station's scope equal to
# the hub's
converged() {
	hc=$(cl --home "$H" digest --scope "" 2>/dev/null) || return 1
	for s in s1 s2 s3; do
		[ "$(cl --home "$TMP/$s" digest --scope "" 2>/dev/null)" = "$hc" ] || return 1
		[ "$(cl --home "$TMP/$s" digest --scope $s 2>/dev/null)" = "$(cl --home "$H" digest --scope $s 2>/dev/null)" ] || return 1
	done
	return 0
}
check "all digests equal after sync (20 % loss, 300 ms RTT, s3 through s2)"
n=0
until converged; do
	n=$((n + 1))
	[ $n -le 90 ] || { tail -n 8 "$TMP"/s*.log "$TMP"/hub.log; fail "not converged after 90 s"; }
	sleep 1
done
echo "    converged after ~${n} s"
cl --home "$H" volunteer list --json | pyjson 'len(d["volunteers"]) == 10'
cl --home "$S3" settings show --json | pyjson 'd["points_per_hour"] == 12'
cl --home "$H" order list --json | pyjson 'len(d["orders"]) == 3 and all(o["status"] == "dispatched" for o in d["orders"])'
wait_log s1 "synced with coap://127.0.0.1:$PL1, converged" 30
grep -q "bytes" "$TMP/s1.log" || fail "s1 logs no byte counts"
grep -q "13800001001\|志愿者s11" "$TMP"/*.log && fail "a log line carries personal data"

check "a station gets its own scope, the county's and those it relays, not the whole county's"
scopes() { # the scopes of the commits a home holds
	python3 -c 'import sqlite3,sys
db=sqlite3.connect("file:%s/replica.db?mode=ro" % sys.argv[1], uri=True)
print(" ".join(sorted({r[0] or "-" for r in db.execute("SELECT DISTINCT scope FROM _log")})))' "$1"
}
[ "$(scopes "$S1")" = "- s1" ] || fail "s1 holds scopes $(scopes "$S1"), want only - s1"
[ "$(scopes "$S3")" = "- s3" ] || fail "s3 holds scopes $(scopes "$S3"), want only - s3"
[ "$(scopes "$S2")" = "- s2 s3" ] || fail "s2 holds scopes $(scopes "$S2"), want - s2 s3 (it relays for s3)"

check "a change at s3 reaches the hub through s2 while everything runs"
cl --home "$S3" volunteer add --name 新志愿者 --phone 13700007777 >/dev/null
n=0
until converged; do
	n=$((n + 1))
	[ $n -le 60 ] || fail "the new change did not reach the hub in 60 s"
	sleep 1
done

check "SIGHUP rereads node.conf; a bad line is refused and the old one stays"
echo "interval = 3" >>"$S2/node.conf"
kill -HUP "$s2"
wait_log s2 "configuration reloaded: 1 peers" 10
echo "window = 0" >>"$S2/node.conf"
kill -HUP "$s2"
wait_log s2 "configuration not reloaded" 10
contains "$(cat "$TMP/s2.log")" "node.conf:" "reload error names the file and line"

check "SIGTERM stops every daemon cleanly"
for p in $s3 $s2 $s1 $hub; do stop "$p"; done
for s in hub s1 s2 s3; do grep -q "stopped" "$TMP/$s.log" || fail "$s did not stop cleanly: $(tail -3 "$TMP/$s.log")"; done
echo "net_mesh: ok"
