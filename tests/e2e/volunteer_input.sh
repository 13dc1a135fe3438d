#!/bin/sh
# SPDX-License-Identifier: MIT
# volunteer_input.sh - what people type for volunteers (issue 14): names
# with a C1 control (U+0085) or only blanks are refused and say why;
# --skill is one skill, literally (% and _ are not wildcards); importing
# a folder says it is a folder; what was typed is echoed with control
# characters escaped and cut short; a volunteer is named by id, name or
# phone, and several matches are listed, never guessed.
. "$(dirname "$0")/lib.inc"
echo "volunteer_input: names, skills, folders, echoes, finding people"
H="$TMP/s1"
c() { cl --home "$H" "$@"; }
c init --station s0001 --name 东村服务站 >/dev/null
c volunteer add --name 王秀英 --phone 13800001111 --skills 维修 >/dev/null
c volunteer add --name 李四 --phone 13800002222 --skills a_b,100% >/dev/null
before=$(c digest)

check "a name holding U+0085 (NEL) is refused, nothing written"
expect 2 --home "$H" volunteer add --name "$(printf '张\302\205三')" --phone 13700000001
contains "$err" "无效" "the name is called not valid"
expect 2 --home "$H" volunteer set s0001-v1 --name "$(printf '王\302\205秀英')"
[ "$(c digest)" = "$before" ] || fail "a refused name changed the replica"

check "a name of only blanks (space, U+3000) is refused as such"
for blank in " " "　" "　 　"; do
	expect 2 --home "$H" volunteer add --name "$blank" --phone 13700000002
	contains "$err" "只有空格" "the message says the name is only blanks"
done
expect 2 --home "$H" volunteer set s0001-v1 --name "　"
contains "$err" "只有空格" "set refuses a blank name too"
printf '姓名,电话\n　,13700000003\n' >"$TMP/blank.csv"
expect 2 --home "$H" volunteer import "$TMP/blank.csv"
contains "$err" "第 2 行" "the import names the line of the blank name"
contains "$err" "只有空格" "and says it is only blanks"
[ "$(c digest)" = "$before" ] || fail "a refused blank name changed the replica"

check "--skill is matched literally: % and _ match nothing, a_b and 100% themselves"
n() { c volunteer list --skill "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["volunteers"]))'; }
[ "$(n %)" -eq 0 ] || fail "--skill % matched $(n %) volunteers"
[ "$(n _)" -eq 0 ] || fail "--skill _ matched $(n _) volunteers"
[ "$(n 'a%')" -eq 0 ] || fail "--skill a% matched $(n 'a%') volunteers"
[ "$(n a_b)" -eq 1 ] || fail "--skill a_b matched $(n a_b) volunteers"
[ "$(n 100%)" -eq 1 ] || fail "--skill 100% matched $(n 100%) volunteers"
[ "$(n 维修)" -eq 1 ] || fail "--skill 维修 matched $(n 维修) volunteers"

check "importing a folder says it is a folder and what to give instead"
mkdir -p "$TMP/名单"
expect 2 --home "$H" volunteer import "$TMP/名单"
contains "$err" "文件夹" "the message says it is a folder"
contains "$err" ".csv" "and asks for the CSV file in it"
case $err in *太大* | *上限*) fail "a folder is called too big: $err" ;; esac

check "typed input is echoed with control characters escaped and cut short"
esc=$(printf 'a\033[31mred\033[0m')
expect 2 --home "$H" volunteer add --name "$esc" --phone 13700000004
case $err in *"$(printf '\033')"*) fail "the escape character reached the terminal: $err" ;; esac
contains "$err" '\x1b[31mred' "the escape is written as \\x1b"
expect 2 --home "$H" volunteer add --name 王五 --phone "$(printf '137\033]0;x\007')"
case $err in *"$(printf '\033')"* | *"$(printf '\007')"*) fail "a control character reached the terminal: $err" ;; esac
long=$(python3 -c 'print("长" * 200)')
expect 2 --home "$H" volunteer add --name "$long" --phone 13700000005
contains "$err" "..." "a long name is cut"
[ "$(printf '%s' "$err" | wc -c)" -lt 600 ] || fail "a 600-byte name was echoed whole: $err"
printf '姓名,电话,%s\n张三,13700000006,x\n' "$esc" >"$TMP/esc.csv"
expect 2 --home "$H" volunteer import "$TMP/esc.csv"
case $err in *"$(printf '\033')"*) fail "the escape in a column name reached the terminal: $err" ;; esac
contains "$err" '\x1b' "the column name is echoed escaped"
[ "$(c digest)" = "$before" ] || fail "a refused input changed the replica"

check "volunteer show and set name a volunteer by id, name or phone"
for who in s0001-v1 王秀英 13800001111 138-0000-1111; do
	expect 0 --home "$H" volunteer show "$who" --json
	echo "$out" | pyjson 'd["id"] == "s0001-v1" and d["name"] == "王秀英"' || fail "show $who"
done
expect 0 --home "$H" volunteer set 13800001111 --team 红星队
expect 0 --home "$H" volunteer show 王秀英 --json
echo "$out" | pyjson 'd["team"] == "红星队"' || fail "set by phone did not change s0001-v1"
expect 4 --home "$H" volunteer show 王二麻子
contains "$err" "王二麻子" "not found names what was typed"

check "two volunteers share a name: the candidates are listed, nothing is guessed"
c volunteer add --name 王秀英 --phone 13800003333 >/dev/null
before=$(c digest)
expect 3 --home "$H" volunteer show 王秀英
contains "$err" "s0001-v1" "the first candidate is listed"
contains "$err" "s0001-v3" "the second candidate is listed"
[ -z "$out" ] || fail "an ambiguous name showed someone: $out"
expect 3 --home "$H" volunteer set 王秀英 --status paused
contains "$err" "s0001-v3" "set lists the candidates too"
[ "$(c digest)" = "$before" ] || fail "an ambiguous set changed the replica"
expect 0 --home "$H" volunteer show 13800003333 --json
echo "$out" | pyjson 'd["id"] == "s0001-v3"' || fail "the phone picks the second one"

echo "volunteer_input: ok"
