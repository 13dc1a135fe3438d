#!/bin/sh
# SPDX-License-Identifier: MIT
# activities.sh - activities (志愿活动) with check-in across a station and
# the hub, enrolled (every commit signed and judged): a station publishes
# an activity of 2 seats; while it is cut off, the hub takes two
# sign-ups for it (requests) and the station fills both seats itself; when
# they meet, the station grants no request past the capacity (both
# waitlisted, in order); a cancellation gives the first waiting person the
# seat; a walk-in is refused when full; check-out credits the hours once;
# the hub cannot check anyone in to a station's activity; close checks out
# who is still in. A county-wide activity of 1 seat gets requests from two
# stations: the hub grants the earlier one. Refusals change nothing.
. "$(dirname "$0")/lib.inc"
echo "activities: sign-up, seats, check-in and hours across a station and the hub"
HUB=$TMP/hub S1=$TMP/s1 S2=$TMP/s2
county "$HUB"
enrolled "$HUB" "$S1" s0001 一村 --parent c01
enrolled "$HUB" "$S2" s0002 二村 --parent c01

# carry FROM TO [STATION]: everything FROM holds for TO, as a bundle.
carry() {
	cl --home "$1" bundle export "$TMP/carry.bundle" ${3:+--for "$3"} >/dev/null
	expect 0 --home "$2" --json bundle import "$TMP/carry.bundle"
	echo "$out" | pyjson 'd["refused"] == 0' || fail "carrying $1 to $2 refused commits"
}
jget() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

check "一村 registers four volunteers and publishes an activity of 2 seats, 2 hours"
for p in 王伟:13800001111 李娜:13800002222 张强:13800003333 赵敏:13800004444; do
	cl --home "$S1" volunteer add --name "${p%%:*}" --phone "${p##*:}" >/dev/null
done
expect 2 --home "$S1" activity add --title 敬老院打扫 --place 敬老院 --start "2025-03-01 09:00" \
	--end "2025-03-01 08:00" --capacity 2 --hours 2
contains "$err" "结束时间必须晚于开始时间" "an end before the start is refused"
expect 2 --home "$S1" activity add --title 敬老院打扫 --place 敬老院 --start "2025-02-30 09:00" \
	--end "2025-03-01 11:00" --capacity 2 --hours 2
contains "$err" "2025-02-30 09:00 无效" "a day that does not exist is refused"
expect 2 --home "$S1" activity add --title 敬老院打扫 --start "2025-03-01 09:00" \
	--end "2025-03-01 11:00" --capacity 2 --hours 2
contains "$err" "缺少 --place：发布活动要写" "a missing option is named"
expect 2 --home "$S1" --lang en activity add --title 敬老院打扫 --place 敬老院 --start "2025-03-01 09:00" \
	--end "2025-03-01 11:00" --capacity 2
contains "$err" "missing --hours" "a missing option is named, in English"
expect 0 --home "$S1" activity add --title 敬老院打扫 --place 敬老院 --start "2025-03-01 09:00" \
	--end "2025-03-01 11:00" --capacity 2 --hours 2
contains "$out" "已发布活动：敬老院打扫（s0001-a1）" "activity add says what it did"
aid=s0001-a1

check "a sign-up after an activity's end is refused and changes nothing"
# typed on a Chinese keyboard in full-width mode (digits, －, ：, the wide space)
expect 0 --home "$S1" --json activity add --title 早操 --place 村口 --start "２０２５－０２－２８　０７：００" \
	--end "2025-02-28 ０８:00" --capacity ５ --hours 1
echo "$out" | pyjson 'd["start"] == "2025-02-28 07:00" and d["end"] == "2025-02-28 08:00" and d["capacity"] == 5' ||
	fail "full-width digits in the times"
eid=$(echo "$out" | jget '["id"]')
before=$(cl --home "$S1" digest)
expect 3 --home "$S1" activity signup "$eid" --volunteer 王伟
contains "$err" "活动 早操（$eid）已于 2025-02-28 08:00 结束：不能再报名" "a sign-up after the end"
expect 3 --home "$S1" --lang en activity signup "$eid" --volunteer 王伟
contains "$err" "ended at 2025-02-28 08:00: no more sign-ups" "a sign-up after the end, in English"
[ "$(cl --home "$S1" digest)" = "$before" ] || fail "a refused sign-up changed the replica"
expect 0 --home "$S1" activity close "$eid"
carry "$S1" "$HUB"

