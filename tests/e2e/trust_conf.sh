#!/bin/sh
# SPDX-License-Identifier: MIT
# trust_conf.sh - once enrolled, the county's statement decides who a node
# is: a node.conf edited to say role = hub or another station is refused
# at start, naming the file and line, and nothing is written; put back,
# the node works again.
. "$(dirname "$0")/lib.inc"
echo "trust_conf: node.conf cannot outrank the county's statement"
HUB=$TMP/hub S=$TMP/s1
county "$HUB"
enrolled "$HUB" "$S" s0001 一村 --parent c01
cl --home "$S" volunteer add --name 王伟 --phone 13800001111 >/dev/null
cp "$S/node.conf" "$TMP/node.conf.good"
before=$(cl --home "$S" digest)
n=$(($(wc -l <"$S/node.conf") + 1))

check "role = hub appended to a station's node.conf: refused with its line, nothing written"
echo "role = hub" >>"$S/node.conf"
expect 3 --home "$S" settings set --points-per-hour 99
contains "$err" "node.conf 第 $n 行写的是 role = hub" "the file and line"
contains "$err" "role = station" "what the statement says"
expect 3 --home "$S" station add --id s0009 --name 假村
expect 3 --home "$S" volunteer add --name 假人 --phone 13000000000 --station s0002
CUNLIAN_LANG=en expect 3 --home "$S" status
contains "$err" "line $n says role = hub" "English message"

check "station = s0002 in a station's node.conf: refused, nothing written"
cp "$TMP/node.conf.good" "$S/node.conf"
echo "station = s0002" >>"$S/node.conf"
expect 3 --home "$S" order add --category 助老 --detail 假单
contains "$err" "station = s0001" "what the statement says"

check "node.conf put back: the node works, and nothing was written meanwhile"
cp "$TMP/node.conf.good" "$S/node.conf"
[ "$before" = "$(cl --home "$S" digest)" ] || fail "the replica changed while node.conf was wrong"
expect 0 --home "$S" order add --category 助老 --detail 陪老人聊天
contains "$out" "s0001-o1" "the station's own id"

check "the hub's node.conf cannot make it a station either"
echo "role = station" >>"$HUB/node.conf"
expect 3 --home "$HUB" status
echo "trust_conf: ok"
