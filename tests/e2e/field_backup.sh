#!/bin/sh
# SPDX-License-Identifier: MIT
# field_backup.sh - cunlian backup and restore: a backup taken while another
# connection holds a write transaction restores onto a fresh home with the
# same digest; the file hides the data; a wrong passphrase, a damaged or
# truncated file, a non-empty home and a restore without --old-board-dead
# are refused and write nothing; a restore makes a new identity.
. "$(dirname "$0")/lib.inc"
echo "field_backup: backup, restore onto a new board"
S="$TMP/s1"
c() { cl --home "$S" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
echo "村里的备份口令 2025" >"$TMP/pass"
echo "not the passphrase" >"$TMP/wrong"
unset CUNLIAN_PASSPHRASE

c init --station s0001 --name 东村服务站 >/dev/null
v=$(c volunteer add --name 王芳 --phone 13800001234 --json | json id)
o=$(c order add --category 助老 --detail 陪老人散步 --json | json id)
c order dispatch "$o" --volunteer "$v" >/dev/null
c order done "$o" --hours 2 >/dev/null
digest=$(c digest)
old=$(c status --json | json author)

check "backup while another connection holds a write transaction (as when serve commits)"
# The holder keeps the write lock until told to let go (at most 60 s).
python3 - "$S/replica.db" "$TMP/locked" "$TMP/release" <<'PY' &
import sqlite3, sys, time, os
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
for _ in range(1200):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.05)
db.execute("ROLLBACK")
sys.exit(0 if os.path.exists(sys.argv[3]) else 1)
PY
holder=$!
n=0
while [ ! -f "$TMP/locked" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
[ -f "$TMP/locked" ] || fail "could not take the write lock"
expect 0 --home "$S" backup "$TMP/b.clbk" --passphrase-file "$TMP/pass" --json
touch "$TMP/release"
wait "$holder" || fail "the backup waited for the writer instead of reading a snapshot"
[ "$(echo "$out" | json digest)" = "$digest" ] || fail "backup digest differs from cunlian digest: $out"
[ "$(stat -c %a "$TMP/b.clbk")" = 600 ] || fail "the backup is not mode 600"
ls -a "$S" | grep -q backup && fail "the snapshot was left in the home: $(ls -a "$S")"

check "the file is encrypted: no name, phone or key in it"
for needle in 王芳 13800001234 东村服务站 SQLite "station = s0001"; do
	grep -q "$needle" "$TMP/b.clbk" && fail "the backup contains \"$needle\" in clear"
done
python3 - "$S/identity.key" "$TMP/b.clbk" <<'PY' || fail "the backup contains the node key in clear"
import sys
key = open(sys.argv[1], "rb").read()
data = open(sys.argv[2], "rb").read()
sys.exit(1 if key[-32:] in data or key[:32] in data else 0)
PY

check "restore without --old-board-dead: refused (3), nothing written"
expect 3 --home "$TMP/n1" restore "$TMP/b.clbk" --passphrase-file "$TMP/pass"
contains "$err" "--old-board-dead" "the refusal says how to proceed"
[ ! -e "$TMP/n1" ] || fail "a refused restore made $TMP/n1"

check "wrong passphrase: refused (1), nothing written"
expect 1 --home "$TMP/n1" restore "$TMP/b.clbk" --old-board-dead --passphrase-file "$TMP/wrong"
[ ! -e "$TMP/n1" ] || fail "a restore with a wrong passphrase left $TMP/n1"

check "damaged or truncated file: refused (5), nothing written; not a backup: refused"
size=$(stat -c %s "$TMP/b.clbk")
head -c $((size - 10)) "$TMP/b.clbk" >"$TMP/short.clbk"
expect 5 --home "$TMP/n1" restore "$TMP/short.clbk" --old-board-dead --passphrase-file "$TMP/pass"
[ ! -e "$TMP/n1" ] || fail "a truncated backup left $TMP/n1"
python3 - "$TMP/b.clbk" "$TMP/flip.clbk" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[len(d) - 30] ^= 0x40  # in the last message (a flip in the first reads as a wrong passphrase)
open(sys.argv[2], "wb").write(d)
PY
expect 5 --home "$TMP/n1" restore "$TMP/flip.clbk" --old-board-dead --passphrase-file "$TMP/pass"
[ ! -e "$TMP/n1" ] || fail "a damaged backup left $TMP/n1"
expect 5 --home "$TMP/n1" restore "$S/node.conf" --old-board-dead --passphrase-file "$TMP/pass"

check "a home that is not empty: refused (3), left as it was"
mkdir "$TMP/busy" && echo keep >"$TMP/busy/notes.txt"
expect 3 --home "$TMP/busy" restore "$TMP/b.clbk" --old-board-dead --passphrase-file "$TMP/pass"
[ "$(ls "$TMP/busy")" = notes.txt ] || fail "a refused restore changed $TMP/busy"

check "restore --old-board-dead: same data, new identity, the replacement steps"
mkdir "$TMP/n2" # an empty home, as the package's /var/lib/cunlian
export CUNLIAN_PASSPHRASE="村里的备份口令 2025"
expect 0 --home "$TMP/n2" restore "$TMP/b.clbk" --old-board-dead
unset CUNLIAN_PASSPHRASE
contains "$out" "$old" "the old key, to revoke"
contains "$out" "cunlian enroll" "the enrolment steps"
[ "$(cl --home "$TMP/n2" digest)" = "$digest" ] || fail "restored digest differs"
new=$(cl --home "$TMP/n2" status --json | json author)
[ "$new" != "$old" ] || fail "the restored node reuses the old identity"
[ "$(stat -c %a "$TMP/n2/identity.key")" = 600 ] || fail "the new key is not mode 600"
cl --home "$TMP/n2" order show "$o" --json | pyjson 'd["status"] == "done" and d["points"] == 20' ||
	fail "the restored order is not as it was"
cl --home "$TMP/n2" order add --category 其他 --detail 修门 >/dev/null
cl --home "$TMP/n2" status --json | pyjson 'd["own_commits"] == 1' || fail "the new identity does not start its own feed"

check "--json restore into a new folder, and doctor is content"
expect 0 --home "$TMP/n3" --json restore "$TMP/b.clbk" --old-board-dead --passphrase-file "$TMP/pass"
echo "$out" | pyjson "d['digest'] == '$digest' and d['old_author'] == '$old' and d['author'] != '$old' and d['station'] == 's0001'" ||
	fail "restore --json: $out"
[ "$(stat -c %a "$TMP/n3")" = 700 ] || fail "the new home is not mode 700"
cl --home "$TMP/n3" doctor >/dev/null || fail "doctor finds a problem in the restored home"

check "passphrase rules: too short, or none without a terminal: usage (2)"
echo short >"$TMP/short"
expect 2 --home "$S" backup "$TMP/c.clbk" --passphrase-file "$TMP/short"
[ ! -e "$TMP/c.clbk" ] || fail "a refused backup wrote a file"
set +e
setsid sh -c "CUNLIAN_NOW_MS=1 '$BIN' --home '$S' backup '$TMP/c.clbk' </dev/null >/dev/null 2>'$TMP/e'"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "backup without a passphrase: exit $rc, want 2"
echo "field_backup: ok"
