#!/bin/sh
# SPDX-License-Identifier: MIT
# teams.sh - teams, hours and recognition (issue 17) across a station and
# the hub, both enrolled (so the hub's trust rules judge the station's
# commits): a station adds a team, volunteers join and leave it, points
# are adjusted and hours recorded outside orders with a reason (seen in
# the log), stars follow the hours, the hub accepts it all and reports by
# team and the month's outstanding volunteers; refusals change nothing;
# a volunteer's team changed at both while apart ends the same on both.
. "$(dirname "$0")/lib.inc"
echo "teams: teams, adjustments, manual hours, stars and recognition"
HUB=$TMP/hub S1=$TMP/s1 S2=$TMP/s2
county "$HUB"
enrolled "$HUB" "$S1" s0001 一村 --parent c01
enrolled "$HUB" "$S2" s0002 二村 --parent c01
s() { cl --home "$S1" "$@"; }
jid() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
carry() {
	cl --home "$1" bundle export "$TMP/carry.bundle" ${3:+--for "$3"} >/dev/null
	expect 0 --home "$2" --json bundle import "$TMP/carry.bundle"
	echo "$out" | pyjson 'd["refused"] == 0' || fail "carrying $1 to $2 refused commits: $out"
}

v1=$(s volunteer add --name 王伟 --phone 13800001111 --team 老队伍 --json | jid)
v2=$(s volunteer add --name 李娜 --phone 13800002222 --json | jid)

check "team add: a team with a leader; the name is unique in the station"
expect 0 --home "$S1" --json team add --name 红马甲 --leader 王伟
t1=$(echo "$out" | jid)
echo "$out" | pyjson 'd["leader"] == "'"$v1"'" and d["station"] == "s0001" and d["members"] == 0'
expect 3 --home "$S1" team add --name 红马甲
contains "$err" "已被使用" "a taken name is refused"
expect 2 --home "$S1" team add
expect 3 --home "$S1" team add --name 别站队 --station s0002
cl --home "$S1" --json team list | pyjson 'len(d["teams"]) == 1'

check "team join and leave; old free-text teams still read as they were"
s volunteer show "$v1" --json | pyjson 'd["team"] == "老队伍"'
expect 0 --home "$S1" team join 红马甲 "$v1"
contains "$out" "已加入队伍 红马甲" "join says so"
expect 0 --home "$S1" team join "$t1" 李娜
expect 3 --home "$S1" team join "$t1" "$v2"
expect 4 --home "$S1" team join 没这队 "$v2"
s --json team show "$t1" | pyjson 'd["members"] == 2 and len(d["volunteers"]) == 2'
s volunteer show "$v1" --json | pyjson 'd["team"] == "红马甲"'
expect 0 --home "$S1" team leave "$v2"
expect 3 --home "$S1" team leave "$v2"
s --json team show 红马甲 | pyjson 'd["members"] == 1'
s --json volunteer list --team 红马甲 | pyjson '[v["id"] for v in d["volunteers"]] == ["'"$v1"'"]'

check "points adjust with a reason; a debit below zero is refused"
expect 0 --home "$S1" --json points adjust "$v1" --points 30 --reason 补录上月积分
echo "$out" | pyjson 'd["points"] == 30 and d["balance"] == 30'
expect 3 --home "$S1" points adjust "$v1" --points -31 --reason 误记
contains "$err" "不够扣" "the overdraw message"
expect 2 --home "$S1" points adjust "$v1" --points 0 --reason 无
expect 2 --home "$S1" points adjust "$v1" --points 5
expect 0 --home "$S1" --json points adjust "$v1" --points -10 --reason 误记冲减
echo "$out" | pyjson 'd["balance"] == 20'
s --json log | pyjson 'any(e["table"] == "points" and "补录上月积分" in json.dumps(e, ensure_ascii=False) for e in d["entries"])'

