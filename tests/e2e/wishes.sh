#!/bin/sh
# SPDX-License-Identifier: MIT
# wishes.sh - micro-wishes (微心愿) across a station and the hub, enrolled
# (every commit signed and judged): the station publishes wishes; a
# volunteer, a team and a unit claim them; refusals (claimed, not the
# claimant, no note, a unit's hours, a date past) name who holds a wish
# and change nothing; a volunteer's hours are credited; order list --kind
# and order show see wishes as wishes. Offline, the station fulfils a
# wish while the hub has a unit claim it and cancels another that the
# station claims: carried both ways, both sides agree (digests) that the
# fulfilled wish keeps who fulfilled it and the cancelled one stays
# cancelled, with every move in the history.
. "$(dirname "$0")/lib.inc"
echo "wishes: micro-wishes at a station and the hub"
HUB=$TMP/hub S1=$TMP/s1
county "$HUB"
enrolled "$HUB" "$S1" s0001 一村 --parent c01

carry() {
	cl --home "$1" bundle export "$TMP/carry.bundle" ${3:+--for "$3"} >/dev/null
	expect 0 --home "$2" --json bundle import "$TMP/carry.bundle"
	echo "$out" | pyjson 'd["refused"] == 0' || fail "carrying $1 to $2 refused commits"
}
jget() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

check "一村 registers volunteers and a team, and publishes three wishes"
v1=$(cl --home "$S1" --json volunteer add --name 王伟 --phone 13800001111 | jget '["id"]')
v2=$(cl --home "$S1" --json volunteer add --name 张敏 --phone 13800002222 | jget '["id"]')
cl --home "$S1" team add --name 助老队 >/dev/null
expect 0 --home "$S1" wish add --what 一台收音机 --for 李奶奶 --due 2025-03-10 --requester 李四
contains "$out" "已发布微心愿 s0001-o1：一台收音机" "wish add says what it did"
expect 0 --home "$S1" --json wish add --what 修好院门 --for 赵爷爷
echo "$out" | pyjson 'd["id"] == "s0001-o2" and d["state"] == "published" and d["for"] == "赵爷爷" and d["due"] is None' ||
	fail "wish add --json"
cl --home "$S1" wish add --what 春联 >/dev/null
cl --home "$S1" order add --category 助老 --detail 打扫卫生 >/dev/null

check "refusals of wish add change nothing"
before=$(cl --home "$S1" digest)
expect 2 --home "$S1" wish add --what 书 --due 2025-02-27
contains "$err" "截止日期 2025-02-27 已经过了（今天是 2025-02-28）" "a date past is refused"
expect 2 --home "$S1" wish add --what 书 --due 2025-02-30
contains "$err" "写成 年-月-日" "a date that does not exist"
expect 2 --home "$S1" wish add --what 书 --due ２０２５－０２－３０
contains "$err" "写成 年-月-日" "a date that does not exist, in full-width digits"
expect 2 --home "$S1" wish add --for 李奶奶
contains "$err" "心愿内容要写" "no wish"
expect 2 --home "$S1" wish add --what 书 --colour red
[ "$before" = "$(cl --home "$S1" digest)" ] || fail "a refused wish add changed 一村"

check "order list says the kind and takes --kind; order show shows a wish as a wish"
expect 0 --home "$S1" order list
contains "$out" "类型" "order list has a kind column"
contains "$out" "微心愿" "order list names wishes"
contains "$out" "待认领" "a wish's state in its own words"
expect 0 --home "$S1" --json order list --kind wish
echo "$out" | pyjson 'len(d["orders"]) == 3 and all(o["kind"] == "wish" for o in d["orders"])' || fail "--kind wish"
expect 0 --home "$S1" --json order list --kind service
echo "$out" | pyjson '[o["id"] for o in d["orders"]] == ["s0001-o4"]' || fail "--kind service"
expect 2 --home "$S1" order list --kind gift
expect 0 --home "$S1" order show s0001-o1
contains "$out" "微心愿    s0001-o1" "order show of a wish"
contains "$out" "为谁      李奶奶" "order show of a wish: for whom"
expect 3 --home "$S1" wish show s0001-o4
contains "$err" "不是微心愿" "wish show of a service order"

check "a volunteer claims o1; claimed, it cannot be claimed again; only the claimant releases it"
expect 0 --home "$S1" wish claim s0001-o1 --volunteer 王伟
contains "$out" "已由 王伟（$v1） 认领" "claim names who"
before=$(cl --home "$S1" digest)
expect 3 --home "$S1" wish claim s0001-o1 --unit 县供电所
contains "$err" "已由 王伟（$v1） 认领" "a second claim names who holds it"
expect 3 --home "$S1" wish release s0001-o1 --volunteer 张敏
contains "$err" "只有认领方能释放" "someone else may not release it"
expect 2 --home "$S1" wish release s0001-o1
expect 2 --home "$S1" wish claim s0001-o2 --volunteer 王伟 --unit 县供电所
contains "$err" "只写其中一个" "one claimant"
expect 3 --home "$S1" wish done s0001-o2 --note 修好了
contains "$err" "还没有人认领" "done needs a claim"
expect 2 --home "$S1" wish done s0001-o1
contains "$err" "说明要写" "done needs a note"
[ "$before" = "$(cl --home "$S1" digest)" ] || fail "a refusal changed 一村"
expect 0 --home "$S1" wish release s0001-o1 --volunteer 13800001111 --note 家里有事
contains "$out" "已释放" "release"
expect 0 --home "$S1" wish claim s0001-o1 --volunteer "$v2"
expect 0 --home "$S1" wish release s0001-o1 --force
expect 0 --home "$S1" wish claim s0001-o1 --volunteer 王伟

