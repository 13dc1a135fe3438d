#!/bin/sh
# SPDX-License-Identifier: MIT
# import.sh - CSV import is all or nothing: a bad row or a duplicate phone
# imports nothing and names the line; a good file imports every row in one
# commit when it is small (a large one: import_big.sh).
. "$(dirname "$0")/lib.inc"
echo "import: volunteer import from CSV"
H="$TMP/s1"
c() { cl --home "$H" "$@"; }
c init --station s0001 --name 东村服务站 >/dev/null
c volunteer add --name 王伟 --phone 13800001234 >/dev/null

check "a bad phone on line 3: exit 2, line number reported, nothing imported"
printf 'name,phone,team,skills\n张三,13700000001,二队,"助老,维修"\n李四,1370000000x,,\n' >"$TMP/bad.csv"
before=$(c digest)
expect 2 --home "$H" volunteer import "$TMP/bad.csv"
contains "$err" "第 3 行" "line number of the bad row"
contains "$err" "没有导入" "nothing imported"
[ "$(c digest)" = "$before" ] || fail "a failed import changed the replica"
c volunteer list --json | pyjson 'len(d["volunteers"]) == 1'

check "a phone already registered, and one repeated in the file: exit 3, both lines named"
printf '姓名,电话\n张三,13700000001\n王五,13800001234\n赵六,13700000001\n' >"$TMP/dup.csv"
expect 3 --home "$H" volunteer import "$TMP/dup.csv"
contains "$err" "第 3 行" "duplicate of a registered phone"
contains "$err" "s0001-v1" "names the registered volunteer"
contains "$err" "第 4 行" "duplicate inside the file"
[ "$(c digest)" = "$before" ] || fail "a refused import changed the replica"

check "an unclosed quote, a wrong header, a file in GBK: nothing imported"
printf 'name,phone\n"张三,13700000001\n' >"$TMP/quote.csv"
expect 2 --home "$H" volunteer import "$TMP/quote.csv"
printf 'name,mobile\n张三,13700000001\n' >"$TMP/head.csv"
expect 2 --home "$H" volunteer import "$TMP/head.csv"
contains "$err" "mobile" "unknown column named"
printf 'name,phone\n\325\305\310\375,13700000001\n' >"$TMP/gbk.csv"
expect 2 --home "$H" volunteer import "$TMP/gbk.csv"
contains "$err" "UTF-8" "encoding advice"
expect 4 --home "$H" volunteer import "$TMP/missing.csv"
[ "$(c digest)" = "$before" ] || fail "a refused import changed the replica"

check "a good file (BOM, CRLF, quoted skills, blank line) imports every row in one commit"
printf '\357\273\277姓名,电话,队伍,技能\r\n张三,137 0000 0001,二队,"助老，维修"\r\n\r\n李四,13700000002,,\r\n' >"$TMP/good.csv"
seq_before=$(c status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["own_commits"])')
c volunteer import "$TMP/good.csv" --json | pyjson 'd["imported"] == 2 and d["ids"] == ["s0001-v2", "s0001-v3"]'
seq_after=$(c status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["own_commits"])')
[ $((seq_after - seq_before)) -eq 1 ] || fail "import took $((seq_after - seq_before)) commits, want 1"
c volunteer show s0001-v2 --json | pyjson 'd["phone"] == "13700000001" and d["team"] == "二队" and d["skills"] == ["助老", "维修"]'

check "importing the same file again: every row is a duplicate, nothing imported"
expect 3 --home "$H" volunteer import "$TMP/good.csv"
c volunteer list --json | pyjson 'len(d["volunteers"]) == 3'
echo "import: ok"