check "hours add: credited as points, counted in hours and stars"
cl --home "$HUB" settings set --star-hours 1,2,3,4,5 >/dev/null
carry "$HUB" "$S1" s0001
expect 0 --home "$S1" --json hours add "$v1" --hours 2.5 --reason 重阳节活动
echo "$out" | pyjson 'd["points"] == 25 and d["hours"] == 2.5 and d["balance"] == 45'
expect 2 --home "$S1" hours add "$v1" --hours 25 --reason 太长
expect 2 --home "$S1" hours add "$v1" --hours -1 --reason 负数
s volunteer show "$v1" --json | pyjson 'd["hours"] == 2.5 and d["stars"] == 2'
s points balance "$v1" --json | pyjson 'd["stars"] == 2 and d["hours"] == 2.5'
s --json volunteer list | pyjson '[v["stars"] for v in d["volunteers"]] == [2, 0]'

check "another station may not adjust or record hours for 一村's volunteer"
carry "$S1" "$HUB"
carry "$HUB" "$S2" s0002
expect 3 --home "$S2" points adjust "$v1" --points 5 --reason 试试
expect 3 --home "$S2" hours add "$v1" --hours 1 --reason 试试

check "the hub accepted it all: team, membership, ledger rows"
cl --home "$HUB" --json team list | pyjson 'd["teams"][0]["name"] == "红马甲" and d["teams"][0]["members"] == 1'
cl --home "$HUB" --json points balance "$v1" | pyjson 'd["balance"] == 45'
expect 0 --home "$HUB" --json points adjust "$v2" --points 5 --reason 县里奖励
carry "$HUB" "$S1" s0001
s --json points balance "$v2" | pyjson 'd["balance"] == 5'

check "report --by team and report --top"
cl --home "$HUB" --json report --by team | pyjson 'any(g["key"] == "'"$t1"'" and g["name"] == "红马甲" for g in d["groups"])'
cl --home "$HUB" --json report --top | pyjson 'd["top"][0]["volunteer"] == "'"$v1"'" and d["top"][0]["hours"] == 2.5 and d["top"][0]["rank"] == 1'
cl --home "$HUB" --json report --top --period quarter --by station | pyjson 'd["top"][0]["group"] == "s0001" and "-Q" in d["top"][0]["period"]'
expect 0 --home "$HUB" report --top --by town
contains "$out" "王伟" "the table names the volunteer"
expect 2 --home "$HUB" report --top --period year
expect 2 --home "$HUB" report --top --by team
expect 0 --home "$HUB" report --top --format csv
contains "$out" "王伟" "report --top as CSV (reports: every list with --json has CSV)"
expect 2 --home "$HUB" report --top --format xml
cl --home "$HUB" report --top --format json | pyjson 'd["top"][0]["rank"] == 1'

check "one volunteer's team changed at the station and at the hub while apart: the later change wins on both"
expect 0 --home "$HUB" --json team add --name 蓝马甲 --station s0001
t2=$(echo "$out" | jid)
cl --home "$HUB" team join 蓝马甲 "$v2" >/dev/null
s team join 红马甲 "$v2" >/dev/null # later, not knowing the hub's
carry "$S1" "$HUB"
carry "$HUB" "$S1" s0001
for home in "$S1" "$HUB"; do
	cl --home "$home" --json volunteer show "$v2" | pyjson 'd["team_id"] == "'"$t1"'"'
done
s team leave "$v2" >/dev/null
cl --home "$HUB" team join "$t2" "$v2" >/dev/null # later again, not knowing the leave
carry "$S1" "$HUB"
carry "$HUB" "$S1" s0001
for home in "$S1" "$HUB"; do
	cl --home "$home" --json volunteer show "$v2" | pyjson 'd["team_id"] == "'"$t2"'" and d["team"] == "蓝马甲"'
done
[ "$(s digest --scope s0001)" = "$(cl --home "$HUB" digest --scope s0001)" ] || fail "the station and the hub differ"
echo "teams: ok"
