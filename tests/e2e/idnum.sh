#!/bin/sh
# SPDX-License-Identifier: MIT
# idnum.sh - resident ID numbers (issue 4): checked with their check
# character and refused saying what is wrong, kept only as a keyed hash and
# the last four, shown masked, never in lists, registered once; the station
# and the hub hash a number alike; and the number itself is in no database,
# WAL, bundle or output. Every search for it has a positive control: the
# same search finds a phone number written the same way.
. "$(dirname "$0")/lib.inc"
echo "idnum: resident ID numbers"
ID1=11010519491231002X # the example of GB 11643
ID1x=11010519491231002x
ID2=440524188001010014
ID3=320106199003071234
ID4=510108198511119875
BAD=110105194912310021 # ID1 with a wrong check character
H="$TMP/s1"
c() { cl --home "$H" "$@"; }
said="$TMP/said" # everything cunlian printed here, searched at the end
: >"$said"
keep() { printf '%s\n%s\n' "$out" "$err" >>"$said"; }
run() {
	expect "$@"
	keep
}
c init --station s0001 --name 东村服务站 >/dev/null

check "add with an ID number (x in lower case): show masks it, --json too; a key file of this node"
run 0 --home "$H" volunteer add --name 王伟 --phone 13800001234 --id-number "$ID1x"
contains "$out" "s0001-v1" "new id"
run 0 --home "$H" volunteer show s0001-v1
contains "$out" "**************002X" "masked: 14 stars and the last four"
run 0 --home "$H" volunteer show s0001-v1 --json
printf '%s' "$out" | pyjson 'd["id_number"] == "**************002X" and d["phone"] == "13800001234"'
[ "$(stat -c %a "$H/idnum.key")" = 600 ] || fail "idnum.key is not mode 600"
[ "$(stat -c %s "$H/idnum.key")" = 32 ] || fail "idnum.key is not 32 bytes"
run 0 --home "$H" volunteer add --name 李娜 --phone 13900005678
run 0 --home "$H" volunteer show s0001-v2 --json
printf '%s' "$out" | pyjson 'd["id_number"] is None'
run 0 --home "$H" volunteer show s0001-v2
contains "$out" "身份证号  -" "no ID number shown as -"

check "lists and the log: no ID number in any form, phones masked"
run 0 --home "$H" volunteer list
contains "$out" "138****1234" "phone masked in the list"
case $out in *002X* | *13800001234*) fail "the list shows an ID number or a full phone: $out" ;; esac
run 0 --home "$H" volunteer list --json
printf '%s' "$out" | pyjson 'all("id_number" not in v and "id_hash" not in v and "****" in v["phone"] for v in d["volunteers"])'
case $out in *002X*) fail "the JSON list shows an ID number: $out" ;; esac
run 0 --home "$H" log
contains "$out" "phone=138****1234" "the log masks phones"
case $out in *13800001234*) fail "the log shows a full phone: $out" ;; esac

check "a wrong check character, a short number, a letter: exit 2, what is wrong, nothing written"
before=$(c digest)
run 2 --home "$H" volunteer add --name 赵六 --phone 13700000001 --id-number "$BAD"
contains "$err" "校验位" "names the check character"
run 2 --home "$H" volunteer add --name 赵六 --phone 13700000001 --id-number 1101051949123100
contains "$err" "输入的是 16 位" "says how many characters"
run 2 --home "$H" volunteer add --name 赵六 --phone 13700000001 --id-number 1101051949a231002X
contains "$err" "第 11 位" "names the bad character's position"
run 2 --home "$H" volunteer set s0001-v2 --id-number "$BAD"
[ "$(c digest)" = "$before" ] || fail "a refused ID number changed the replica"
c volunteer list --json | pyjson 'len(d["volunteers"]) == 2'

check "English with CUNLIAN_LANG=en (a station's own language is Chinese whatever LANG says)"
export CUNLIAN_LANG=en
run 2 --home "$H" volunteer add --name 赵六 --phone 13700000001 --id-number "$BAD"
contains "$err" "error: the last character of the ID number (its check character) does not match" "English"
run 3 --home "$H" volunteer add --name 赵六 --phone 13700000001 --id-number "$ID1"
contains "$err" "the ID number ending in 002X is already registered to 王伟 (s0001-v1)" "English duplicate"
unset CUNLIAN_LANG

check "a number already registered (typed with spaces, or on another volunteer): exit 3, names who holds it"
run 3 --home "$H" volunteer add --name 赵六 --phone 13700000001 --id-number "110105 19491231 002X"
contains "$err" "s0001-v1" "names the volunteer who holds it"
contains "$err" "尾号 002X" "the last four only"
run 3 --home "$H" volunteer set s0001-v2 --id-number "$ID1"
contains "$err" "s0001-v1" "set: names the volunteer who holds it"
[ "$(c digest)" = "$before" ] || fail "a refused duplicate changed the replica"

check "set: a number, the same number again on the same volunteer, \"\" clears it"
run 0 --home "$H" volunteer set s0001-v2 --id-number "$ID2"
run 0 --home "$H" volunteer show s0001-v2 --json
printf '%s' "$out" | pyjson 'd["id_number"] == "**************0014"'
run 0 --home "$H" volunteer set s0001-v2 --id-number "$ID2"
run 0 --home "$H" volunteer set s0001-v2 --id-number ""
run 0 --home "$H" volunteer show s0001-v2 --json
printf '%s' "$out" | pyjson 'd["id_number"] is None'
run 0 --home "$H" volunteer set s0001-v2 --id-number "$ID2"

