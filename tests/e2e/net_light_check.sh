#!/bin/sh
# SPDX-License-Identifier: MIT
# net_light_check.sh - serve compares the digests with its peer once a run
# (node/link.c B7): the hub's digest of a station's scope reads every row
# of it, a cost that grows with the station's history. Once the digests
# agreed, serve's later exchanges ask none (an idle exchange takes fewer
# bytes in); a restart asks again; a state that differs is said at every
# exchange, and `cunlian sync` by hand always compares.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_light_check: serve compares digests once a run, and while they differ"
H="$TMP/hub" S="$TMP/s1"
county "$H" county
enrolled "$H" "$S" s1 东村 --parent t01
cl --home "$S" volunteer add --name 王伟 --phone 13800001234 >/dev/null
P=$(port) PS=$(port)
serve hub "$H" "$P"

# bytes_in LOG K: the bytes in of the K-th converged exchange in LOG.
bytes_in() {
	grep ", converged: out" "$TMP/$1.log" | sed -n "$2p" | sed 's/.*in [0-9]* messages \([0-9]*\) bytes.*/\1/'
}
# exchanges LOG TEXT N: wait (at most 30 s) until TEXT is logged N times.
exchanges() {
	n=0
	until [ "$(grep -c "$2" "$TMP/$1.log")" -ge "$3" ]; do
		n=$((n + 1))
		[ $n -le 300 ] || fail "$1: fewer than $3 \"$2\" in 30 s: $(tail -n 5 "$TMP/$1.log")"
		sleep 0.1
	done
}

check "serve: the first exchange compares the digests; the next idle ones ask none"
serve s1 "$S" "$PS" --peer "coap://127.0.0.1:$P" --interval 1
s1=$last
exchanges s1 ", converged: out" 4
stop "$s1"
b3=$(bytes_in s1 3) b4=$(bytes_in s1 4)
[ -n "$b3" ] && [ "$b3" = "$b4" ] || fail "two idle light exchanges took $b3 and $b4 bytes in"

check "a restart compares them again: its first idle exchange takes the digest lines in"
serve s1b "$S" "$PS" --peer "coap://127.0.0.1:$P" --interval 1
s1=$last
exchanges s1b ", converged: out" 2
stop "$s1"
a1=$(bytes_in s1b 1) a2=$(bytes_in s1b 2)
[ "$a2" = "$b3" ] || fail "after the restart the second idle exchange took $a2 bytes in, not $b3"
[ "$a1" -ge $((a2 + 128)) ] || fail "the first exchange after the restart took $a1 bytes in, the light one $a2: no digests?"

check "a state that differs: said at every exchange, not only the first"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE volunteers SET name = '王五' WHERE pk = 's1-v1'\"); c.commit()" "$S/replica.db"
serve s1c "$S" "$PS" --peer "coap://127.0.0.1:$P" --interval 1
s1=$last
exchanges s1c "not converged" 3
stop "$s1"
grep -q ", converged: out" "$TMP/s1c.log" && fail "serve said converged while the digests differ: $(cat "$TMP/s1c.log")"
expect 1 --home "$S" sync "coap://127.0.0.1:$P"
echo "net_light_check: ok"
