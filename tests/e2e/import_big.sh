#!/bin/sh
# SPDX-License-Identifier: MIT
# import_big.sh - a large volunteer import (2,000 and 20,000 rows, the
# documented most) can leave the station: it is cut into commits that fit
# a 1024-byte chunk, so `bundle export` writes it, the hub's `bundle
# import` gets every volunteer, and a sync over CoAP on loopback with
# 1024-byte chunks (no switch to larger ones) converges. It stays all or
# nothing on the station: a disk that fills up in the middle of it leaves
# no volunteer and no commit of it.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "import_big: large imports travel over every link"
HUB=$TMP/hub
county "$HUB"
SEED=${CUNLIAN_SEED:-$(date +%s)}
echo "  (seed $SEED)"

# csv N FILE: N volunteers with random names, teams and skills (seeded)
csv() {
	python3 -c 'import random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(seed + n)
skills = ["助老", "维修", "理发", "送餐", "陪诊", "保洁"]
print("姓名,电话,队伍,技能")
for i in range(n):
    name = "".join(chr(r.randrange(0x4e00, 0x9fa5)) for _ in range(r.randint(2, 3)))
    team = "".join(chr(r.randrange(0x4e00, 0x9fa5)) for _ in range(r.randint(0, 5)))
    sk = ",".join(r.sample(skills, r.randint(0, 3)))
    print("%s,13%09d,%s,\"%s\"" % (name, i, team, sk))' "$1" "$SEED" >"$2"
}
volunteers() { cl --home "$1" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["volunteers"])'; }

i=0
for rows in 2000 20000; do
	i=$((i + 1))
	S=$TMP/s$i ID=s000$i
	enrolled "$HUB" "$S" "$ID" 村$i --parent c01
	csv "$rows" "$TMP/v$rows.csv"

	check "$rows rows: imported in commits of whole rows, all at once"
	expect 0 --home "$S" --json volunteer import "$TMP/v$rows.csv"
	echo "$out" | pyjson "d['imported'] == $rows and d['commits'] > 1" || fail "import of $rows rows"
	[ "$(volunteers "$S")" -eq "$rows" ] || fail "the station holds $(volunteers "$S") volunteers, want $rows"

	check "$rows rows: bundle export works and the hub's bundle import gets every volunteer"
	expect 0 --home "$S" bundle export "$TMP/$ID.bundle"
	H2=$TMP/hub-b$i
	cp -r "$HUB" "$H2"
	expect 0 --home "$H2" --json bundle import "$TMP/$ID.bundle"
	echo "$out" | pyjson 'd["refused"] == 0 and d["chunks_refused"] == 0' || fail "the hub refused part of the bundle"
	hv=$(cl --home "$H2" volunteer list --station "$ID" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["volunteers"]))')
	[ "$hv" -eq "$rows" ] || fail "the hub got $hv of the $rows volunteers from the bundle"
	same_scopes "$H2" "$S" "after the bundle" "$ID"

	check "$rows rows: sync over CoAP with 1024-byte chunks converges (no larger chunks needed)"
	H3=$TMP/hub-n$i
	cp -r "$HUB" "$H3"
	P=$(port)
	serve hub$i "$H3" "$P"
	hubpid=$last
	expect 0 --home "$S" --json sync "coap://127.0.0.1:$P" --chunk 1024 --timeout 120
	echo "$out" | pyjson 'd["converged"]' || fail "sync did not converge"
	stop "$hubpid"
	same_scopes "$H3" "$S" "after the sync" "$ID"
done

check "all or nothing: a disk that fills up during a 20,000-row import leaves nothing of it"
M=$TMP/small
mkdir -p "$M"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=1536k cunlian-small "$M" 2>/dev/null; then
	echo "    SKIPPED: mounting a small tmpfs for the home needs root (run as root, as CI does)"
else
	trap 'umount "$M" 2>/dev/null; net_cleanup' EXIT INT TERM
	S=$M/s9
	cl --home "$S" init --station s0009 --name 九村 >/dev/null
	commits() { cl --home "$S" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["own_commits"])'; }
	before=$(commits)
	expect 5 --home "$S" volunteer import "$TMP/v20000.csv"
	contains "$err" "已满" "the message says the disk is full"
	mount -o remount,size=64m "$M"
	[ "$(volunteers "$S")" -eq 0 ] || fail "a failed import left $(volunteers "$S") volunteers"
	[ "$(commits)" -eq "$before" ] || fail "a failed import left commits: $(commits), was $before"
	expect 0 --home "$S" volunteer import "$TMP/v20000.csv"
	[ "$(volunteers "$S")" -eq 20000 ] || fail "the import with room again gave $(volunteers "$S") volunteers"
fi
echo "import_big: ok"
