#!/bin/sh
# SPDX-License-Identifier: MIT
# order_find.sh - naming a volunteer by id, phone or name wherever orders
# and points name one; two of one name are listed, never guessed (exit 3,
# nothing written); numbers typed on a Chinese keyboard (full-width
# digits) are read, hex is refused (issue 14); an empty name or category
# says what to write (issue 17).
. "$(dirname "$0")/lib.inc"
echo "order_find: volunteers by name or phone, full-width numbers"
H="$TMP/s1"
c() { cl --home "$H" "$@"; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

# refused CODE ARGS: exit status CODE and an unchanged digest.
refused() {
	want=$1
	shift
	before=$(c digest)
	expect "$want" --home "$H" "$@"
	[ -n "$err" ] || fail "cunlian $*: refused without a message"
	[ "$before" = "$(c digest)" ] || fail "cunlian $*: the replica changed although it was refused"
}

c init --station s0001 --name 东村服务站 >/dev/null
c volunteer add --name 王秀英 --phone 13800001111 >/dev/null
c volunteer add --name 李娜 --phone 13900005678 >/dev/null

check "order dispatch --volunteer NAME and --volunteer PHONE"
o=$(c order add --category 助老 --detail 陪老人散步 --json | id)
expect 0 --home "$H" order dispatch "$o" --volunteer 王秀英
contains "$out" "s0001-v1" "dispatch by name names the id"
c order show "$o" --json | pyjson 'd["volunteer"] == "s0001-v1"'
expect 0 --home "$H" order accept "$o" --volunteer 139-0000-5678
c order show "$o" --json | pyjson 'd["status"] == "accepted" and d["volunteer"] == "s0001-v2"'

check "--hours 0x10 is refused (exit 2); full-width digits are read"
refused 2 order done "$o" --hours 0x10
contains "$err" "0x10" "the bad hours named"
refused 2 order done "$o" --hours 1e1
c order done "$o" --hours １．５ --json | pyjson 'd["hours"] == 1.5 and d["points"] == 15'
c order rate "$o" --rating ５ --json | pyjson 'd["rating"] == 5'

check "points balance, history and redeem by name and by phone"
c points balance 李娜 --json | pyjson 'd == {"volunteer": "s0001-v2", "name": "李娜", "balance": 15, "hours": 1.5, "stars": 0}'
c points history 13900005678 --json | pyjson 'd["volunteer"] == "s0001-v2" and d["balance"] == 15'
c points redeem 13900005678 --points １０ --item 大米 --json | pyjson 'd["volunteer"] == "s0001-v2" and d["balance"] == 5'
c order list --volunteer 李娜 --json | pyjson '[x["id"] for x in d["orders"]] == ["s0001-o1"]'

check "two volunteers of one name: exit 3, both listed (id, masked phone, station), nothing written"
c volunteer add --name 李娜 --phone 13700002222 >/dev/null
o2=$(c order add --category 其他 --detail 修水龙头 --json | id)
refused 3 order dispatch "$o2" --volunteer 李娜
contains "$err" "2 位志愿者" "how many match"
contains "$err" "s0001-v2" "first candidate"
contains "$err" "s0001-v3" "second candidate"
contains "$err" "139****5678" "masked phone of the first"
contains "$err" "137****2222" "masked phone of the second"
contains "$err" "s0001" "the station"
case $err in *13700002222*) fail "a candidate's full phone number was shown" ;; esac
refused 3 points redeem 李娜 --points 1 --item 毛巾
refused 3 points balance 李娜
refused 3 order list --volunteer 李娜
c order dispatch "$o2" --volunteer 13700002222 --json | pyjson 'd["id"] == "s0001-o2"'
c order show "$o2" --json | pyjson 'd["volunteer"] == "s0001-v3"'

check "in English too"
set +e
err=$("$BIN" --home "$H" points balance 李娜 --lang en 2>&1)
set -e
contains "$err" "matches 2 volunteers" "English candidates"

check "refusals say an order's status, the move and a volunteer's status in words"
refused 3 order dispatch "$o" --volunteer 13800001111
contains "$err" "已评价" "the order's status in Chinese"
contains "$err" "派单" "the move in Chinese"
c volunteer add --name 赵六 --phone 13700000006 >/dev/null
c volunteer set s0001-v4 --status left >/dev/null
o3=$(c order add --category 助老 --detail 读报 --json | id)
refused 3 order dispatch "$o3" --volunteer 赵六
contains "$err" "退出" "the volunteer's status in Chinese"
case $err in *"是 left"*) fail "English status inside a Chinese message: $err" ;; esac

check "nobody of that name or phone: exit 4"
refused 4 order dispatch "$o2" --volunteer 王芳
refused 4 points balance 13600000000

check "an empty name or category: exit 2, says what to write, nothing written"
refused 2 order dispatch "$o2" --volunteer ""
contains "$err" "没有写是哪位志愿者" "an empty --volunteer"
refused 2 points balance ""
contains "$err" "没有写是哪位志愿者" "an empty WHO"
refused 2 order add --category "" --detail 买药
contains "$err" "没有写服务类别" "an empty --category"
echo "order_find: ok"