check "王伟 fulfils o1 with 1.5 hours (15 points); a team claims o2; a unit's hours are refused"
expect 0 --home "$S1" --json wish done s0001-o1 --note 送去了收音机 --hours 1.5
echo "$out" | pyjson 'd["state"] == "fulfilled" and d["points"] == 15 and d["claimed_by"]["id"] == "'"$v1"'"' ||
	fail "wish done --json"
expect 0 --home "$S1" --json points balance "$v1"
echo "$out" | pyjson 'd["balance"] == 15' || fail "15 points credited"
expect 0 --home "$S1" wish claim s0001-o2 --team 助老队
contains "$out" "队伍 助老队" "a team claims"
expect 3 --home "$S1" wish done s0001-o2 --note 修好了 --hours 2
contains "$err" "队伍和单位不记积分" "a team earns no points"
expect 0 --home "$S1" wish done s0001-o2 --note 修好了院门
expect 0 --home "$S1" wish list
contains "$out" "已圆梦" "wish list: fulfilled"
contains "$out" "认领方" "wish list heading"
expect 0 --home "$S1" --lang en wish list --state fulfilled
contains "$out" "fulfilled" "wish list in English"
expect 0 --home "$S1" --json wish show s0001-o1
echo "$out" | pyjson 'd["note"] == "送去了收音机" and [e["to"] for e in d["events"]] == ["published", "claimed", "published", "claimed", "published", "claimed", "fulfilled"]' ||
	fail "wish show: the note and every move in the history"

check "carried to the hub, the hub sees them; offline: 一村 fulfils o3, the hub claims it for a unit"
cl --home "$S1" wish add --what 一把椅子 >/dev/null
carry "$S1" "$HUB"
expect 0 --home "$HUB" --json wish list --station s0001 --state fulfilled
echo "$out" | pyjson 'sorted(w["id"] for w in d["wishes"]) == ["s0001-o1", "s0001-o2"]' || fail "hub: fulfilled"
expect 0 --home "$S1" wish claim s0001-o3 --unit 县供电所
expect 0 --home "$S1" wish done s0001-o3 --note 送来了春联
expect 0 --home "$HUB" order cancel s0001-o5 --reason 居民搬走了
expect 0 --home "$HUB" wish claim s0001-o3 --unit 县团委
expect 0 --home "$S1" wish claim s0001-o5 --volunteer 张敏
carry "$S1" "$HUB"
carry "$HUB" "$S1" s0001
same_scopes "$S1" "$HUB" "after the wishes met" s0001
for h in "$S1" "$HUB"; do
	expect 0 --home "$h" --json wish show s0001-o3
	echo "$out" | pyjson 'd["state"] == "fulfilled" and d["claimed_by"]["name"] == "县供电所" and len(d["events"]) == 4' ||
		fail "$h: o3 fulfilled by 县供电所 whatever the hub claimed later"
	expect 0 --home "$h" --json wish show s0001-o5
	echo "$out" | pyjson 'd["state"] == "cancelled" and d["claimed_by"] is None' || fail "$h: o5 stays cancelled"
done
expect 0 --home "$S1" wish show s0001-o3
contains "$out" "单位 县供电所" "show names the unit"

check "an unknown wish id is named a wish, with the command that lists them"
before=$(cl --home "$S1" digest)
for verb in "show" "claim --unit 县供电所" "release --force" "done --note 送到"; do
	expect 4 --home "$S1" wish $verb s0001-o99
	contains "$err" "没有微心愿 s0001-o99：用 cunlian wish list 查找编号" "wish $verb of an unknown id"
done
expect 4 --home "$S1" --lang en wish claim s0001-o99 --unit 县供电所
contains "$err" "no wish s0001-o99" "wish claim of an unknown id, in English"
[ "$(cl --home "$S1" digest)" = "$before" ] || fail "an unknown wish id changed the replica"

check "wish list --from/--to: the wishes published on those days; a bad day is refused"
expect 0 --home "$S1" --json wish list
all=$(echo "$out" | jget '["wishes"].__len__()')
expect 0 --home "$S1" --json wish list --from 2025-02-28 --to 2025-02-28
echo "$out" | pyjson 'len(d["wishes"]) == '"$all"' and len(d["wishes"]) > 0' || fail "wish list of the day they were published"
expect 0 --home "$S1" --json wish list --from 2025-03-01
echo "$out" | pyjson 'd["wishes"] == []' || fail "wish list after the day they were published"
expect 2 --home "$S1" wish list --to 2025-02-30
contains "$err" "2025-02-30 不是日期" "wish list with a day that does not exist"

check "a due date typed in full-width digits (a Chinese keyboard) is taken"
expect 0 --home "$S1" --json wish add --what 手套 --due ２０２５－０３－１０
echo "$out" | pyjson 'd["due"] == "2025-03-10"' || fail "full-width digits in --due"
echo "wishes: ok"
