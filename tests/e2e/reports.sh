#!/bin/sh
# SPDX-License-Identifier: MIT
# reports.sh - what administrators ask of reports and lists (issue 17),
# through the binary, at a station and at the hub after a bundle: days
# (--from/--to, a bad date or a reversed range refused with exit 2 and
# nothing changed), search and pages of order and volunteer lists, the
# report by volunteer with registered and active volunteers and wishes,
# and CSV that Excel on Chinese Windows opens (a BOM, headings in the
# person's language, CRLF, formulas guarded).
. "$(dirname "$0")/lib.inc"
echo "reports: days, search, pages, grouping and CSV"
HUB=$TMP/hub S1=$TMP/s1
county "$HUB"
enrolled "$HUB" "$S1" s0001 一村 --parent c01
jget() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
DAY=79200000 # 22 hours: to the next day, within the clock's bound (app/clock.c)

check "a station registers volunteers and takes orders on two days (2025-02-28, 2025-03-01), one a wish"
v1=$(cl --home "$S1" --json volunteer add --name 王伟 --phone 13800001111 | jget '["id"]')
v2=$(cl --home "$S1" --json volunteer add --name '=1+2' --phone 139-0000-2222 | jget '["id"]')
o1=$(cl --home "$S1" --json order add --category 助老 --detail 买降压药 --requester 张大爷 | jget '["id"]')
cl --home "$S1" order dispatch "$o1" --volunteer "$v1" >/dev/null
cl --home "$S1" order done "$o1" --hours 2 >/dev/null
echo $(($(cat "$TMP/now") + DAY)) >"$TMP/now"
o2=$(cl --home "$S1" --json order add --category 其他 --detail '修电视, "天线"' | jget '["id"]')
o3=$(cl --home "$S1" --json wish add --what 一个书包 | jget '["id"]')
cl --home "$S1" wish claim "$o3" --volunteer "$v2" >/dev/null
cl --home "$S1" wish done "$o3" --note 送到了 --hours 1 >/dev/null
v3=$(cl --home "$S1" --json volunteer add --name 李娜 --phone 13700003333 | jget '["id"]')

check "order list --from/--to: the days placed, both ends included"
cl --home "$S1" --json order list --from 2025-02-28 --to 2025-02-28 | pyjson '[o["id"] for o in d["orders"]] == ["'"$o1"'"]'
# typed on a Chinese keyboard in full-width mode: the same days
cl --home "$S1" --json order list --from ２０２５－０２－２８ --to ２０２５-02-28 | pyjson '[o["id"] for o in d["orders"]] == ["'"$o1"'"]' ||
	fail "full-width digits in --from/--to"
cl --home "$S1" --json order list --from 2025-03-01 | pyjson 'len(d["orders"]) == 2'
cl --home "$S1" --json order list --to 2025-02-27 | pyjson 'd["orders"] == []'
check "volunteer list --from/--to: registered in the range"
cl --home "$S1" --json volunteer list --from 2025-03-01 --to 2025-03-01 | pyjson '[v["id"] for v in d["volunteers"]] == ["'"$v3"'"]'

check "a bad date, or from after to: exit 2, a clear message, nothing changed"
before=$(cl --home "$S1" digest)
expect 2 --home "$S1" order list --from 2025-02-30
contains "$err" "--from 2025-02-30 不是日期：请写成 2026-12-01 这样" "a bad day says how to write one"
expect 2 --home "$S1" report --from 2025-03-01 --to 2025-02-28
contains "$err" "开始日期 2025-03-01 在结束日期 2025-02-28 之后" "a reversed range says so"
expect 2 --home "$S1" --lang en volunteer list --to 3/1/2025
contains "$err" "--to 3/1/2025 is not a date: write it as 2026-12-01" "in English too"
expect 2 --home "$S1" points history "$v1" --from 2025-13-01
expect 2 --home "$S1" report --top --to yesterday
expect 2 --home "$S1" order list --limit -5
contains "$err" "--limit -5 无效" "a bad limit"
expect 2 --home "$S1" order list --format xml
[ "$(cl --home "$S1" digest)" = "$before" ] || fail "a refused list changed the replica"

check "order list --search (detail, requester, category) with --status"
cl --home "$S1" --json order list --search 药 | pyjson '[o["id"] for o in d["orders"]] == ["'"$o1"'"]'
cl --home "$S1" --json order list --search 张大爷 | pyjson '[o["id"] for o in d["orders"]] == ["'"$o1"'"]'
cl --home "$S1" --json order list --search 书包 --status done | pyjson '[o["id"] for o in d["orders"]] == ["'"$o3"'"]'
cl --home "$S1" --json order list --search 书包 --status open | pyjson 'd["orders"] == []'
check "volunteer list --search (name, phone as typed with dashes)"
cl --home "$S1" --json volunteer list --search 0000-2222 | pyjson '[v["id"] for v in d["volunteers"]] == ["'"$v2"'"]'
cl --home "$S1" --json volunteer list --search 王 | pyjson '[v["id"] for v in d["volunteers"]] == ["'"$v1"'"]'

