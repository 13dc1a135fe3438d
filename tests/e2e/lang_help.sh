#!/bin/sh
# SPDX-License-Identifier: MIT
# lang_help.sh - Chinese by default, English for LANG=en_*/C; --help on
# every command; CJK-aligned tables.
. "$(dirname "$0")/lib.inc"
echo "lang_help: languages, help and alignment"
H="$TMP/s1"
c() { cl --home "$H" "$@"; }

check "cunlian --help lists the commands and the exit codes, in both languages"
expect 0 --help
contains "$out" "退出码" "Chinese help"
contains "$out" "order done" "command list"
out=$(LANG=en_US.UTF-8 "$BIN" --help)
contains "$out" "exit status: 0 ok" "English help"
out=$(LANG=C "$BIN" --help)
contains "$out" "exit status" "LANG=C is English"
out=$(LANG=C.UTF-8 "$BIN" --help)
contains "$out" "exit status" "LANG=C.UTF-8 is English"
out=$(LANG= LC_ALL=en_GB.UTF-8 "$BIN" --help)
contains "$out" "exit status" "LC_ALL wins"
out=$(LANG=zh_CN.UTF-8 "$BIN" --help)
contains "$out" "退出码" "Chinese with LANG=zh_CN"

check "--help works for every command, with no home, and exits 0"
"$BIN" --help | sed -n 's/^  \([a-z][a-z-]*\)\( [a-z]*\)\{0,1\}.*/\1\2/p' | sort -u >"$TMP/cmds"
n=$(wc -l <"$TMP/cmds")
[ "$n" -ge 25 ] || fail "only $n commands listed in --help"
while read -r group verb; do
	# shellcheck disable=SC2086
	expect 0 --home "$TMP/none" $group $verb --help
	contains "$out" "$group" "help of $group $verb"
	# shellcheck disable=SC2086
	out=$(LANG=en_US.UTF-8 "$BIN" --home "$TMP/none" $group $verb --help)
	contains "$out" "common options" "English help of $group $verb"
done <"$TMP/cmds"
[ ! -e "$TMP/none" ] || fail "--help created a home"
expect 0 order --help
contains "$out" "order dispatch" "group help"

check "messages: Chinese by default; a station stays Chinese with LANG=en_GB.UTF-8 (Raspberry Pi OS); --lang and CUNLIAN_LANG choose"
expect 0 --home "$H" init --station s0001 --name 东村服务站
contains "$out" "已创建节点" "Chinese init"
expect 0 --home "$H" volunteer add --name 王伟 --phone 13800001234
contains "$out" "已登记志愿者" "Chinese volunteer add"
grep -qx "lang = zh" "$H/node.conf" || fail "init did not write the station's language"
set +e
err=$(LANG=en_GB.UTF-8 "$BIN" --home "$H" order rate s0001-o9 --rating 5 2>&1)
set -e
contains "$err" "没有订单" "Chinese station under LANG=en_GB.UTF-8"
out=$(CUNLIAN_LANG=en CUNLIAN_NOW_MS=$(($(cat "$TMP/now") + 500)) "$BIN" --home "$H" volunteer add --name Li --phone 13900005678)
contains "$out" "registered" "English volunteer add with CUNLIAN_LANG=en"
set +e
err=$("$BIN" --home "$H" order rate s0001-o9 --rating 5 --lang en 2>&1)
set -e
contains "$err" "no order s0001-o9" "English error with --lang en"
set +e
err=$("$BIN" --lang en_GB --home "$H" order rate s0001-o9 --rating 5 2>&1)
set -e
contains "$err" "no order s0001-o9" "global --lang before the command"
expect 2 --home "$H" --lang fr status
contains "$err" "zh" "a language that is not zh or en"
expect 4 --home "$H" order rate s0001-o9 --rating 5
contains "$err" "没有订单" "Chinese error"

check "the reason inside an error is in the message's language"
expect 4 --home "$H" bundle import "$TMP/no-such.bundle"
contains "$err" "文件或目录不存在" "Chinese reason"
CUNLIAN_LANG=en expect 4 --home "$H" bundle import "$TMP/no-such.bundle"
contains "$err" "No such file" "English reason"
unset CUNLIAN_LANG # a shell may keep a function's prefix assignment

check "node.conf and the service's config: a bad line or an unknown key names the file and line, exit 2"
cp "$H/node.conf" "$TMP/node.conf.good"
echo "intervall = 5" >>"$H/node.conf"
expect 2 --home "$H" sync coap://127.0.0.1:9
contains "$err" "node.conf" "the file is named"
contains "$err" "没有这个设置项" "an unknown key is refused"
expect 1 --home "$H" doctor
contains "$out" "没有这个设置项" "doctor names the unknown key"
cp "$TMP/node.conf.good" "$H/node.conf"
echo "this line has no equals sign" >>"$H/node.conf"
expect 2 --home "$H" status
contains "$err" "node.conf 第 9 行" "a malformed line names its line"
cp "$TMP/node.conf.good" "$H/node.conf"
printf 'interval = 60\nintervall = 5\n' >"$TMP/svc.conf"
expect 1 --home "$H" doctor --config "$TMP/svc.conf"
contains "$out" "svc.conf 第 2 行" "doctor --config reads the service's config, names file and line"
printf 'interval = 60\npeer = coap://127.0.0.1:9\n' >"$TMP/svc.conf"
set +e
out=$(cl --home "$H" --json doctor --config "$TMP/svc.conf")
set -e
printf '%s' "$out" | python3 -c 'import json,sys; d={c["check"]:c for c in json.load(sys.stdin)["checks"]}; assert d["service-config"]["status"]=="ok", d; assert d["service"]["status"]=="warn"; assert "last-sync" in d and "refused" in d' || fail "doctor --json: service, service-config, last-sync, refused"
chmod 644 "$H/identity.key"
expect 3 --home "$H" status
contains "$err" "chmod 600" "a key others can read: the fix, not 'damaged'"
chmod 600 "$H/identity.key"
expect 0 --home "$H" status

check "tables align Chinese text by display width"
c volunteer add --name 欧阳长名字 --phone 13700000003 --team 第一服务队 >/dev/null
c volunteer list >"$TMP/list"
python3 - "$TMP/list" <<'PY'
import sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
head = lines[0]
# the column "phone" (电话) starts at the same display column on every line
col = width(head[:head.index("电话")])
for l in lines[1:]:
    i = l.index("*") - 3  # masked phone 138****1234 starts 3 before the first *
    if width(l[:i]) != col:
        sys.exit("misaligned: %r" % l)
PY
echo "lang_help: ok"
