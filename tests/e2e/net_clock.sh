#!/bin/sh
# SPDX-License-Identifier: MIT
# net_clock.sh - the hub's time in a session (docs/protocol.md "TIME"):
# a station that syncs with a serving hub anchors its clock bounds on the
# hub's clock and the board's boot time (docs/security.md "Clock"), so a
# clock that jumps forward more than the time elapsed is refused.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_clock: the hub's time in a session"
H="$TMP/hub" S="$TMP/s1"
cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
enrolled "$H" "$S" s1 东村 --parent t01
hubkey=$(cl --home "$H" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["author"])')
P=$(port)
serve hub "$H" "$P"

check "a sync brings the hub's clock: a fresh anchor in this boot"
export CUNLIAN_MONO_MS=7000000 CUNLIAN_BOOT_ID=boot-n
expect 0 --home "$S" sync "coap://127.0.0.1:$P"
expect 0 --home "$S" --json clock
echo "$out" | pyjson "d['hub_heard_ms'] is not None and d['hub_heard_from'] == '$hubkey' and d['hub_heard_this_boot'] and d['upper_from'] == 'elapsed' and d['verdict'] == 'ok'" ||
	fail "no fresh anchor: $out"
anchor=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hub_heard_ms"])')

check "one hour later by the boot clock: a write an hour on is taken, three hours on is refused"
export CUNLIAN_MONO_MS=$((7000000 + 3600000))
out=$(CUNLIAN_NOW_MS=$((anchor + 3600000)) "$BIN" --home "$S" volunteer add --name 王伟 --phone 13800001234) ||
	fail "a write one hour after the hub's time, one hour elapsed, was refused"
set +e
err=$(CUNLIAN_NOW_MS=$((anchor + 3 * 3600000)) "$BIN" --home "$S" volunteer add --name 李娜 --phone 13900005678 2>&1)
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "a clock two hours past the time elapsed: exit $rc, want 3"
contains "$err" "县中心的时间加上此后经过的时间" "the refusal names the hub's time and the elapsed time"
set +e
out=$(CUNLIAN_NOW_MS=$((anchor + 3 * 3600000)) "$BIN" --home "$S" clock --set-from-hub)
set -e
want=$(python3 -c "import time; print(time.strftime('%Y-%m-%d %H:%M', time.localtime(($anchor + 3600000) / 1000)))")
contains "$out" "$want" "set-from-hub: the hub's time plus the time elapsed"
unset CUNLIAN_MONO_MS CUNLIAN_BOOT_ID

check "another boot: the anchor no longer bounds; a day past the last known time does"
expect 0 --home "$S" --json clock
echo "$out" | pyjson "d['upper_from'] == 'reboot' and not d['hub_heard_this_boot']" || fail "after a reboot: $out"
echo "net_clock: ok"
