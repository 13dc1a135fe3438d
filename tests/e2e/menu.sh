#!/bin/sh
# SPDX-License-Identifier: MIT
# menu.sh - the service menu (需求清单) and the hub sending orders to a
# station, across two enrolled stations and the hub (every commit signed
# and judged), carried as bundle files: the standard categories before any
# sync; a typo refused with the nearest name (exit 2) and nothing written;
# the hub's county list and a station's own additions reach whom they
# should; a station cannot change the county's list; a category's points
# per hour in the credit; the report by category; the hub moves an order
# from one station to another and sends one it takes: the station sees
# them as new work in status and order list, both orders stay visible.
. "$(dirname "$0")/lib.inc"
echo "menu: the service menu and the hub sending orders to stations"
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

check "a station that never synced lists the 8 standard categories"
expect 0 --home "$S1" --json category list
echo "$out" | pyjson '[c["name"] for c in d["categories"]] == ["助老","助残","助学","卫生","文化","法律","医疗","其他"]
and all(c["station"] is None and c["builtin"] for c in d["categories"])' || fail "the standard list"
expect 0 --home "$S1" category list
contains "$out" "县级" "the county's entries say so"

check "a typo is refused with the nearest name, exit 2, nothing written"
before=$(cl --home "$S1" digest)
expect 2 --home "$S1" order add --category 助佬 --detail 陪老人散步
contains "$err" "是不是想写“助老”" "the suggestion in Chinese"
expect 2 --home "$S1" --lang en order add --category 助佬 --detail 陪老人散步
contains "$err" 'Did you mean "助老"' "the suggestion in English"
expect 2 --home "$S1" order add --category 修车 --detail 补胎
contains "$err" "cunlian category list" "no near name: where to look"
[ "$before" = "$(cl --home "$S1" digest)" ] || fail "a refused order changed 一村"

check "一村 adds its own category with its points per hour; a county one it cannot change"
expect 0 --home "$S1" category add --name 维修 --description 上门修理小家电 --points-per-hour 15
contains "$out" "已加入需求清单：维修（编号 s0001-c1，s0001）" "category add says what it did"
expect 3 --home "$S1" category add --name 助老
contains "$err" "县级需求清单上已经有类别 助老" "a name on the menu is refused"
case $err in *"站点 -"*) fail "the county's entry is called station -: $err" ;; esac
expect 3 --home "$S1" category add --name 维修
contains "$err" "已经有类别 维修（编号 s0001-c1，站点 s0001）" "a station's own entry names its station"
expect 3 --home "$S1" category set 助老 --points-per-hour 30
contains "$err" "县级需求清单" "the county's list is the hub's"
expect 2 --home "$S1" category add --name 修鞋 --points-per-hour abc
expect 4 --home "$S1" category retire 修车
[ "$before" != "$(cl --home "$S1" digest)" ] || fail "category add wrote nothing"

check "an order in the station's own category earns its points per hour"
vid=$(cl --home "$S1" --json volunteer add --name 王伟 --phone 13800001111 | jget '["id"]')
o1=$(cl --home "$S1" --json order add --category 维修 --detail 修电饭锅 | jget '["id"]')
cl --home "$S1" order dispatch "$o1" --volunteer "$vid" >/dev/null
cl --home "$S1" --json order done "$o1" --hours 2 | pyjson 'd["points"] == 30' || fail "15 points per hour"

check "the hub changes the county's list: retires 法律, adds 代购 at 8 points per hour"
expect 0 --home "$HUB" category retire 法律
expect 0 --home "$HUB" --json category add --name 代购 --points-per-hour 8
echo "$out" | pyjson 'd["id"] == "hub-c1" and d["station"] is None and d["points_per_hour"] == 8' || fail "county add"
expect 0 --home "$HUB" category set 助老 --description 陪护、送餐、探访
carry "$HUB" "$S1" s0001
carry "$HUB" "$S2" s0002
carry "$S1" "$HUB"

check "the stations follow the county's list; only 一村 has 维修; the hub sees all"
expect 0 --home "$S2" --json category list
echo "$out" | pyjson '[n for n in ("法律", "代购", "维修") if n in [c["name"] for c in d["categories"]]] == ["代购"]' \
	|| fail "二村's menu"
