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

check "messages: Chinese by default, English with LANG=en_US.UTF-8"
expect 0 --home "$H" init --station s0001 --name 东村服务站
contains "$out" "已创建节点" "Chinese init"
expect 0 --home "$H" volunteer add --name 王伟 --phone 13800001234
contains "$out" "已登记志愿者" "Chinese volunteer add"
out=$(LANG=en_US.UTF-8 CUNLIAN_NOW_MS=$(($(cat "$TMP/now") + 500)) "$BIN" --home "$H" volunteer add --name Li --phone 13900005678)
contains "$out" "registered" "English volunteer add"
set +e
err=$(LANG=en_US.UTF-8 "$BIN" --home "$H" order rate s0001-o9 --rating 5 2>&1)
set -e
contains "$err" "no order s0001-o9" "English error"
expect 4 --home "$H" order rate s0001-o9 --rating 5
contains "$err" "没有订单" "Chinese error"

check "the reason inside an error is in the message's language"
expect 4 --home "$H" bundle import "$TMP/no-such.bundle"
contains "$err" "文件或目录不存在" "Chinese reason"
LANG=C expect 4 --home "$H" bundle import "$TMP/no-such.bundle"
contains "$err" "No such file" "English reason"
export LANG=zh_CN.UTF-8 # a shell may keep a function's prefix assignment

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