check "cut off: the hub takes two requests, 一村 fills both seats itself"
expect 0 --home "$HUB" activity signup $aid --volunteer 张强
contains "$out" "待确认" "a sign-up away from the home is pending"
expect 0 --home "$HUB" activity signup $aid --volunteer 13800004444
expect 0 --home "$S1" activity signup $aid --volunteer 王伟
contains "$out" "已报名（名额 1/2）" "a sign-up at the home is firm"
expect 0 --home "$S1" activity signup $aid --volunteer 李娜
expect 3 --home "$S1" activity signup $aid --volunteer 李娜
contains "$err" "已经报了活动 敬老院打扫（已报名）" "a second sign-up is refused with the state"

check "they meet: 一村 grants no request past its 2 seats; both are waitlisted in order"
carry "$HUB" "$S1"
expect 0 --home "$S1" --json activity list --all
echo "$out" | pyjson '[(x["pending"], x["seats"]) for x in d["activities"] if x["id"] == "s0001-a1"] == [(2, 2)]' ||
	fail "the requests are pending before the home decides"
# show at the home decides first (A5): never 待确认 for what it decides now
expect 0 --home "$S1" activity show $aid
contains "$out" "候补 2，待确认 0" "show at the home decides the requests first"
contains "$out" "张强  138****3333  候补" "show at the home waitlists the request"
before=$(cl --home "$S1" digest)
expect 3 --home "$S1" activity checkin $aid --volunteer 张强
contains "$err" "2 个名额已满" "a person without a seat is refused when full"
[ "$(cl --home "$S1" digest)" = "$before" ] || fail "a refused check-in changed the replica"
expect 0 --home "$S1" activity checkin $aid --volunteer 王伟
expect 0 --home "$S1" --json activity show $aid
echo "$out" | pyjson 'd["activity"]["seats"] == 2 and d["activity"]["waiting"] == 2 and d["activity"]["pending"] == 0' ||
	fail "both requests waitlisted, capacity kept"
echo "$out" | pyjson '[p["state"] for p in d["people"]] == ["signed" if p["volunteer"] == "s0001-v2" else p["state"] for p in d["people"]] and {p["volunteer"]: p["state"] for p in d["people"]} == {"s0001-v1": "in", "s0001-v2": "signed", "s0001-v3": "waiting", "s0001-v4": "waiting"}' ||
	fail "the people's states"

check "a cancellation gives the seat to the first waiting (张强 asked first)"
expect 0 --home "$S1" activity cancel $aid --volunteer 李娜
expect 0 --home "$S1" --json activity show $aid
echo "$out" | pyjson '{p["volunteer"]: p["state"] for p in d["people"]} == {"s0001-v1": "in", "s0001-v3": "signed", "s0001-v4": "waiting"}' ||
	fail "张强 gets the seat, 赵敏 still waits"
expect 3 --home "$S1" activity cancel $aid --volunteer 王伟
contains "$err" "已经在活动 敬老院打扫 签到过了" "no cancellation after check-in"

check "the hub cannot check anyone in to a station's activity"
carry "$S1" "$HUB"
expect 3 --home "$HUB" activity checkin $aid --volunteer 张强
contains "$err" "由 s0001 管" "the hub says who keeps the seats"

check "check-out credits the activity's 2 hours once (20 points); close checks out who is still in"
expect 0 --home "$S1" activity checkout $aid --volunteer 王伟
contains "$out" "记入 2 小时、20 积分" "check-out says the hours and points"
expect 3 --home "$S1" activity checkout $aid --volunteer 王伟
expect 0 --home "$S1" --json points balance 王伟
echo "$out" | pyjson 'd["balance"] == 20' || fail "20 points once"
expect 0 --home "$S1" activity checkin $aid --volunteer 张强
expect 0 --home "$S1" activity close $aid
contains "$out" "结束时替 1 人签退" "close checks out who is still in"
expect 3 --home "$S1" activity signup $aid --volunteer 李娜
contains "$err" "已经结束" "no sign-up after close"
expect 0 --home "$S1" volunteer show 张强
contains "$out" "2 小时" "张强's hours count"
carry "$S1" "$HUB"
expect 0 --home "$HUB" --json activity show $aid
echo "$out" | pyjson 'd["activity"]["closed"] and d["activity"]["checked_out"] == 2 and d["activity"]["seats"] == 2' ||
	fail "the hub sees the closed activity"

