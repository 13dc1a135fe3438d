#!/bin/sh
# SPDX-License-Identifier: MIT
# recover.sh - a lost database never restarts the feed (issue 12): a
# station whose replica.db is removed refuses to write (exit 3, nothing
# written, the ways out named), doctor says so, read-only commands still
# work; `recover --from` a real hub serving on loopback brings its own
# records back and lists the commit that was never synced; new writes go
# on with fresh seqs and ids that the hub accepts and sync converges. The
# same through a bundle the hub exports (`recover --bundle`), and for a
# replica swapped for an older copy of itself.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "recover: a lost replica is refused and recovered from the hub"
H="$TMP/hub" S="$TMP/s1"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
own() { cl --home "$S" status --json 2>/dev/null | json "['own_commits']"; }
orders() { cl --home "$1" order list --json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(sorted(o["id"] for o in json.load(sys.stdin)["orders"])))'; }

cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
enrolled "$H" "$S" s1 东村 --parent t01
v=$(cl --home "$S" volunteer add --name 王伟 --phone 13800001234 --json | json "['id']")
cl --home "$S" order add --category 助老 --detail 买药 >/dev/null
cl --home "$S" order add --category 其他 --detail 修门 >/dev/null
P=$(port)
serve hub "$H" "$P"
hubpid=$last
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
synced=$(own)
cl --home "$S" order add --category 助老 --detail 没同步的单 >/dev/null # s1-o3, never synced
[ "$(orders "$S")" = "s1-o1 s1-o2 s1-o3" ] || fail "setup: $(orders "$S")"

check "the database is removed: a write is refused (3), names the ways out, writes nothing"
rm -f "$S"/replica.db*
expect 3 --home "$S" order add --category 其他 --detail d
contains "$err" "cunlian recover --from coap://" "the refusal names recover over CoAP"
contains "$err" "cunlian recover --bundle" "the refusal names recover from a bundle"
contains "$err" "cunlian restore" "the refusal names restoring a backup"
contains "$err" "什么也没有写" "the refusal says nothing was written"
CUNLIAN_LANG=en expect 3 --home "$S" volunteer add --name 李四 --phone 13800004321
contains "$err" "does not match this node's identity" "English refusal"
[ "$(own)" = 0 ] || fail "a refused write left a commit"
[ -z "$(orders "$S")" ] || fail "a refused write left an order: $(orders "$S")"

check "read-only commands work with a warning; doctor fails on the numbering"
expect 0 --home "$S" order list
contains "$err" "警告" "a read-only command warns"
expect 1 --home "$S" --json doctor
echo "$out" | pyjson 'any(c["check"] == "numbering" and c["status"] == "fail" for c in d["checks"])' ||
	fail "doctor does not report the mismatch: $out"

check "recover with neither or both sources: usage (2)"
expect 2 --home "$S" recover
expect 2 --home "$S" recover --from "coap://127.0.0.1:$P" --bundle "$TMP/x.bundle"

check "recover --from the hub: the old records come back, the unsynced one is listed as lost"
! grep -q "lacks its own commits" "$TMP/hub.log" || fail "the hub warned before any lost replica came"
expect 0 --home "$S" --json recover --from "coap://127.0.0.1:$P"
grep -q "(station s1, .*lacks its own commits: in scope .* it holds up to 0" "$TMP/hub.log" ||
	fail "the hub did not log the station that came without its own commits: $(tail -5 "$TMP/hub.log")"
echo "$out" | pyjson "d['fetched'] == $synced" || fail "recover did not fetch the $synced synced commits: $out"
echo "$out" | pyjson "any(f['scope'] == 's1' and [l['seq'] for l in f['lost']] == [f['held'] + 1] and 's1-o3' in f['lost'][0]['ids'] for f in d['feeds'])" ||
	fail "recover does not list the lost commits of s1: $out"
echo "$out" | pyjson "int(d['next_ids']['o'][len('s1-o'):]) > 3" || fail "the next order id could be reused: $out"
[ "$(orders "$S")" = "s1-o1 s1-o2" ] || fail "the synced orders did not come back: $(orders "$S")"
[ "$(own)" = "$synced" ] || fail "own commits after recover: $(own), want $synced"
cl --home "$S" volunteer show "$v" >/dev/null || fail "the volunteer did not come back"
expect 0 --home "$S" doctor

