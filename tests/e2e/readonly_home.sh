#!/bin/sh
# SPDX-License-Identifier: MIT
# readonly_home.sh - a storage card that went read-only, or a full disk,
# must not stop a technician from taking the data off the board: backup
# and bundle export to another place (a stick) still work, and a restore
# of that backup holds the same data. What cannot be done says what is
# wrong (read-only, full) and what to do, never "restore from the hub".
#
# The home is a real file system: a small tmpfs mounted here, remounted
# read-only, or filled (tests run as root here and in CI). Without root
# or mount the test says so and is skipped.
. "$(dirname "$0")/lib.inc"
echo "readonly_home: backup and bundle export from a read-only or full home"
M=$TMP/card
tmpfs "$M" 4m card
S=$M/home
echo "a passphrase for the test" >"$TMP/pass"
county "$TMP/hub"
enrolled "$TMP/hub" "$S" s0001 东村服务站
cl --home "$S" volunteer add --name 王芳 --phone 13800001111 >/dev/null
cl --home "$S" order add --category 助老 --detail 陪老人聊天 >/dev/null
digest=$(cl --home "$S" digest)

check "the card goes read-only: a backup to a stick works, and restores to the same data"
mount -o remount,ro "$M"
expect 0 --home "$S" backup "$TMP/ro.clbk" --passphrase-file "$TMP/pass"
expect 0 --home "$TMP/n1" restore "$TMP/ro.clbk" --passphrase-file "$TMP/pass" --old-board-dead
[ "$(cl --home "$TMP/n1" digest)" = "$digest" ] || fail "the backup from the read-only home holds other data"
ls /dev/shm | grep -q cunlian-backup && fail "a copy was left in /dev/shm: $(ls /dev/shm)"

check "read-only: a bundle export to a stick works, and a hub that imports it holds the station's data"
expect 0 --home "$S" bundle export "$TMP/ro.bundle"
expect 0 --home "$TMP/hub" bundle import "$TMP/ro.bundle"
[ "$(cl --home "$TMP/hub" digest --scope s0001)" = "$(cl --home "$TMP/n1" digest --scope s0001)" ] ||
	fail "the bundle from the read-only home does not hold the station's data"
expect 0 --home "$S" volunteer list
contains "$out" "王芳" "the list on a read-only home"

check "read-only: a write, or a bundle import, says the card is read-only and what still works"
expect 5 --home "$S" volunteer add --name 李四 --phone 13800002222
contains "$err" "只读" "the write names the read-only file system"
contains "$err" "cunlian backup" "the write says a backup still works"
case $err in *从县中心恢复*|*doctor*) fail "the write sends people elsewhere: $err" ;; esac
expect 5 --home "$S" bundle import "$TMP/ro.bundle"
contains "$err" "只读" "the import names the read-only file system"
[ "$(cl --home "$S" digest)" = "$digest" ] || fail "the read-only home changed"
expect 1 --home "$S" doctor
contains "$out" "只读" "doctor names the read-only file system"
contains "$out" "完整性检查通过" "doctor still checks the database, read-only"
case $out in *请技术员从县级中心恢复*) fail "doctor sends people to restore from the hub: $out" ;; esac

check "the disk is full: a backup and a bundle export to a stick still work; a write says the disk is full"
mount -o remount,rw "$M"
dd if=/dev/zero of="$M/fill" bs=4096 2>/dev/null || true
expect 0 --home "$S" backup "$TMP/full.clbk" --passphrase-file "$TMP/pass"
expect 0 --home "$TMP/n2" restore "$TMP/full.clbk" --passphrase-file "$TMP/pass" --old-board-dead
[ "$(cl --home "$TMP/n2" digest)" = "$digest" ] || fail "the backup from the full home holds other data"
ls "$S" | grep -q backup && fail "a partial copy was left in the home: $(ls -a "$S")"
expect 0 --home "$S" bundle export "$TMP/full.bundle"
expect 0 --home "$TMP/hub" bundle import "$TMP/full.bundle"
expect 0 --home "$S" volunteer list
contains "$out" "王芳" "the list on a full home"
expect 5 --home "$S" volunteer add --name 李四 --phone 13800002222
contains "$err" "磁盘已满" "a write on a full home says the disk is full"
expect 1 --home "$S" doctor
contains "$out" "磁盘满了" "doctor says the disk is full"
case $out in *请技术员从县级中心恢复*) fail "doctor sends people to restore from the hub: $out" ;; esac
rm -f "$M/fill"
echo "readonly_home: ok"