check "order list --format csv: a BOM, Chinese headings, CRLF, the whole detail quoted"
cl --home "$S1" order list --format csv >"$TMP/o.csv"
python3 - "$TMP/o.csv" <<'EOF' || fail "order list csv"
import csv, sys
b = open(sys.argv[1], "rb").read()
assert b.startswith(b"\xef\xbb\xbf"), b[:8]
assert b.count(b"\n") == b.count(b"\r\n") == 4, b
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert rows[0][:4] == ["编号", "状态", "类别", "内容"], rows[0]
assert rows[2][3] == '修电视, "天线"', rows[2]
EOF
check "volunteer list --format csv: a name like a formula is shown, never run"
cl --home "$S1" volunteer list --format csv >"$TMP/v.csv"
grep -q "^$v2,'=1+2,139\*\*\*\*2222," "$TMP/v.csv" || fail "the formula name is not guarded: $(cat "$TMP/v.csv")"
cl --home "$S1" --lang en volunteer list --format csv | head -1 | grep -q "^.\{0,3\}id,name,phone" || fail "English CSV headings"

check "pages: 120 volunteers more, --limit 50 --page 3, and a page past the end"
python3 - "$TMP/many.csv" <<'EOF'
import sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("姓名,电话\n")
    for i in range(120):
        f.write("志愿者%d,1350000%04d\n" % (i, i))
EOF
cl --home "$S1" volunteer import "$TMP/many.csv" >/dev/null
expect 0 --home "$S1" volunteer list --limit 50 --page 3
contains "$out" "显示第 101-123 条，共 123 条" "the last page says which rows"
[ "$(echo "$out" | grep -c -- '-v')" -eq 23 ] || fail "page 3 holds $(echo "$out" | grep -c -- '-v') rows"
expect 0 --home "$S1" volunteer list --limit 50
contains "$out" "显示第 1-50 条，共 123 条；下一页：--page 2" "the first page says how to see more"
expect 0 --home "$S1" --lang en volunteer list --limit 50 --page 2
contains "$out" "showing 51-100 of 123, --page 3 for more" "in English"
expect 0 --home "$S1" volunteer list --limit 50 --page 9
contains "$out" "第 9 页没有内容：共 123 条，每页 50 条" "a page past the end"
cl --home "$S1" --json volunteer list --limit 10 --page 2 --search 志愿者 | pyjson '
d["total"] == 120 and d["offset"] == 10 and d["limit"] == 10 and len(d["volunteers"]) == 10'
[ "$(cl --home "$S1" volunteer list | grep -c -- '-v')" -eq 123 ] || fail "a pipe gets every row"
[ "$(cl --home "$S1" volunteer list --page 3 | grep -c -- '-v')" -eq 23 ] || fail "--page alone pages by 50, on a pipe too"

check "points history --from/--to: the rows of the range, the whole balance"
cl --home "$S1" --json points history "$v1" --from 2025-03-01 | pyjson 'd["entries"] == [] and d["balance"] == 20 and d["range_sum"] == 0'
cl --home "$S1" --json points history "$v1" --to 2025-02-28 | pyjson 'len(d["entries"]) == 1 and d["range_sum"] == 20'

check "carried to the hub: report --by volunteer over a day, registered and active volunteers, wishes"
cl --home "$S1" bundle export "$TMP/c.bundle" >/dev/null
expect 0 --home "$HUB" --json bundle import "$TMP/c.bundle"
echo "$out" | pyjson 'd["refused"] == 0' || fail "the hub refused commits"
cl --home "$HUB" --json report --by volunteer --from 2025-03-01 --to 2025-03-01 >"$TMP/r.json"
python3 - "$TMP/r.json" "$v2" <<'EOF' || fail "report --by volunteer at the hub"
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["key"]: x for x in d["groups"]}
v = g[sys.argv[2]]
assert set(g) == {"-", sys.argv[2]}, g
assert v["name"] == "=1+2" and v["wishes_done"] == 1 and v["hours"] == 1 and v["points_issued"] == 10, v
t = d["total"]
assert t["orders"] == 2 and t["wishes"] == 1 and t["active_volunteers"] == 1, t
assert t["new_volunteers"] == 121 and t["registered_volunteers"] == 123 and d["from"] == "2025-03-01", t
EOF
cl --home "$HUB" --json report | pyjson '
d["total"]["orders"] == 3 and d["total"]["active_volunteers"] == 2 and d["groups"][0]["registered_volunteers"] == 123'

check "report CSV at the hub: Chinese, and English with --lang en; the formula name guarded"
cl --home "$HUB" report --by volunteer --format csv >"$TMP/r.csv"
python3 - "$TMP/r.csv" "$v2" <<'EOF' || fail "report csv"
import csv, sys
b = open(sys.argv[1], "rb").read()
assert b.startswith(b"\xef\xbb\xbf") and b.endswith(b"\r\n") and b.count(b"\n") == b.count(b"\r\n")
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
r = {x["分组"]: x for x in rows}
assert r[sys.argv[2]]["名称"] == "'=1+2", r[sys.argv[2]]
assert r["合计"]["微心愿"] == "1" and r["合计"]["注册志愿者"] == "123" and r["合计"]["活跃志愿者"] == "2", r["合计"]
EOF
"$BIN" --lang en --home "$HUB" report --format csv | head -1 | grep -q "group,name,orders" || fail "English CSV headings"
LANG=en_US.UTF-8 CUNLIAN_LANG=en "$BIN" --home "$HUB" report --by month --format csv | head -1 | grep -q "group,name,orders" || fail "CUNLIAN_LANG=en CSV headings"
echo "reports: ok"
