#!/bin/sh
# SPDX-License-Identifier: MIT
# net_digest.sh - sync never reports convergence while a shared scope's
# state differs: version vectors that agree are not enough. A station
# whose replica was changed behind cunlian's back (here: one value edited
# with SQLite, as a damaged card or a careless repair would) holds the same commits as the hub but not the same data;
# sync says so (exit 1, the scope named, scopes_differ in --json) instead
# of "converged".
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_digest: converged means the same data, not only the same commits"
H="$TMP/hub" S="$TMP/s1"
county "$H" county
enrolled "$H" "$S" s1 东村 --parent t01
cl --home "$S" volunteer add --name 王伟 --phone 13800001234 >/dev/null
P=$(port)
serve hub "$H" "$P"
hubpid=$last

check "same commits, same data: converged"
expect 0 --home "$S" --json sync "coap://127.0.0.1:$P"
echo "$out" | pyjson 'd["converged"] and d["feeds_differ"] == 0 and d["scopes_differ"] == 0'

check "same commits, different data in the station's scope: not converged, and says why"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE volunteers SET name = '王五' WHERE pk = 's1-v1'\"); c.commit()" "$S/replica.db"
expect 1 --home "$S" sync "coap://127.0.0.1:$P"
contains "$err" "“s1”的数据不同" "the scope whose data differs"
CUNLIAN_LANG=en expect 1 --home "$S" --json sync "coap://127.0.0.1:$P"
echo "$out" | pyjson 'not d["converged"] and d["feeds_differ"] == 0 and d["scopes_differ"] == 1'

check "different data in the county-wide scope: named as such"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE volunteers SET name = '王伟' WHERE pk = 's1-v1'\"); c.execute(\"UPDATE stations SET name = 'x' WHERE pk = 's1'\"); c.commit()" "$S/replica.db"
expect 1 --home "$S" sync "coap://127.0.0.1:$P"
contains "$err" "全县范围" "the county-wide scope"

stop "$hubpid"
echo "net_digest: ok"