check "new writes go on with fresh seqs and ids; the hub accepts them; sync converges"
expect 0 --home "$S" --json order add --category 助老 --detail 恢复后的单
new=$(echo "$out" | json "['id']")
case $new in s1-o1 | s1-o2 | s1-o3) fail "an order id was reused: $new" ;; esac
[ "$(own)" = $((synced + 1)) ] || fail "the feed did not go on after the hub's last seq"
expect 0 --home "$S" --json sync "coap://127.0.0.1:$P"
echo "$out" | pyjson 'd["converged"] and d["received"]["refused"] == 0' || fail "sync after recover: $out"
cl --home "$H" order show "$new" --json | pyjson 'd["detail"] == "恢复后的单"' || fail "the hub lacks $new"
same_scopes "$H" "$S" "after recover and sync" "" s1
expect 0 --home "$S" recover --from "coap://127.0.0.1:$P"
contains "$out" "不需要恢复" "a second recover has nothing to do"

check "recover --bundle: the hub's bundle for the station brings everything back"
cl --home "$S" order add --category 其他 --detail 又一单 >/dev/null
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
before=$(orders "$S")
digest=$(cl --home "$S" digest --scope s1)
rm -f "$S"/replica.db*
expect 3 --home "$S" order add --category 其他 --detail d
expect 0 --home "$H" bundle export "$TMP/for-s1.bundle" --for s1
expect 4 --home "$S" recover --bundle "$TMP/none.bundle"
expect 0 --home "$S" --json recover --bundle "$TMP/for-s1.bundle"
echo "$out" | pyjson "all(not f['lost'] and not f['sent_lost'] for f in d['feeds'])" ||
	fail "nothing was lost this time: $out"
[ "$(orders "$S")" = "$before" ] || fail "orders after recover --bundle: $(orders "$S"), want $before"
[ "$(cl --home "$S" digest --scope s1)" = "$digest" ] || fail "s1 differs after recover --bundle"
expect 0 --home "$S" order add --category 助老 --detail 数据包恢复后
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
same_scopes "$H" "$S" "after recover --bundle and sync" "" s1

check "a replica swapped for an older copy of itself is refused too"
cp "$S/replica.db" "$TMP/old.db"
[ ! -e "$S/replica.db-wal" ] || cp "$S/replica.db-wal" "$TMP/old.db-wal"
cl --home "$S" order add --category 助老 --detail 新的单 >/dev/null
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
rm -f "$S"/replica.db*
cp "$TMP/old.db" "$S/replica.db"
[ ! -e "$TMP/old.db-wal" ] || cp "$TMP/old.db-wal" "$S/replica.db-wal"
expect 3 --home "$S" order add --category 其他 --detail d
expect 0 --home "$S" recover --from "coap://127.0.0.1:$P"
contains "$out" "没有丢失的提交" "nothing synced was lost"
expect 0 --home "$S" order add --category 助老 --detail 最后一单
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
same_scopes "$H" "$S" "after the older copy was recovered" "" s1

check "init again on a home whose key survived (database and node.conf gone): refused too"
cp "$S/node.conf" "$TMP/node.conf"
rm -f "$S"/replica.db* "$S/node.conf"
expect 3 --home "$S" init --station s1 --name 东村 --parent t01
contains "$err" "cunlian recover" "init names recover"
cp "$TMP/node.conf" "$S/node.conf"
expect 3 --home "$S" order add --category 其他 --detail d
expect 0 --home "$S" recover --from "coap://127.0.0.1:$P"
expect 0 --home "$S" order add --category 助老 --detail 再次恢复后
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
same_scopes "$H" "$S" "after init was refused and the node recovered" "" s1

check "commits that left on a bundle but never reached the hub stop recover (3) until that bundle is imported"
cl --home "$S" order add --category 其他 --detail 只在数据包里的单 >/dev/null
expect 0 --home "$S" bundle export "$TMP/s1-out.bundle"
onbundle=$(own)
rm -f "$S"/replica.db*
expect 3 --home "$S" recover --from "coap://127.0.0.1:$P"
contains "$err" "cunlian recover --bundle" "the stop names importing the bundle"
contains "$err" "--accept-loss" "the stop names giving up"
expect 3 --home "$S" order add --category 其他 --detail d
expect 0 --home "$S" --json recover --bundle "$TMP/s1-out.bundle"
[ "$(own)" = "$onbundle" ] || fail "own commits after the bundle: $(own), want $onbundle"
echo "$out" | pyjson "all(not f['lost'] and not f['sent_lost'] for f in d['feeds'])" || fail "nothing is lost: $out"
expect 0 --home "$S" order add --category 助老 --detail 数据包回来以后
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
same_scopes "$H" "$S" "after the bundle came back" "" s1