check "a county-wide activity of 1 seat: requests from two stations, the earlier one gets it"
expect 0 --home "$HUB" --json activity add --title 全县植树 --place 县林场 --start "2025-03-12 08:00" \
	--end "2025-03-12 12:00" --capacity 1 --hours 3
cid=$(echo "$out" | jget '["id"]')
[ "$cid" = hub-a1 ] || fail "the hub's activity id: $cid"
carry "$HUB" "$S1" s0001
carry "$HUB" "$S2" s0002
cl --home "$S2" volunteer add --name 孙丽 --phone 13900001111 >/dev/null
expect 0 --home "$S1" activity signup "$cid" --volunteer 赵敏
contains "$out" "待确认" "a station's sign-up for a county-wide activity is pending"
expect 0 --home "$S2" activity signup "$cid" --volunteer 孙丽
expect 3 --home "$S2" activity checkin "$cid" --volunteer 孙丽
contains "$err" "县级中心" "only the hub checks in to a county-wide activity"
carry "$S2" "$HUB"
carry "$S1" "$HUB"
expect 0 --home "$HUB" --json activity list --all
echo "$out" | pyjson '[x["pending"] for x in d["activities"] if x["id"] == "'"$cid"'"] == [2]' ||
	fail "two requests pending at the hub"
# serve decides after merges, with no activity command run (one turn)
expect 0 --home "$HUB" serve --listen none --once
contains "$err" "确认了 2 个报名" "serve logs the sign-ups it decided"
expect 0 --home "$HUB" --json activity show "$cid"
echo "$out" | pyjson '{p["volunteer"]: p["state"] for p in d["people"]} == {"s0001-v4": "signed", "s0002-v1": "waiting"}' ||
	fail "serve granted the earlier request and waitlisted the later"
expect 0 --home "$HUB" activity checkin "$cid" --volunteer s0001-v4
expect 0 --home "$HUB" --json activity show "$cid"
echo "$out" | pyjson '{p["volunteer"]: p["state"] for p in d["people"]} == {"s0001-v4": "in", "s0002-v1": "waiting"}' ||
	fail "the earlier request is granted, the later waitlisted"
expect 0 --home "$HUB" activity checkout "$cid" --volunteer s0001-v4
contains "$out" "记入 3 小时、30 积分" "the county-wide activity's hours"
carry "$HUB" "$S1" s0001
expect 0 --home "$S1" --json points balance 赵敏
echo "$out" | pyjson 'd["balance"] == 30' || fail "the home station sees the credit"
carry "$HUB" "$S2" s0002
expect 0 --home "$S2" --json activity show "$cid"
echo "$out" | pyjson '{p["volunteer"]: p["state"] for p in d["people"]}.get("s0002-v1") == "waiting"' ||
	fail "二村 sees its volunteer waitlisted"

check "a visiting volunteer of 二村 at 一村's activity: the credit goes county-wide and reaches 二村"
expect 0 --home "$S1" --json activity add --title 义诊帮忙 --place 卫生室 --start "2025-03-05 09:00" \
	--end "2025-03-05 10:30" --capacity 1 --hours 1.5
vid2=$(echo "$out" | jget '["id"]')
expect 0 --home "$S1" activity checkin "$vid2" --volunteer s0002-v1
expect 0 --home "$S1" --json activity checkout "$vid2" --volunteer s0002-v1
echo "$out" | pyjson 'd["points"] == 15' || fail "1.5 hours, 15 points"
carry "$S1" "$HUB"
carry "$HUB" "$S2" s0002
expect 0 --home "$S2" --json points balance 孙丽
echo "$out" | pyjson 'd["balance"] == 15' || fail "二村 sees its volunteer's credit"

