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
mkdir -p "$M"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=4m,mode=0755 cunlian-card "$M" 2>/dev/null; then
	echo "  - SKIPPED: mounting a small tmpfs as the card needs root (run as root, as CI does)"
	exit 0
fi
trap 'umount "$M" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
S=$M/home
echo "a passphrase for the test" >"$TMP/pass"
cl --home "$S" init --station s0001 --name 东村服务站 >/dev/null
cl --home "$S" volunteer add --name 王芳 --phone 13800001111 >/dev/null
cl --home "$S" order add --category 助老 --detail 陪老人聊天 >/dev/null
digest=$(cl --home "$S" digest)

check "the card goes read-only: a backup to a stick works, and restores to the same data"
mount -o remount,ro "$M"
expect 0 --home "$S" backup "$TMP/ro.clbk" --passphrase-file "$TMP/pass"
expect 0 --home "$TMP/n1" restore "$TMP/ro.clbk" --passphrase-file "$TMP/pass" --old-board-dead
[ "$(cl --home "$TMP/n1" digest)" = "$digest" ] || fail "the backup from the read-only home holds other data"
ls /dev/shm | grep -q cunlian-backup && fail "a copy was left in /dev/shm: $(ls /dev/shm)"

check "the disk is full: a backup to a stick still works"
mount -o remount,rw "$M"
dd if=/dev/zero of="$M/fill" bs=4096 2>/dev/null || true
expect 0 --home "$S" backup "$TMP/full.clbk" --passphrase-file "$TMP/pass"
expect 0 --home "$TMP/n2" restore "$TMP/full.clbk" --passphrase-file "$TMP/pass" --old-board-dead
[ "$(cl --home "$TMP/n2" digest)" = "$digest" ] || fail "the backup from the full home holds other data"
ls "$S" | grep -q backup && fail "a partial copy was left in the home: $(ls -a "$S")"
rm -f "$M/fill"
echo "readonly_home: ok"
