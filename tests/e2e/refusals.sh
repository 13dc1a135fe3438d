#!/bin/sh
# SPDX-License-Identifier: MIT
# refusals.sh - every move the rules refuse exits 3 (usage errors 2, unknown
# ids 4), says why, and leaves the replica exactly as it was (the digest
# before and after is the same).
. "$(dirname "$0")/lib.inc"
echo "refusals: refused moves change nothing"
HUB="$TMP/hub"
S1="$TMP/s1"
c() { cl --home "$S1" "$@"; }
hub() { cl --home "$HUB" "$@"; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

# refused CODE ARGS: exit status CODE at s0001 and an unchanged digest.
refused() {
	want=$1
	shift
	before=$(c digest)
	expect "$want" --home "$S1" "$@"
	[ -n "$err" ] || fail "cunlian $*: refused without a message"
	after=$(c digest)
	[ "$before" = "$after" ] || fail "cunlian $*: the replica changed although the move was refused"
}

# Until sync/ lands, a replica carried on a USB stick is simulated by
# starting the station from a copy of the hub's database: the hub
# registers a volunteer of station s0002 and credits them points.
hub init --station c01 --name 县志愿服务中心 --role hub >/dev/null
hub volunteer add --name 外村志愿者 --phone 13500000009 --station s0002 >/dev/null
ho=$(hub order add --station s0002 --category 助老 --detail 送餐 --json | id)
hub order dispatch "$ho" --volunteer hub-v1 >/dev/null
hub order done "$ho" --hours 3 >/dev/null
mkdir "$S1"
cp "$HUB/replica.db" "$S1/replica.db"
c init --station s0001 --name 东村服务站 >/dev/null

v=$(c volunteer add --name 王伟 --phone 13800001234 --json | id)
o=$(c order add --category 助老 --detail 陪老人散步 --json | id)

check "rate before done: exit 3, tells to run order done first"
refused 3 order rate "$o" --rating 5
contains "$err" "cunlian order done $o" "rate-before-done advice"
c order dispatch "$o" --volunteer "$v" >/dev/null
refused 3 order rate "$o" --rating 5

check "done before any volunteer, accept of an open order without --volunteer"
o2=$(c order add --category 其他 --detail 修门 --json | id)
refused 3 order done "$o2" --hours 1
refused 3 order accept "$o2"

check "accept when cancelled, and every other move of a cancelled order"
c order cancel "$o2" --reason 重复登记 >/dev/null
refused 3 order accept "$o2" --volunteer "$v"
contains "$err" "已取消" "cancelled message"
refused 3 order dispatch "$o2" --volunteer "$v"
refused 3 order done "$o2" --hours 1
refused 3 order cancel "$o2" --reason 再次取消

check "dispatch, accept or cancel a done order; rate twice"
c order done "$o" --hours 2 >/dev/null
refused 3 order dispatch "$o" --volunteer "$v"
refused 3 order accept "$o" --volunteer "$v"
refused 3 order cancel "$o" --reason 不要了
c order rate "$o" --rating 4 >/dev/null
refused 3 order rate "$o" --rating 5
c order show "$o" --json | pyjson 'd["status"] == "rated" and d["rating"] == 4'

check "dispatch to a volunteer who left"
c volunteer add --name 赵六 --phone 13700000006 >/dev/null
c volunteer set s0001-v2 --status left >/dev/null
o3=$(c order add --category 助老 --detail 读报 --json | id)
refused 3 order dispatch "$o3" --volunteer s0001-v2

check "redeem more than the balance: exit 3, the balance is shown"
refused 3 points redeem "$v" --points 21 --item 食用油
contains "$err" "20" "balance in the overdraw message"
c points balance "$v" --json | pyjson 'd["balance"] == 20'

check "redeem at a node without the volunteer's spending right: exit 3"
c points balance hub-v1 --json | pyjson 'd["balance"] == 30'
refused 3 points redeem hub-v1 --points 5 --item 毛巾
contains "$err" "s0002" "the home station in the message"
contains "$err" "30" "the balance in the message"
check "the hub holds every spending right"
hub points redeem hub-v1 --points 5 --item 毛巾 --json | pyjson 'd["balance"] == 25'

check "a station may not change another station's data"
refused 3 order dispatch "$ho" --volunteer "$v"
refused 3 volunteer set hub-v1 --team 二队
refused 3 volunteer add --name 钱七 --phone 13700000007 --station s0002
refused 3 settings set --points-per-hour 20

check "duplicate phone: exit 3, names the volunteer already registered"
refused 3 volunteer add --name 王伟伟 --phone 138-0000-1234
contains "$err" "$v" "duplicate phone names the first volunteer"

check "usage errors exit 2; unknown ids exit 4"
refused 2 order done "$o3" --hours 0
refused 2 order done "$o3"
refused 2 order rate "$o" --rating 6
refused 2 volunteer add --name 孙八
refused 2 volunteer add --name 孙八 --phone abc
refused 2 order list --status unknown
refused 2 order add --category 助老 --detail 散步 --bogus
refused 2 report --by year
refused 4 order show s0001-o99
refused 4 volunteer show s0001-v99
refused 4 points balance nobody
refused 4 order dispatch s0001-o99 --volunteer "$v"
refused 4 order dispatch "$o3" --volunteer s0001-v99
expect 2 --home "$S1" frobnicate
expect 4 --home "$TMP/nowhere" status
contains "$err" "cunlian init" "no-home advice"
echo "refusals: ok"
