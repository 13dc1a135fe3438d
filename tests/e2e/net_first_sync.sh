#!/bin/sh
# SPDX-License-Identifier: MIT
# net_first_sync.sh - issue 12, "first sync hangs": three stations
# enrolled by files each record a volunteer and an order done; two sync
# with the hub, then the third's first sync (several requests in flight)
# converges at once: nothing refused, nothing timed out. It used to wait
# out its timeout: a response of two blocks lost its second block to the
# next response for the same session (libcoap keys both alike), and the
# later message, a station's commit, overtook its author's statement
# ("author not enrolled").
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_first_sync: a third station's first sync converges at once"
H="$TMP/hub"
county "$H"
for i in 1 2 3; do
	id=s000$i
	enrolled "$H" "$TMP/$id" "$id" "村$i"
	v=$(cl --home "$TMP/$id" --json volunteer add --name 王伟 --phone 1380000111$i |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	o=$(cl --home "$TMP/$id" --json order add --category 助老 --detail 买药 --requester 张大爷 \
		--phone 13611112222 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	cl --home "$TMP/$id" order dispatch "$o" --volunteer "$v" >/dev/null
	cl --home "$TMP/$id" order accept "$o" >/dev/null
	cl --home "$TMP/$id" order done "$o" --hours 1 >/dev/null
done
P=$(port)
serve hub "$H" "$P"
hubpid=$last

check "s0001 and s0002 sync"
expect 0 --home "$TMP/s0001" sync "coap://127.0.0.1:$P" --timeout 30
expect 0 --home "$TMP/s0002" sync "coap://127.0.0.1:$P" --timeout 30

check "s0003's first sync converges, refusing nothing"
expect 0 --home "$TMP/s0003" --json sync "coap://127.0.0.1:$P" --timeout 30
echo "$out" | pyjson 'd["converged"] and d["received"]["refused"] == 0 and d["feeds_differ"] == 0' ||
	fail "first sync of s0003: $out"
[ ! -s "$TMP/s0003/refused.log" ] || fail "s0003 refused: $(cat "$TMP/s0003/refused.log")"
[ ! -s "$H/refused.log" ] || fail "the hub refused: $(cat "$H/refused.log")"
expect 0 --home "$TMP/s0003" --json status
echo "$out" | pyjson 'd["refused"] == 0' || fail "status of s0003: $out"
same_scopes "$H" "$TMP/s0003" "after the first sync" "" s0003
[ "$(cl --home "$TMP/s0003" volunteer list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["volunteers"]))')" = 1 ] ||
	fail "s0003 lists other stations' volunteers"

stop "$hubpid"
echo "net_first_sync: ok"
