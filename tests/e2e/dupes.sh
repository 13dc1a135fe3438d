#!/bin/sh
# SPDX-License-Identifier: MIT
# dupes.sh - one person registered at two stations (issue 13 part 7): each
# station hashes ID numbers with its own key, so only the county ID key
# (sealed to each station board by enroll sign) lets the hub find them.
# The hub's report --duplicates lists exactly the pair; a station's is
# refused; the hub warns when it registers a number held at another
# station; no station sees another's volunteers; the number and its
# hashes are in no file or output (with positive controls).
. "$(dirname "$0")/lib.inc"
echo "dupes: duplicate people across stations"
ID1=11010519491231002X
ID2=440524188001010014
ID3=320106199003071234
ID4=510108198511119875
HUB="$TMP/hub" S1="$TMP/s1" S2="$TMP/s2"
said="$TMP/said" # everything cunlian printed, searched at the end
: >"$said"
run() {
	expect "$@"
	printf '%s\n%s\n' "$out" "$err" >>"$said"
}
# carry FROM TO [FOR]: a bundle from one home imported at another
carry() {
	cl --home "$1" bundle export "$TMP/carry.bundle" ${3:+--for "$3"} >/dev/null
	cp "$TMP/carry.bundle" "$TMP/kept.$(basename "$1").$(basename "$2").bundle"
	run 0 --home "$2" bundle import "$TMP/carry.bundle"
}

county "$HUB"
enrolled "$HUB" "$S1" s0001 东村服务站
enrolled "$HUB" "$S2" s0002 西村服务站

check "the stations learn the county ID key from the hub's feed (enroll sign sealed it to them)"
carry "$HUB" "$S1" s0001
carry "$HUB" "$S2" s0002
run 0 --home "$HUB" --json enroll keys
printf '%s' "$out" | pyjson 'd["given"] == 0 and d["had"] == 2'
run 3 --home "$S1" enroll keys

check "the same number at both stations: each accepts it (neither sees the other)"
run 0 --home "$S1" volunteer add --name 王伟 --phone 13800001001 --id-number "$ID1"
contains "$out" "s0001-v1" "s1's volunteer"
run 0 --home "$S1" volunteer add --name 李娜 --phone 13800001002 --id-number "$ID3"
run 0 --home "$S2" volunteer add --name 王伟 --phone 13900002001 --id-number "$ID1"
contains "$out" "s0002-v1" "s2's volunteer"
case $err in *s0001*) fail "station s2 was told about s1's volunteer: $err" ;; esac
run 0 --home "$S2" volunteer add --name 赵强 --phone 13900002002 --id-number "$ID2"
# within one station the refusal stays
run 3 --home "$S2" volunteer add --name 王伟二 --phone 13900002003 --id-number "$ID1"
contains "$err" "s0002-v1" "the station refuses its own duplicate"

check "a station's duplicates report is refused: only the hub sees every station"
run 3 --home "$S1" report --duplicates
contains "$err" "县级中心" "says it is the hub's"
run 3 --home "$S2" report --duplicates --json

check "both stations' bundles for the hub: the hub lists exactly the pair, masked"
carry "$S1" "$HUB" hub
carry "$S2" "$HUB" hub
run 0 --home "$HUB" report --duplicates --json
printf '%s' "$out" | pyjson 'd["count"] == 1 and len(d["duplicates"]) == 1 and d["duplicates"][0]["id_number"] == "**************002X" and sorted((v["id"], v["station"]) for v in d["duplicates"][0]["volunteers"]) == [("s0001-v1", "s0001"), ("s0002-v1", "s0002")] and d["uncovered"] == 0'
run 0 --home "$HUB" report --duplicates
contains "$out" "s0001-v1" "the table names s1's volunteer"
contains "$out" "s0002-v1" "the table names s2's volunteer"
contains "$out" "**************002X" "the table masks the number"
contains "$out" "1 个身份证号" "Chinese by default"
case $out in *s0001-v2* | *s0002-v2*) fail "a number held once is listed: $out" ;; esac
CUNLIAN_LANG=en run 0 --home "$HUB" report --duplicates
contains "$out" "ID number" "English with LANG"
run 2 --home "$HUB" report --duplicates --by town

check "the hub registers a number held at another station: a warning naming it, not a refusal"
run 0 --home "$HUB" volunteer add --station s0001 --name 赵强 --phone 13700003001 --id-number "$ID2"
contains "$err" "s0002" "names the other station"
contains "$err" "s0002-v2" "names the other volunteer"
contains "$err" "0014" "names the last four"
run 0 --home "$HUB" volunteer add --station s0001 --name 孙丽 --phone 13700003002 --id-number "$ID4"
[ -z "$err" ] || fail "a warning for a number held nowhere else: $err"
run 0 --home "$HUB" report --duplicates --json
printf '%s' "$out" | pyjson 'd["count"] == 2 and sum(len(g["volunteers"]) for g in d["duplicates"]) == 4'
printf 'name,phone,id_number\n周敏,13700003003,%s\n' "$ID3" >"$TMP/s2.csv"
run 0 --home "$HUB" volunteer import "$TMP/s2.csv" --station s0002
contains "$err" "第 2 行" "an import names the line"
contains "$err" "s0001-v2" "and the volunteer of the other station"
rm "$TMP/s2.csv"
run 0 --home "$HUB" report --duplicates --json
printf '%s' "$out" | pyjson 'd["count"] == 3'

check "no station sees another's volunteers, though it carries their commits"
carry "$HUB" "$S1" s0001
carry "$HUB" "$S2"
run 4 --home "$S1" volunteer show s0002-v1
run 4 --home "$S2" volunteer show s0001-v1
run 0 --home "$S1" volunteer list
case $out in *s0002-* | *139****200*) fail "station s1 lists s2's volunteers: $out" ;; esac
contains "$out" "孙丽" "s1 got the hub's registrations for it"
grep -aq 13800001001 "$S1/replica.db" || fail "the search does not see s1's database"
grep -aq 13900002001 "$S1/replica.db" && fail "s1's database holds s2's volunteer in plain form"
grep -aq 13800001001 "$S2/replica.db" && fail "s2's database holds s1's volunteer in plain form"

check "the numbers and their hashes are nowhere: databases, bundles, key files, everything printed"
grep -aq 13800001001 "$HUB/replica.db" || fail "the search does not see the hub's database"
hashes=$(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for h, k in c.execute("SELECT id_hash, id_chash FROM volunteers"):
    print(h); print(k)' "$HUB/replica.db")
[ -n "$hashes" ] || fail "no hashes read"
for id in "$ID1" "$ID2" "$ID3" "$ID4" $hashes; do
	hits=$(grep -ral -- "$id" "$HUB" "$S1" "$S2" "$TMP"/kept.*.bundle "$said" 2>/dev/null | grep -v '/replica.db' || true)
	[ -z "$hits" ] || fail "$id found in: $hits"
done
for id in "$ID1" "$ID2" "$ID3" "$ID4"; do
	grep -raq -- "$id" "$HUB" "$S1" "$S2" && fail "the number ending ${id#??????????????} is stored"
done
echo "dupes: ok"
