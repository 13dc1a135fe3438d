#!/bin/sh
# SPDX-License-Identifier: MIT
# net_many.sh - issue 12, "syncs stall from about 30 stations on": many
# stations enrolled by files, each with volunteers and an order done, sync
# against one `cunlian serve` on loopback: the first half one at a time,
# the rest CUNLIAN_NET_PAR (4) at once asking for 512-byte blocks (so
# that more responses travel block-wise), then every station once more.
# No sync may fail or time out (they used to end in "Connection timed
# out" with both sides idle); one alone converges; in the end the hub
# holds every station's data and each station agrees with the hub on the
# county-wide data and its own. CUNLIAN_NET_STATIONS (8 here; `make soak`
# runs 50) sets how many.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
N=${CUNLIAN_NET_STATIONS:-8}
PAR=${CUNLIAN_NET_PAR:-4}
echo "net_many: $N stations against one serve, $PAR at once"
H="$TMP/hub"
county "$H"
st() { printf 's%04d' "$1"; }

check "$N stations enrolled by files, each with volunteers and an order done"
i=1
while [ "$i" -le "$N" ]; do
	id=$(st "$i")
	enrolled "$H" "$TMP/$id" "$id" "村$i"
	k=0
	while [ "$k" -le $((i % 3)) ]; do # 1 to 3 volunteers: messages of many sizes
		v=$(cl --home "$TMP/$id" --json volunteer add --name 王伟 --phone "138$(printf '%04d%04d' "$i" "$k")" |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
		k=$((k + 1))
	done
	o=$(cl --home "$TMP/$id" --json order add --category 助老 --detail 买药 --requester 张大爷 \
		--phone 13611112222 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	cl --home "$TMP/$id" order dispatch "$o" --volunteer "$v" >/dev/null
	cl --home "$TMP/$id" order accept "$o" >/dev/null
	cl --home "$TMP/$id" order done "$o" --hours 1 >/dev/null
	i=$((i + 1))
done
P=$(port)
serve hub "$H" "$P"
hubpid=$last
NOW=$(cat "$TMP/now")

# sync1 ID [OPTIONS]: one sync of station ID (English messages); its exit
# status in $TMP/ID.rc, its output in $TMP/ID.out.
sync1() {
	set +e
	_id=$1
	shift
	CUNLIAN_LANG=en CUNLIAN_NOW_MS=$NOW "$BIN" --home "$TMP/$_id" sync "coap://127.0.0.1:$P" \
		--timeout 60 "$@" >"$TMP/$_id.out" 2>&1
	echo $? >"$TMP/$_id.rc"
}

half=$((N / 2))
check "stations 1 to $half sync one at a time: each converges"
i=1
while [ "$i" -le "$half" ]; do
	id=$(st "$i")
	sync1 "$id"
	[ "$(cat "$TMP/$id.rc")" = 0 ] || fail "sync of $id: exit $(cat "$TMP/$id.rc"): $(cat "$TMP/$id.out")"
	i=$((i + 1))
done

check "stations $((half + 1)) to $N sync $PAR at once, in 512-byte blocks: none fails or times out"
i=$((half + 1))
while [ "$i" -le "$N" ]; do
	pids=""
	j=$i
	while [ "$j" -lt $((i + PAR)) ] && [ "$j" -le "$N" ]; do
		sync1 "$(st "$j")" --block 512 & # more responses block-wise
		pids="$pids $!"
		j=$((j + 1))
	done
	for p in $pids; do wait "$p"; done
	while [ "$i" -lt "$j" ]; do
		id=$(st "$i")
		rc=$(cat "$TMP/$id.rc")
		# others' commits reaching the hub meanwhile may leave it short
		# of theirs: "not converged" (sync again) is an honest answer
		[ "$rc" = 0 ] || { [ "$rc" = 1 ] && grep -q "not converged" "$TMP/$id.out"; } ||
			fail "sync of $id: exit $rc: $(cat "$TMP/$id.out")"
		i=$((i + 1))
	done
done

check "every station syncs once more, one at a time: each converges"
i=1
while [ "$i" -le "$N" ]; do
	id=$(st "$i")
	sync1 "$id"
	[ "$(cat "$TMP/$id.rc")" = 0 ] || fail "second sync of $id: exit $(cat "$TMP/$id.rc"): $(cat "$TMP/$id.out")"
	i=$((i + 1))
done

check "the hub holds every station's volunteers and orders; each station agrees with it"
want=$(python3 -c "print(sum(1 + i % 3 for i in range(1, $N + 1)))")
cl --home "$H" volunteer list --json | pyjson "len(d['volunteers']) == $want" || fail "volunteers at the hub"
i=1
while [ "$i" -le "$N" ]; do
	id=$(st "$i")
	same_scopes "$H" "$TMP/$id" "for $id" "" "$id"
	[ ! -s "$TMP/$id/refused.log" ] || fail "$id refused: $(cat "$TMP/$id/refused.log")"
	i=$((i + 1))
done
[ ! -s "$H/refused.log" ] || fail "the hub refused: $(cat "$H/refused.log")"

stop "$hubpid"
echo "net_many: ok"