check "import: a bad id_number on line 3 imports nothing and names the line"
printf 'name,phone,id_number\n张三,13700000011,%s\n李四,13700000012,%s\n' "$ID3" "$BAD" >"$TMP/bad.csv"
before=$(c digest)
run 2 --home "$H" volunteer import "$TMP/bad.csv"
contains "$err" "第 3 行" "line number of the bad row"
contains "$err" "校验位" "what is wrong with it"
contains "$err" "没有导入" "nothing imported"
[ "$(c digest)" = "$before" ] || fail "a failed import changed the replica"
c volunteer list --json | pyjson 'len(d["volunteers"]) == 2'

check "import: a number repeated in the file, and one registered already: exit 3, both lines named"
printf '姓名,电话,身份证号\n张三,13700000011,%s\n李四,13700000012,%s\n王五,13700000013,%s\n' \
	"$ID3" "$ID3" "$ID1x" >"$TMP/dup.csv"
run 3 --home "$H" volunteer import "$TMP/dup.csv"
contains "$err" "第 3 行：尾号 1234 的身份证号与第 2 行重复" "repeated in the file"
contains "$err" "第 4 行：尾号 002X 的身份证号已登记给 王伟（s0001-v1）" "registered already"
[ "$(c digest)" = "$before" ] || fail "a refused import changed the replica"

check "import: a good file, one row with a number and one without"
printf 'name,phone,id_number\n张三,13700000011,%s\n李四,13700000012,\n' "$ID3" >"$TMP/good.csv"
run 0 --home "$H" volunteer import "$TMP/good.csv" --json
printf '%s' "$out" | pyjson 'd["ids"] == ["s0001-v3", "s0001-v4"]'
run 0 --home "$H" volunteer show s0001-v3 --json
printf '%s' "$out" | pyjson 'd["id_number"] == "**************1234"'
run 0 --home "$H" volunteer show s0001-v4 --json
printf '%s' "$out" | pyjson 'd["id_number"] is None'

check "the WAL: a write while another connection holds the database leaves its pages there"
python3 -c 'import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1])
c.execute("SELECT count(*) FROM volunteers").fetchall()
open(sys.argv[2], "w").close()
time.sleep(30)' "$H/replica.db" "$TMP/holding" &
holder=$!
n=0
while [ ! -e "$TMP/holding" ] && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
run 0 --home "$H" volunteer add --name 孙七 --phone 13700000021 --id-number "$ID4"
[ -s "$H/replica.db-wal" ] || fail "no WAL to search"
grep -aq 13700000021 "$H/replica.db-wal" || fail "the phone written with it is not in the WAL: the search sees nothing"
cp "$H/replica.db-wal" "$TMP/s1.wal"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true

check "enrolled: the station hashes with its scope's key (no key file), the hub hashes alike"
HUB="$TMP/hub"
S2="$TMP/s2"
county "$HUB"
enrolled "$HUB" "$S2" s0002 西村服务站
run 0 --home "$S2" volunteer add --name 周八 --phone 13600000001 --id-number "$ID1"
[ ! -e "$S2/idnum.key" ] || fail "an enrolled station made a key file of its own"
run 0 --home "$S2" bundle export "$TMP/s2.bundle"
run 0 --home "$HUB" bundle import "$TMP/s2.bundle"
run 0 --home "$HUB" volunteer show s0002-v1 --json
printf '%s' "$out" | pyjson 'd["id_number"] == "**************002X"'
run 3 --home "$HUB" volunteer add --station s0002 --name 吴九 --phone 13600000002 --id-number "$ID1x"
contains "$err" "s0002-v1" "the hub's hash of the number is the station's"
run 0 --home "$HUB" volunteer add --station s0002 --name 吴九 --phone 13600000002 --id-number "$ID2"
[ ! -e "$HUB/idnum.key" ] || fail "the hub made a key file of its own"
grep -aq 13600000001 "$HUB/replica.db" || fail "the hub's database does not show the merged phone: the search sees nothing"

check "a bundle of the demo station, carried by another node, holds no ID number"
run 0 --home "$H" bundle export "$TMP/s1.bundle"
R="$TMP/relay"
cl --home "$R" init --station s0009 --name 中转站 >/dev/null
run 0 --home "$R" bundle import "$TMP/s1.bundle"
grep -aq 13700000021 "$R/replica.db" || fail "the carried commits are not readable in the relay: the search sees nothing"

check "the full ID number is nowhere: databases, WALs, bundles, key files, everything printed"
run 0 --home "$H" log --json
run 0 --home "$HUB" log --json
run 0 --home "$S2" log --json
grep -aq 13800001234 "$H/replica.db" || fail "the search does not see the station's database"
for id in "$ID1" "$ID1x" "$ID2" "$ID3" "$ID4" 11010519491231002 44052418800101001 32010619900307123 \
	51010819851111987; do
	hits=$(grep -ral -- "$id" "$H" "$S2" "$HUB" "$R" "$TMP/s1.wal" "$TMP/s1.bundle" "$TMP/s2.bundle" \
		"$said" || true)
	[ -z "$hits" ] || fail "the ID number $id is in: $hits"
done
echo "idnum: ok"
