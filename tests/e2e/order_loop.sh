#!/bin/sh
# SPDX-License-Identifier: MIT
# order_loop.sh - the whole service loop at one station: register
# volunteers, add -> dispatch -> accept -> done -> rate, points credited
# exactly once, and the --json outputs parsed and checked.
. "$(dirname "$0")/lib.inc"
echo "order_loop: the order loop at a station, points credited once"
H="$TMP/s1"
c() { cl --home "$H" "$@"; }

check "init creates the home with a 0600 identity key"
expect 0 --home "$H" init --station s0001 --name 东村服务站 --parent t01 --json
echo "$out" | pyjson 'd["id"] == "s0001" and d["role"] == "station" and len(d["author"]) == 64'
[ "$(stat -c %a "$H/identity.key")" = 600 ] || fail "identity.key mode is $(stat -c %a "$H/identity.key")"
[ -f "$H/replica.db" ] && [ -f "$H/node.conf" ] || fail "replica.db or node.conf missing"
expect 3 --home "$H" init --station s0001 --name 东村服务站

check "volunteer add prints the new id; ids count up per station"
v1=$(c volunteer add --name 王伟 --phone 13800001234 --team 一队 --skills 助老,维修 --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ "$v1" = s0001-v1 ] || fail "first volunteer id is $v1"
expect 0 --home "$H" volunteer add --name 李娜 --phone 13900005678
contains "$out" s0001-v2 "second volunteer"

check "volunteer list masks phones; --json lists both"
expect 0 --home "$H" volunteer list
contains "$out" "138****1234" "masked phone"
case $out in *13800001234*) fail "volunteer list shows a full phone number" ;; esac
c volunteer list --json | pyjson 'len(d["volunteers"]) == 2 and d["volunteers"][0]["skills"] == ["助老", "维修"]'
c volunteer list --skill 维修 --json | pyjson '[v["id"] for v in d["volunteers"]] == ["s0001-v1"]'

check "order add -> dispatch -> accept -> done -> rate"
o=$(c order add --category 助老 --detail 陪独居老人去卫生院 --requester 张大爷 --phone 13611112222 --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ "$o" = s0001-o1 ] || fail "order id is $o"
c order dispatch "$o" --volunteer "$v1" --json | pyjson 'd["id"] == "s0001-o1"'
c order accept "$o" >/dev/null
c order done "$o" --hours 2.5 --json | pyjson 'd["id"] == "s0001-o1" and d["points"] == 25 and d["hours"] == 2.5'
c points balance "$v1" --json | pyjson 'd == {"volunteer": "s0001-v1", "name": "王伟", "balance": 25, "hours": 2.5, "stars": 0}'

check "order done again is refused (exit 3) and credits nothing"
before=$(c digest)
expect 3 --home "$H" order done "$o" --hours 2.5
contains "$err" "已经完成" "done twice message"
expect 3 --home "$H" order done "$o" --hours 4
[ "$(c digest)" = "$before" ] || fail "state changed after a refused done"
c points balance "$v1" --json | pyjson 'd["balance"] == 25'
c points history "$v1" --json | pyjson 'len(d["entries"]) == 1 and d["entries"][0]["reason"] == "service" and d["entries"][0]["order"] == "s0001-o1"'

check "rate; order show --json has status, volunteer and the full history"
c order rate "$o" --rating 5 --comment 很耐心 >/dev/null
c order show "$o" --json | pyjson '
d["status"] == "rated" and d["volunteer"] == "s0001-v1" and d["rating"] == 5 and d["hours"] == 2.5
and d["points"] == 25
and [e["to"] for e in d["events"]] == ["open", "dispatched", "accepted", "done", "rated"]
and [e["from"] for e in d["events"]] == [None, "open", "dispatched", "accepted", "done"]
and all(e["actor"] == "s0001" for e in d["events"])'
expect 0 --home "$H" order show "$o"
contains "$out" "已派单 → 已接单" "history in order show"

check "volunteer show has hours, stars and balance"
c volunteer show "$v1" --json | pyjson 'd["hours"] == 2.5 and d["stars"] == 0 and d["balance"] == 25 and d["phone"] == "13800001234"'

check "accept with --volunteer takes an open order directly; cancel with a reason"
o2=$(c order add --category 其他 --detail 修水龙头 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
c order accept "$o2" --volunteer s0001-v2 >/dev/null
c order show "$o2" --json | pyjson 'd["status"] == "accepted" and d["volunteer"] == "s0001-v2"'
o3=$(c order add --category 其他 --detail 买药 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
c order cancel "$o3" --reason 家属已代办 >/dev/null
c order list --status cancelled --json | pyjson '[o["id"] for o in d["orders"]] == ["s0001-o3"]'
c order list --json | pyjson 'len(d["orders"]) == 3'

check "redeem within the balance"
c points redeem "$v1" --points 20 --item 大米 --json | pyjson 'd["id"] == "s0001-p2" and d["balance"] == 5 and d["points"] == 20'
c points balance "$v1" --json | pyjson 'd["balance"] == 5'

check "every write is in the log, with this node as author"
c log "$o" --json | pyjson 'len(d["entries"]) >= 5 and all(e["self"] for e in d["entries"])'
c status --json | pyjson 'd["station"] == "s0001" and d["volunteers"] == 2 and d["orders"] == 3 and d["own_commits"] >= 12'
c digest --json | pyjson 'len(d["digest"]) == 64 and d["scope"] is None'

check "doctor passes on a healthy node"
expect 0 --home "$H" doctor
chmod 644 "$H/identity.key"
expect 1 --home "$H" doctor
contains "$out" "chmod 600" "doctor key mode advice"
chmod 600 "$H/identity.key"
echo "order_loop: ok"
