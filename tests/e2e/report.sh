#!/bin/sh
# SPDX-License-Identifier: MIT
# report.sh - county settings at the hub, the hub working on a station's
# orders, and the report as table, JSON and CSV.
. "$(dirname "$0")/lib.inc"
echo "report: settings and the county report"
H="$TMP/hub"
h() { cl --home "$H" "$@"; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

h init --station c01 --name 县志愿服务中心 --role hub >/dev/null
h station add --id t01 --name 东镇 --level town --parent c01 >/dev/null
h station add --id s0001 --name 东村 --parent t01 >/dev/null
h station add --id s0002 --name 西村 --parent t01 >/dev/null

check "settings: defaults 10 points per hour and 100/300/600/1000/1500 hours"
h settings show --json | pyjson 'd == {"points_per_hour": 10, "star_hours": [100, 300, 600, 1000, 1500]}'
check "settings set at the hub; bad thresholds refused"
expect 2 --home "$H" settings set --star-hours 1,2,3
expect 2 --home "$H" settings set --star-hours 5,4,3,2,1
h settings set --points-per-hour 20 --star-hours 1,2,3,4,5 --json | pyjson 'd["points_per_hour"] == 20 and d["star_hours"][0] == 1'

check "the hub records orders of two stations; ids are hub-*"
v1=$(h volunteer add --name 王伟 --phone 13800001234 --station s0001 --json | id)
v2=$(h volunteer add --name 李娜 --phone 13900005678 --station s0002 --json | id)
[ "$v1" = hub-v1 ] || fail "hub volunteer id is $v1"
h category add --name 维修 --json | pyjson 'd["station"] is None and d["id"] == "hub-c1"'
o1=$(h order add --station s0001 --category 助老 --detail 陪护 --json | id)
o2=$(h order add --station s0001 --category 维修 --detail 修灯 --json | id)
o3=$(h order add --station s0002 --category 助老 --detail 送餐 --json | id)
o4=$(h order add --station s0002 --category 助老 --detail 理发 --json | id)
h order dispatch "$o1" --volunteer "$v1" >/dev/null
h order done "$o1" --hours 2 --json | pyjson 'd["points"] == 40'
h order rate "$o1" --rating 5 >/dev/null
h order accept "$o3" --volunteer "$v2" >/dev/null
h order done "$o3" --hours 1.5 >/dev/null
h order rate "$o3" --rating 3 >/dev/null
h order cancel "$o4" --reason 老人住院 >/dev/null
h points redeem "$v1" --points 15 --item 肥皂 >/dev/null
h volunteer show "$v1" --json | pyjson 'd["stars"] == 2 and d["balance"] == 25'
h log "$o1" --json | pyjson 'all(e["scope"] == "s0001" for e in d["entries"] if e["table"] != "volunteers")'

check "report --by station --format json"
h report --format json | pyjson '
d["by"] == "station" and set(g) == {"s0001", "s0002"}
and g["s0001"]["name"] == "东村" and g["s0001"]["orders"] == 2 and g["s0001"]["rated"] == 1 and g["s0001"]["open"] == 1
and g["s0001"]["completion_rate"] == 0.5 and g["s0001"]["avg_rating"] == 5 and g["s0001"]["satisfied_share"] == 1
and g["s0001"]["hours"] == 2 and g["s0001"]["points_issued"] == 40 and g["s0001"]["points_redeemed"] == 15
and g["s0002"]["cancelled"] == 1 and g["s0002"]["satisfied_share"] == 0 and g["s0002"]["points_issued"] == 30
and d["total"]["orders"] == 4 and d["total"]["active_volunteers"] == 2 and d["total"]["hours"] == 3.5
and d["total"]["avg_rating"] == 4 and d["total"]["satisfied_share"] == 0.5'
check "report --by town, category, month"
h report --by town --json | pyjson '[g["key"] for g in d["groups"]] == ["t01"] and d["groups"][0]["name"] == "东镇" and d["groups"][0]["orders"] == 4'
h report --by category --format json | pyjson '
g["助老"]["orders"] == 3 and g["维修"]["orders"] == 1 and g["-"]["points_redeemed"] == 15
and g["法律"]["orders"] == 0 and g["法律"]["name"] is None'
h report --by month --format json | pyjson 'd["groups"][-1]["key"] == "2025-02" and d["groups"][-1]["orders"] == 4'

check "report --format csv: a BOM, Chinese headers, CRLF, one row per station and the total"
h report --format csv >"$TMP/r.csv"
python3 - "$TMP/r.csv" <<'PY'
import csv, sys
b = open(sys.argv[1], "rb").read()
assert b.startswith(b"\xef\xbb\xbf"), b[:8]
assert b.endswith(b"\r\n") and b.count(b"\n") == b.count(b"\r\n"), "CRLF line ends only"
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert [r["分组"] for r in rows] == ["s0001", "s0002", "合计"], rows
assert rows[2]["订单"] == "4" and rows[0]["发放积分"] == "40", rows
assert rows[0]["完成率"] == "50.0%", rows
PY
check "report --format csv with --lang en: English headers"
"$BIN" --lang en --home "$H" report --format csv >"$TMP/r-en.csv"
python3 - "$TMP/r-en.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert [r["group"] for r in rows] == ["s0001", "s0002", "total"], rows
assert rows[2]["orders"] == "4" and rows[0]["pts issued"] == "40", rows
PY
check "report table in Chinese and English"
expect 0 --home "$H" report
contains "$out" "完成率" "Chinese table heading"
contains "$out" "合计" "total row"
out=$(CUNLIAN_LANG=en "$BIN" --home "$H" report --by category)
contains "$out" "completion" "English table heading"
echo "report: ok"