check "list, today's status, the report, English, --help"
expect 0 --home "$S1" activity list --all
contains "$out" "敬老院打扫" "activity list --all"
expect 0 --home "$S1" --lang en activity list --all
contains "$out" "seats" "activity list in English"
expect 0 --home "$S1" activity --help
contains "$out" "activity checkin" "activity --help"
expect 2 --home "$S1" activity signup $aid
contains "$err" "--volunteer" "a sign-up without a volunteer says what is missing"
expect 4 --home "$S1" activity show s0001-a99
# an activity over two days, for status on its second day
expect 0 --home "$S1" activity add --title 夜间巡逻 --place 村口 --start "2025-03-11 20:00" \
	--end "2025-03-12 14:00" --capacity 5 --hours 3
echo 1741744800000 >"$TMP/now" # 2025-03-12 10:00 +08:00, the day of 全县植树
expect 0 --home "$S1" status
contains "$out" "今日活动：2 项" "status shows today's activities"
contains "$out" "全县植树" "status names today's activity"
expect 0 --home "$S1" report
contains "$out" "志愿活动：5 项（进行中 3），报名 4 人次，签到 4 人次，记入 8.5 小时" "report counts the activities"

check "report --json and --format csv carry the activities' seats, check-ins and hours"
expect 0 --home "$S1" --json report
echo "$out" | pyjson 'd["activity_summary"] == {"activities": 5, "open": 3, "seats": 4, "checked_in": 4, "hours": 8.5}' ||
	fail "report --json has the activity summary"
echo "$out" | pyjson 'd["total"]["active_volunteers"] == 4' ||
	fail "the four volunteers credited for activities are active (no order done)"
expect 0 --home "$S1" report --format csv
case $out in *志愿活动*) fail "the CSV holds a line of prose: $out" ;; esac
echo "$out" | python3 -c "import csv,sys
rows=list(csv.reader(sys.stdin.read().lstrip('\ufeff').splitlines()))
h=rows[0]; t=rows[-1]
assert all(len(r) == len(h) for r in rows), rows
assert t[0] == '合计' and t[h.index('活动报名')] == '4' and t[h.index('活动签到')] == '4' and t[h.index('活动时长')] == '8.5', rows" ||
	fail "the CSV's total row carries the activity columns"

check "status --json lists today's activities; a two-day activity shows its date on the second day"
expect 0 --home "$S1" --json status
echo "$out" | pyjson 'sorted(x["title"] for x in d["activities_today"]) == sorted(["全县植树", "夜间巡逻"])' ||
	fail "status --json lists today's activity"
expect 0 --home "$S1" status
contains "$out" "2025-03-11 20:00 夜间巡逻" "an activity that started yesterday shows its date"
contains "$out" " 08:00 全县植树" "today's activity shows its time only"

check "activity list says by the clock whether an open activity is upcoming, under way or past its end"
expect 0 --home "$S1" activity list
echo "$out" | grep -q "义诊帮忙.*已过结束时间，待关闭" || fail "an activity past its end, not closed: $out"
echo "$out" | grep -q "全县植树.*进行中" || fail "an activity under way: $out"
expect 0 --home "$S1" --lang en activity list
echo "$out" | grep -q "ended, not closed" || fail "in English: $out"
echo 1741478400000 >"$TMP/now" # 2025-03-09 08:00 +08:00, before 全县植树
expect 0 --home "$S1" activity list
echo "$out" | grep -q "全县植树.*报名中" || fail "an activity not yet begun: $out"

check "activity list --from/--to: those under way on those days, closed ones too; a bad day is refused"
expect 0 --home "$S1" --json activity list --from 2025-03-01 --to 2025-03-05
echo "$out" | pyjson '[x["title"] for x in d["activities"]] == ["敬老院打扫", "义诊帮忙"]' ||
	fail "activity list --from --to"
expect 0 --home "$S1" --json activity list --from 2025-03-12
echo "$out" | pyjson '[x["title"] for x in d["activities"]] == ["夜间巡逻", "全县植树"]' ||
	fail "activity list --from"
expect 2 --home "$S1" activity list --from 2025-02-30
contains "$err" "2025-02-30 不是日期" "activity list with a day that does not exist"
echo "activities: ok"