expect 0 --home "$S2" --json category list --all
echo "$out" | pyjson '[c["retired"] for c in d["categories"] if c["name"] == "法律"] == [True]' || fail "--all"
expect 2 --home "$S2" order add --category 维修 --detail 修门
expect 2 --home "$S2" order add --category 法律 --detail 咨询
contains "$err" "已停用" "a retired category says so"
expect 0 --home "$HUB" --json category list
echo "$out" | pyjson '[c["station"] for c in d["categories"] if c["name"] == "维修"] == ["s0001"]' || fail "hub's menu"

check "report --by category: the menu's names; a retired one keeps its own name"
expect 0 --home "$HUB" --json report --by category
echo "$out" | pyjson 'g["维修"]["orders"] == 1 and g["维修"]["hours"] == 2 and g["代购"]["orders"] == 0 and g["代购"]["name"] is None' \
	|| fail "report by category"

check "the hub moves 一村's order to 二村: a new order there, the old one cancelled and marked"
o2=$(cl --home "$S1" --json order add --category 助老 --detail 送午饭 --requester 张大爷 | jget '["id"]')
carry "$S1" "$HUB"
expect 3 --home "$S1" order dispatch "$o2" --station s0002
contains "$err" "只有县级中心" "a station does not send"
expect 4 --home "$HUB" order dispatch "$o2" --station s0009
expect 0 --home "$HUB" --json order dispatch "$o2" --station s0002
n2=$(echo "$out" | jget '["id"]')
echo "$out" | pyjson "d['moved_from'] == '$o2' and d['station'] == 's0002'" || fail "dispatch --station --json"
expect 0 --home "$HUB" order show "$o2"
contains "$out" "已转到站点 s0002，新单号 $n2" "the old order names the new one"
expect 0 --home "$HUB" --json order show "$n2"
echo "$out" | pyjson "d['station'] == 's0002' and d['status'] == 'open' and d['from_hub'] and d['moved_from'] == '$o2'
and d['requester'] == '张大爷'" || fail "the new order"

check "the hub takes an order for 二村: sent there too"
n3=$(cl --home "$HUB" --json order add --station s0002 --category 代购 --detail 买降压药 | jget '["id"]')
carry "$HUB" "$S2" s0002
carry "$HUB" "$S1" s0001

check "二村 sees 2 new orders from the hub in status and order list"
expect 0 --home "$S2" status
contains "$out" "县级中心派来 2 个新订单" "status says the new work"
expect 0 --home "$S2" --lang en status
contains "$out" "hub dispatched 2 new orders" "status in English"
expect 0 --home "$S2" order list
contains "$out" "待派单·县派" "order list marks them"
expect 0 --home "$S2" --json order list --from-hub
echo "$out" | pyjson "sorted(o['id'] for o in d['orders']) == sorted(['$n2', '$n3']) and all(o['from_hub'] for o in d['orders'])" \
	|| fail "order list --from-hub"
expect 0 --home "$S1" --json order show "$o2"
echo "$out" | pyjson "d['status'] == 'cancelled' and d['moved_to'] == '$n2'" || fail "一村 sees its order moved"

check "the history says it in words, not the hub's raw note"
expect 0 --home "$S2" order show "$n3"
contains "$out" "县级中心派来的订单" "the history of a sent order"
case $out in *"sent:"*) fail "the history shows the raw note: $out" ;; esac
expect 0 --home "$S2" order show "$n2"
contains "$out" "由订单 $o2 转来" "the history of a moved order"
expect 0 --home "$S1" --lang en order show "$o2"
contains "$out" "moved to station s0002 as order $n2" "the old order's history"
case $out in *"moved:"*) fail "the history shows the raw note: $out" ;; esac

check "二村 dispatches one: one new order left"
v2=$(cl --home "$S2" --json volunteer add --name 李娜 --phone 13800002222 | jget '["id"]')
cl --home "$S2" order dispatch "$n2" --volunteer "$v2" >/dev/null
expect 0 --home "$S2" --json status
echo "$out" | pyjson 'd["hub_new_orders"] == 1' || fail "status --json after a dispatch"
expect 0 --home "$HUB" --json status
echo "$out" | pyjson 'd["hub_new_orders"] == 0' || fail "the hub has no new work from itself"
echo "menu: ok"
