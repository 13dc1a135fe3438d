#!/bin/sh
# SPDX-License-Identifier: MIT
# compact.sh - cunlian compact (log compaction, issue 15) on real homes and
# a real serve over loopback CoAP: nothing goes before the hub acknowledged
# it or within the retention; --dry-run changes nothing; compaction leaves
# the data (digests) as they were, the audit says the history before a date
# was compacted, later syncs go on as before; a node behind the hub's base
# is told the history is pruned; compact_keep_days = 0 turns it off.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "compact: log compaction"
H="$TMP/hub" S="$TMP/s1" S2="$TMP/s2" S3="$TMP/s3"
county "$H"
enrolled "$H" "$S" s1 东村 --parent t01
for i in 1 2 3 4 5 6; do
	cl --home "$S" order add --category 助老 --detail "买药$i" --requester 张大爷 --phone 13611112222 >/dev/null
done
for t in t02 t03 t04; do # county-wide commits of the hub's own
	cl --home "$H" station add --id "$t" --name "镇$t" --level town >/dev/null
done
later=$(($(cat "$TMP/now") + 40 * 86400000)) # 40 days on: past a station's 30

check "nothing goes before the hub acknowledged it"
CUNLIAN_NOW_MS=$later "$BIN" --home "$S" --json compact >"$TMP/c.json"
pyjson 'd["commits"] == 0 and d["kept"]["unacknowledged"] >= 1' <"$TMP/c.json" || fail "pruned unacknowledged: $(cat "$TMP/c.json")"

P=$(port)
serve hub "$H" "$P"
hubpid=$last
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
expect 0 --home "$S" sync "coap://127.0.0.1:$P" # the hub's HELLO now names the station's feed too

check "within the retention nothing goes"
expect 0 --home "$S" --json compact
echo "$out" | pyjson 'd["commits"] == 0 and d["kept"]["recent"] >= 1 and d["keep_days"] == 30'

check "--dry-run counts and changes nothing"
d0=$(cl --home "$S" digest)
CUNLIAN_NOW_MS=$later "$BIN" --home "$S" --json compact --dry-run >"$TMP/c.json"
pyjson 'd["dry_run"] and d["commits"] >= 5 and d["transactions"] == 0' <"$TMP/c.json" || fail "dry run: $(cat "$TMP/c.json")"
CUNLIAN_NOW_MS=$later "$BIN" --home "$S" --json compact --dry-run >"$TMP/c2.json"
pyjson 'd["commits"] >= 5' <"$TMP/c2.json" || fail "the dry run changed something: $(cat "$TMP/c2.json")"

check "compact prunes what the hub holds, in Chinese, and the data stay the same"
out=$(CUNLIAN_NOW_MS=$later "$BIN" --home "$S" compact)
contains "$out" "日志已压缩" "compact says what it did"
contains "$out" "s1：" "per scope"
[ "$(cl --home "$S" digest)" = "$d0" ] || fail "compaction changed the data"
CUNLIAN_NOW_MS=$later "$BIN" --home "$S" --json compact >"$TMP/c.json"
pyjson 'd["commits"] == 0' <"$TMP/c.json" || fail "a second run pruned again: $(cat "$TMP/c.json")"

check "the audit says the history before a date was compacted"
out=$(cl --home "$S" log)
contains "$out" "之前的历史已压缩" "log after compaction"

check "syncs go on: a new order reaches the hub"
cl --home "$S" order add --category 其他 --detail 修水管 --requester 赵奶奶 --phone 13611113333 >/dev/null
expect 0 --home "$S" --json sync "coap://127.0.0.1:$P"
echo "$out" | pyjson 'd["converged"] and d["received"]["refused"] == 0'
same_scopes "$H" "$S" "after compaction" "" s1

check "a node behind the hub's base is told the history was pruned"
# a county-wide commit of the hub's own, which s1 takes in a session and
# ACKs: only an ACK lets the hub prune its own feed (session.c S12)
cl --home "$H" category add --name 代购 >/dev/null
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
stop "$hubpid"
hlater=$(($(cat "$TMP/now") + 100 * 86400000)) # past the hub's 90 days
CUNLIAN_NOW_MS=$hlater "$BIN" --home "$H" --json compact >"$TMP/h.json"
pyjson 'd["commits"] >= 1' <"$TMP/h.json" || fail "the hub pruned nothing: $(cat "$TMP/h.json")"
enrolled "$H" "$S2" s2 西村 --parent t01
check "a bundle for a node behind the hub's base says what it left out"
out=$(CUNLIAN_NOW_MS=$hlater "$BIN" --home "$H" --json bundle export "$TMP/s2.bundle" --for s2)
echo "$out" | pyjson 'd["pruned_feeds"] >= 1'
out=$(CUNLIAN_NOW_MS=$hlater "$BIN" --home "$H" bundle export "$TMP/s2b.bundle" --for s2)
contains "$out" "需要从签名快照开始" "bundle export says so"
P=$(port)
serve hub "$H" "$P"
# (CUNLIAN_NO_SNAPSHOT: a node that does not start from snapshots on its
# own, as before them; issue 15's snapshots then take over)
set +e
out=$(CUNLIAN_NO_SNAPSHOT=1 CUNLIAN_NOW_MS=$(cat "$TMP/now") "$BIN" --home "$S2" sync "coap://127.0.0.1:$P" 2>&1)
rc=$?
set -e
contains "$out" "需要从签名快照开始" "s2 sync"
contains "$out" "取它的快照后再同步一次" "s2 takes the snapshot when told"
[ "$rc" -eq 0 ] || fail "s2 did not converge from the hub's snapshot (exit $rc): $out"
same_scopes "$H" "$S2" "after the snapshot" "" s2
check "a node that only runs the service is told so too, and takes the snapshot"
enrolled "$H" "$S3" s3 南村 --parent t01
set +e
out=$(CUNLIAN_LANG=en CUNLIAN_NO_SNAPSHOT=1 CUNLIAN_NOW_MS=$(cat "$TMP/now") "$BIN" --home "$S3" serve --listen none \
	--once --peer "coap://127.0.0.1:$P" 2>&1)
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "serve --once at s3: exit $rc: $out"
contains "$out" "compacted" "s3's serve is told the history was pruned"
contains "$out" "took the snapshot of the county-wide scope" "s3's serve takes the county snapshot"
same_scopes "$H" "$S3" "after serve's snapshot" "" s3

check "compact_keep_days = 0 turns it off, and says so"
echo "compact_keep_days = 0" >>"$S/node.conf"
expect 2 --home "$S" compact
contains "$err" "日志压缩已关闭" "compact off"
echo "compact_keep_days = x" >>"$S/node.conf"
expect 2 --home "$S" compact
echo "ok"
