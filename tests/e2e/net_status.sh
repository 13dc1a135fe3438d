#!/bin/sh
# SPDX-License-Identifier: MIT
# net_status.sh - what a sync leaves behind, over CoAP on loopback: the
# station's status lists the hub with its last sync and the commits still
# to send; the hub's report shows when each station last synced; doctor
# tells whether the configured peers answer.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_status: peers in status, last sync in the report, peers in doctor"
H="$TMP/hub" S="$TMP/s1" S2="$TMP/s2"

cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
enrolled "$H" "$S" s1 东村 --parent t01
enrolled "$H" "$S2" s2 西村 --parent t01
cl --home "$S" order add --category 助老 --detail 买药 --requester 张大爷 --phone 13611112222 >/dev/null
cl --home "$H" order add --category 其他 --detail 修水管 --requester 赵奶奶 --phone 13611113333 --station s2 >/dev/null
P=$(port)
echo "peer = coap://127.0.0.1:$P" >>"$S/node.conf"

check "before any sync: the configured hub is listed, never synced, its commits to send"
expect 0 --home "$S" --json status
echo "$out" | pyjson "len(d['peers']) == 1 and d['peers'][0]['uri'] == 'coap://127.0.0.1:$P' and d['peers'][0]['last_sync'] is None and d['peers'][0]['pending'] == d['own_commits']"

serve hub "$H" "$P"
hubpid=$last

check "after a sync: last sync set, nothing pending"
expect 0 --home "$S" sync "coap://127.0.0.1:$P" --timeout 60
expect 0 --home "$S" --json status
echo "$out" | pyjson "len(d['peers']) == 1 and d['peers'][0]['configured'] and d['peers'][0]['last_sync'] > 0 and d['peers'][0]['pending'] == 0"
CUNLIAN_LANG=en expect 0 --home "$S" status
contains "$out" "coap://127.0.0.1:$P" "status text lists the peer"
contains "$out" "0 own commits to send" "status text pending"

check "a new local order is pending for the hub"
cl --home "$S" order add --category 助老 --detail 送饭 --requester 李奶奶 --phone 13611114444 >/dev/null
expect 0 --home "$S" --json status
echo "$out" | pyjson "d['peers'][0]['pending'] == 1"

check "the hub's report has last_sync for s1 and null for s2 (never synced)"
expect 0 --home "$H" report --by station --json
echo "$out" | pyjson "g['s1']['last_sync'] and g['s1']['last_sync'] > 0 and g['s2']['last_sync'] is None and 'last_sync' not in d['total']"
cl --home "$H" --lang en report --by station --format csv >"$TMP/r.csv"
python3 - "$TMP/r.csv" <<'EOF' || fail "csv: the last sync of s1 set, of s2 never: $(cat "$TMP/r.csv")"
import csv, sys
# the report's CSV (docs/cli.md "Reports and lists"): a BOM, CRLF, the
# table's headings in the node's language, last sync in local time
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert rows[0][:3] == ["group", "name", "orders"] and "last sync" in rows[0], rows[0]
i = rows[0].index("last sync")
g = {r[0]: r for r in rows[1:]}
assert g["s1"][i][:2] == "20" and g["s2"][i] == "-" and g["total"][i] == "", rows
EOF
expect 0 --home "$H" report --by station --format csv
# the CSV for Excel (BOM, Chinese headings, CRLF; cli.md "Report"): s1 has
# a last sync, s2 an empty one, every row as wide as the headings
echo "$out" | python3 -c "import csv,sys
rows=list(csv.reader(sys.stdin.read().lstrip('\ufeff').splitlines()))
h=rows[0]; i=h.index('上次同步'); r={x[0]: x for x in rows[1:]}
assert all(len(x) == len(h) for x in rows), rows
assert r['s1'][i] not in ('', '-') and r['s2'][i] == '-', rows" || fail "csv: last sync of s1 and s2: $out"
expect 0 --home "$H" report --by town --json
echo "$out" | pyjson "all('last_sync' not in x for x in d['groups'])"

check "doctor: the hub answers; after it stops, doctor fails (exit 1) and says what to do"
CUNLIAN_LANG=en expect 0 --home "$S" --json doctor
echo "$out" | pyjson "any(c['check'] == 'peers' and c['status'] == 'ok' for c in d['checks'])"
stop "$hubpid"
CUNLIAN_LANG=en expect 1 --home "$S" doctor
contains "$out" "peer coap://127.0.0.1:$P did not answer" "doctor unreachable peer"
contains "$out" "cunlian serve" "doctor says what to do"

check "no peers configured: doctor notes it, no failure from it"
CUNLIAN_LANG=en expect 0 --home "$S2" --json doctor
echo "$out" | pyjson "any(c['check'] == 'peers' and c['status'] == 'ok' and 'none configured' in c['message'] for c in d['checks'])"
echo "net_status: ok"