check "--accept-loss gives up commits that left on a bundle and were lost with it"
cl --home "$S" order add --category 其他 --detail 数据包丢了 >/dev/null
expect 0 --home "$S" bundle export "$TMP/lost.bundle"
rm -f "$S"/replica.db* "$TMP/lost.bundle"
expect 3 --home "$S" recover --from "coap://127.0.0.1:$P"
expect 0 --home "$S" --json recover --from "coap://127.0.0.1:$P" --accept-loss
echo "$out" | pyjson "any(f['scope'] == 's1' and f['sent_lost'] == [f['held'] + 1, f['held'] + 1] for f in d['feeds'])" ||
	fail "the given-up commit is not listed: $out"
expect 0 --home "$S" order add --category 助老 --detail 放弃之后
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
same_scopes "$H" "$S" "after --accept-loss" "" s1

check "a plain sync after the loss brings the records back but writing stays refused until recover"
rm -f "$S"/replica.db*
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
contains "$err" "警告" "sync on a lost replica warns"
CUNLIAN_LANG=en expect 3 --home "$S" order add --category 其他 --detail d
contains "$err" "cunlian recover has not yet listed" "the refusal says recover is still to run"
expect 0 --home "$S" recover --from "coap://127.0.0.1:$P"
expect 0 --home "$S" order add --category 助老 --detail 同步后恢复
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
same_scopes "$H" "$S" "after sync then recover" "" s1

check "doctor reads every kind of damaged feed.mark as damaged, and changes nothing"
cp "$S/feed.mark" "$TMP/good.mark"
author=$(sed -n 's/^author //p' "$S/feed.mark")
long=$(python3 -c 'print("x" * 5000)')
i=0
for bad in "" "cunlian-feed-mark 2" "cunlian-feed-mark 1
author $author
feed s1 5 9 1" "cunlian-feed-mark 1
author $author
feed s1 99999999999999999999999 1 1" "cunlian-feed-mark 1
author $author
lost 7" "cunlian-feed-mark 1
author $author
id O 5 1" "cunlian-feed-mark 1
author $author
feed $long 5 1 1" "cunlian-feed-mark 1
$long" "cunlian-feed-mark 1
author $author
feed s1 5"; do
	i=$((i + 1))
	printf '%s\n' "$bad" >"$S/feed.mark"
	expect 1 --home "$S" --json doctor
	echo "$out" | pyjson 'any(c["check"] == "numbering" and c["status"] == "fail" for c in d["checks"])' ||
		fail "damaged mark $i not reported: $out"
	[ "$(cat "$S/feed.mark")" = "$bad" ] || fail "doctor changed damaged mark $i"
done
head -c 3000 /dev/urandom >"$S/feed.mark"
expect 1 --home "$S" doctor
cp "$TMP/good.mark" "$S/feed.mark"
expect 0 --home "$S" doctor

check "a damaged feed.mark: writes refused (3) as for a lost replica; recover puts it right"
printf 'cunlian-feed-mark 1\nauthor zz\n' >"$S/feed.mark"
expect 3 --home "$S" order add --category 其他 --detail d
contains "$err" "feed.mark" "the refusal names the damaged file"
expect 0 --home "$S" recover --from "coap://127.0.0.1:$P"
expect 0 --home "$S" order add --category 助老 --detail 标记修好后
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
same_scopes "$H" "$S" "after the damaged mark was recovered" "" s1

check "an init cut short (key and mark kept, nothing synced) can run again"
N="$TMP/n1"
cl --home "$N" init --station s7 --name 新村 >/dev/null
rm -f "$N"/replica.db* "$N/node.conf"
expect 0 --home "$N" init --station s7 --name 新村
expect 0 --home "$N" order add --category 其他 --detail d
expect 0 --home "$N" doctor

stop "$hubpid"
echo "recover: ok"
