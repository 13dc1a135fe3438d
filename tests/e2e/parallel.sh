#!/bin/sh
# SPDX-License-Identifier: MIT
# parallel.sh - many writers at once never lose an acknowledged write:
# several processes add orders, finish orders, redeem points and register
# volunteers on one station and on a hub whose daemon is serving and
# merging the station's syncs at the same time. Every command that exits
# 0 has its write on disk; ids are never handed out twice; a balance is
# the sum of what was credited and redeemed; a phone registers once.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "parallel: parallel writers with serve running and syncing"
H="$TMP/hub" S="$TMP/s1"
W=4 N=25 # writers per home, operations per writer

county "$H" county
enrolled "$H" "$S" s1 东村 --parent t01
v1=$(cl --home "$S" volunteer add --name 王伟 --phone 13800001234 --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
P=$(port)
serve hub "$H" "$P"
hubpid=$last

# now: one wall clock for the parallel commands (they run within a second)
NOW=$(($(cat "$TMP/now") + 1000))
echo $((NOW + 60000)) >"$TMP/now"
pc() { CUNLIAN_NOW_MS=$NOW "$BIN" "$@"; }

# writers: the pids of the background writers, that wait_writers waits for.
writers=""
wait_writers() {
	for p in $writers; do wait "$p" || true; done
	writers=""
}

# syncs: the station syncs with the serving hub again and again while
# the writers run, so the daemon's merges and the station's own merges
# write the same files as the commands.
syncs() {
	while [ ! -e "$TMP/stop-sync" ]; do
		pc --home "$S" sync "coap://127.0.0.1:$P" --timeout 20 >>"$TMP/syncs.log" 2>&1 || true
	done
}

check "$W x $N parallel order add at the station and at the serving hub: every exit 0 is kept"
syncs &
syncpid=$!
for k in $(seq $W); do
	for home in "$S" "$H"; do
		(
			for j in $(seq $N); do
				if out=$(pc --home "$home" --json order add --category 助老 --detail "w$k-$j" --station s1 2>>"$TMP/add.err"); then
					echo "$out" >>"$TMP/added.$k.$(basename "$home")"
				else
					echo "exit $? w$k-$j" >>"$TMP/add.fail"
				fi
			done
		) &
		writers="$writers $!"
	done
done
wait_writers
touch "$TMP/stop-sync"
wait "$syncpid"
echo "    $(grep -c . "$TMP/syncs.log" || true) lines from the syncs that ran meanwhile"
[ ! -s "$TMP/add.fail" ] || echo "    (refused as busy, exit 5: $(wc -l <"$TMP/add.fail"))"
if [ -s "$TMP/add.fail" ] && grep -qv '^exit 5 ' "$TMP/add.fail"; then
	fail "an order add failed other than busy: $(cat "$TMP/add.fail" "$TMP/add.err")"
fi
for home in "$S" "$H"; do
	b=$(basename "$home")
	cat "$TMP"/added.*."$b" >"$TMP/acked.$b"
	pc --home "$home" --json order list >"$TMP/list.$b"
	python3 - "$TMP/acked.$b" "$TMP/list.$b" <<'EOF' || fail "order add at $b lost or duplicated a write"
import json, sys
acked = [json.loads(l)["id"] for l in open(sys.argv[1]) if l.strip()]
listed = [o["id"] for o in json.load(open(sys.argv[2]))["orders"]]
mine = [i for i in listed if i.split("-")[0] == acked[0].split("-")[0]] if acked else []
assert len(set(acked)) == len(acked), ("an id was handed out twice", sorted(acked))
missing = set(acked) - set(listed)
assert not missing, ("acknowledged but missing", sorted(missing))
assert len(mine) == len(acked), ("orders that nobody acknowledged", sorted(set(mine) - set(acked)))
print("    %s: %d acknowledged, %d listed of its own" % (sys.argv[1].rsplit(".", 1)[1], len(acked), len(mine)))
EOF
done

check "every order the station acknowledged reaches the hub"
cl --home "$S" sync "coap://127.0.0.1:$P" >/dev/null || fail "final sync did not converge: $(tail -5 "$TMP/syncs.log")"
same_scopes "$H" "$S" "after the parallel writes" "" s1
n_s=$(wc -l <"$TMP/acked.s1") n_h=$(wc -l <"$TMP/acked.hub")
cl --home "$S" --json order list | pyjson "len(d['orders']) == $n_s + $n_h"

check "parallel order done on different orders: the balance is the sum of the credits"
ids=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in open(sys.argv[1]) if l.strip()))' "$TMP/acked.s1" | cut -d' ' -f1-10)
for o in $ids; do cl --home "$S" order dispatch "$o" --volunteer "$v1" >/dev/null; done
for o in $ids; do
	(pc --home "$S" --json order done "$o" --hours 1 >"$TMP/done.$o" 2>>"$TMP/done.err" || echo "$o $?" >>"$TMP/done.fail") &
	writers="$writers $!"
done
wait_writers
credited=$(cat "$TMP"/done.* 2>/dev/null | python3 -c 'import json,sys
print(sum(json.loads(l)["points"] for l in sys.stdin if l.startswith("{")))')
[ "$credited" -gt 0 ] || fail "no order done was acknowledged: $(cat "$TMP/done.err")"
cl --home "$S" --json points balance "$v1" | pyjson "d['balance'] == $credited"
echo "    credited $credited points in $(ls "$TMP"/done.s1-* | wc -l) parallel commands"

check "parallel redemptions never overdraw, and the balance is credits minus redemptions"
for k in $(seq 6); do
	(set +e; pc --home "$S" --json points redeem "$v1" --points 25 --item 大米 >"$TMP/redeem.$k" 2>"$TMP/redeem.err.$k"
	 echo $? >"$TMP/redeem.rc.$k") &
	writers="$writers $!"
done
wait_writers
ok=0
for k in $(seq 6); do
	case $(cat "$TMP/redeem.rc.$k") in
	0) ok=$((ok + 1)) ;;
	3) contains "$(cat "$TMP/redeem.err.$k")" "不够兑换" "refused redemption" ;;
	5) ;;
	*) fail "points redeem exit $(cat "$TMP/redeem.rc.$k"): $(cat "$TMP/redeem.err.$k")" ;;
	esac
done
[ $((ok * 25)) -le "$credited" ] || fail "$ok redemptions of 25 acknowledged from a balance of $credited"
cl --home "$S" --json points balance "$v1" | pyjson "d['balance'] == $credited - 25 * $ok and d['balance'] >= 0"
echo "    $ok of 6 redemptions acknowledged"

check "parallel volunteer add with one phone: exactly one is registered"
for k in $(seq 6); do
	(set +e; pc --home "$S" volunteer add --name "赵$k" --phone 13700009999 >/dev/null 2>"$TMP/vadd.err.$k"
	 echo $? >"$TMP/vadd.rc.$k") &
	writers="$writers $!"
done
wait_writers
[ "$(cat "$TMP"/vadd.rc.* | grep -c '^0$')" -eq 1 ] ||
	fail "volunteer add with one phone: exit statuses $(cat "$TMP"/vadd.rc.* | tr '\n' ' ')"
cl --home "$S" --json volunteer list | pyjson 'sum(1 for v in d["volunteers"] if v["phone"].endswith("9999")) == 1'

stop "$hubpid"
echo "parallel: ok"
