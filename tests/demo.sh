#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: the README's main job. A county hub and three village stations,
# each its own home and its own cunlian processes on this machine, do a day
# of village work offline, then sync with the hub over CoAP on loopback (the
# third station has no link: its changes travel as a bundle file, as on a
# USB stick) — including a conflict (the hub reassigns an order a station
# has just finished), a redemption of points, a gift redeemed from a
# station's shelf, a micro-wish claimed and fulfilled, and a visiting volunteer whose hours and points reach
# the home station — and agree. Then a resident
# orders from a phone at 一村's web page (POST /kiosk over HTTP) and the
# order reaches the hub, and 一村 runs an activity with check-in whose
# hours are credited and which the hub sees. It leaves nothing running, unless KEEP=1: then
# the hub and 一村 go on serving and the addresses to open are printed.
set -eu
build=${1:-build}
BIN=$(cd "$(dirname "$build/cunlian")" && pwd)/cunlian
DIR=$(mktemp -d "${TMPDIR:-/tmp}/cunlian-demo.XXXXXX")
HUBPID=
STPID=
cleanup() {
	rc=$?
	if [ -n "${KEEP:-}" ] && [ "$rc" -eq 0 ]; then
		exit 0 # the nodes go on serving (printed at the end)
	fi
	for p in $HUBPID $STPID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${DEMO_KEEP:-}" ]; then echo "kept $DIR" >&2; else rm -rf "$DIR"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export LANG=${DEMO_LANG:-zh_CN.UTF-8} TZ=CST-8
unset LC_ALL LC_MESSAGES CUNLIAN_HOME CUNLIAN_NOW_MS
c() { # c HOME ARGS: run cunlian on one node
	h=$1
	shift
	"$BIN" --home "$DIR/$h" "$@"
}
q() { c "$@" >/dev/null; }
say() { printf '\n== %s\n' "$*"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HUB=coap://127.0.0.1:$PORT
tcp_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HUBHTTP=$(tcp_port)
sync_all() { # every station with a link syncs with the hub; s0003 by bundle
	for s in 1 2; do
		c s000$s sync "$HUB" | sed 's/^/  /'
	done
	q s0003 bundle export "$DIR/s0003.bundle"
	c hub bundle import "$DIR/s0003.bundle" | sed 's/^/  /'
	q hub bundle export "$DIR/hub-s0003.bundle" --for s0003
	q s0003 bundle import "$DIR/hub-s0003.bundle"
}

say "1. 县级中心建立节点，三个村站点安装并登记 (a county hub; three stations enrolled)"
q hub init --station c01 --name 县新时代文明实践中心 --role hub --level county
q hub station add --id t01 --name 城关镇 --level town --parent c01
for s in 1 2 3; do
	q s000$s init --station s000$s --name "第${s}村实践站" --parent t01
	q s000$s enroll request "$DIR/s000$s.req"
	q hub enroll sign "$DIR/s000$s.req" --station s000$s --out "$DIR/s000$s.cert"
	q s000$s enroll accept "$DIR/s000$s.cert"
done
"$BIN" --home "$DIR/hub" serve --listen "127.0.0.1:$PORT" --http "127.0.0.1:$HUBHTTP" >"$DIR/hub.log" 2>&1 &
HUBPID=$!
n=0
until grep -q "serving\|监听\|服务" "$DIR/hub.log" 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 100 ] || { cat "$DIR/hub.log"; exit 1; }
	sleep 0.1
done
echo "  县级中心在 $HUB 提供同步服务 (the hub serves)"
sync_all >/dev/null

say "2. 离线的一天：登记志愿者、点单、派单、接单、做单、评单 (a day offline)"
for s in 1 2 3; do
	h=s000$s
	v1=$(c $h --json volunteer add --name "王秀英$s" --phone 1380000${s}001 --team 红马甲服务队 --skills 助老,代购 | id_of)
	v2=$(c $h --json volunteer add --name "李建国$s" --phone 1390000${s}002 --team 党员先锋队 --skills 维修 | id_of)
	o1=$(c $h --json order add --category 助老 --detail 陪独居老人去镇卫生院复查 --requester 张* --phone 13812341234 | id_of)
	o2=$(c $h --json order add --category 其他 --detail 帮独居老人修理漏水的水管 --requester 刘* | id_of)
	q $h order dispatch "$o1" --volunteer "$v1"
	q $h order accept "$o1"
	q $h order done "$o1" --hours 3
	q $h order rate "$o1" --rating 5 --comment 服务很周到
	q $h order dispatch "$o2" --volunteer "$v2"
done
c s0001 order list

say "3. 傍晚同步 (evening: stations sync with the hub; s0003 by USB stick)"
sync_all

say "4. 冲突：一村离线完成了订单，县级中心同时把它改派给别人 (a conflict)"
c s0001 order accept s0001-o2
c s0001 order done s0001-o2 --hours 2
c hub order dispatch s0001-o2 --volunteer s0001-v1
sync_all >/dev/null
echo "  同步后县级中心看到 (after syncing, the hub sees):"
c hub order show s0001-o2 | sed 's/^/    /'

say "5. 积分兑换：志愿者在自己的站点用积分换鸡蛋 (a redemption)"
c s0002 points balance s0002-v1
c s0002 points redeem s0002-v1 --points 20 --item 鸡蛋
echo "  余额不足会被拒绝 (an overdraw is refused, nothing changes):"
set +e
c s0002 points redeem s0002-v1 --points 100 --item 大米 2>&1 | sed 's/^/    /'
set -e
echo "  爱心超市：按礼品兑换，积分和库存一起扣 (the gift shelf: points and stock at once):"
q s0002 gift add --name 毛巾 --price 5 --stock 1
c s0002 points redeem s0002-v1 --gift 毛巾 | sed 's/^/    /'
set +e
c s0002 points redeem s0002-v1 --gift 毛巾 2>&1 | sed 's/^/    /'
set -e
echo "  微心愿：居民的心愿由志愿者认领、圆梦 (a micro-wish claimed and fulfilled):"
w1=$(c s0002 --json wish add --what 想要一台收音机听戏 --for 独居的孙奶奶 --requester 孙奶奶 | id_of)
c s0002 wish claim "$w1" --volunteer s0002-v2 | sed 's/^/    /'
c s0002 wish done "$w1" --note 买来收音机并教会孙奶奶使用 --hours 1 | sed 's/^/    /'
sync_all >/dev/null
echo "  同步后县级中心看到二村的货架 (after syncing, the hub sees 二村's shelf):"
c hub gift list | sed 's/^/    /'
echo "  和二村圆梦的微心愿 (and 二村's fulfilled wish):"
c hub wish list --state fulfilled | sed 's/^/    /'

say "6. 外站志愿者：一村的志愿者到二村帮忙，时长和积分回到一村 (a visiting volunteer)"
o3=$(c s0002 --json order add --category 助残 --detail 帮残疾人修理轮椅 --requester 赵* | id_of)
c s0002 order dispatch "$o3" --volunteer s0001-v2
q s0002 order accept "$o3"
c s0002 order done "$o3" --hours 1.5
q s0002 sync "$HUB" # 二村 to the hub, then the hub to 一村
q s0001 sync "$HUB"
echo "  同步后一村看到 (after syncing, the home station sees):"
c s0001 volunteer show s0001-v2 | sed 's/^/    /'
sync_all >/dev/null # the credit is county-wide data: every station gets it

say "7. 县级报表 (the county report)"
c hub report --by station

say "7b. 队伍与优秀志愿者 (a team, hours outside orders, the month's most hours)"
c s0001 team add --name 红马甲服务队 --leader s0001-v1
q s0001 team join 红马甲服务队 s0001-v1
q s0001 team join 红马甲服务队 s0001-v2
c s0001 hours add s0001-v2 --hours 3 --reason 重阳节敬老活动
sync_all >/dev/null
c hub report --by team
c hub report --top

say "7c. 管理员的报表：按志愿者和日期、搜索、Excel 表格 (reports: by volunteer over days, search, CSV for Excel)"
c hub report --by volunteer --from "$(date +%Y-%m-%d)" --to "$(date +%Y-%m-%d)"
c hub volunteer list --search 王 --limit 3
c hub report --format csv >"$DIR/报表.csv"
echo "  $DIR/报表.csv: $(head -1 "$DIR/报表.csv" | cut -c1-60)...（UTF-8 BOM、中文表头、CRLF，Excel 双击即开）"
say "7d. 需求清单与县级派单 (the service menu; the hub sends an order to a station)"
echo "  写错类别会提示最接近的一项 (a typo names the nearest category):"
set +e
c s0001 order add --category 助佬 --detail 送午饭 2>&1 | sed 's/^/    /'
set -e
q hub category add --name 代购 --description 代买药品和日用品 --points-per-hour 8
o4=$(c hub --json order add --station s0001 --category 代购 --detail 帮独居老人买降压药 | id_of)
echo "  一村忙不过来，县级中心把这一单转给二村 (the hub moves it from 一村 to 二村):"
c hub order dispatch "$o4" --station s0002 | sed 's/^/    /'
sync_all >/dev/null
echo "  二村同步后 (after syncing, 二村 sees):"
c s0002 status | grep 县级中心派来 | sed 's/^/    /'
c s0002 order list --from-hub | sed 's/^/    /'

say "8. 数据摘要：各站与县级中心完全一致 (digests agree)"
ok=1
for s in 1 2 3; do
	a=$(c hub digest --scope s000$s)
	b=$(c s000$s digest --scope s000$s)
	g=$(c s000$s digest --scope "")
	printf '  s000%s  站点数据 %.16s…  县级中心 %.16s…  全县数据 %.16s…\n' "$s" "$b" "$a" "$g"
	[ "$a" = "$b" ] || ok=0
	[ "$g" = "$(c hub digest --scope "")" ] || ok=0
done
if [ $ok -eq 1 ]; then
	echo "  一致 (all replicas agree)"
else
	echo "  不一致 (REPLICAS DIFFER)"
	exit 1
fi

say "9. 居民用手机扫码点单，订单同步到县级中心 (a resident orders at 一村's web page)"
STHTTP=$(tcp_port)
STCOAP=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --home "$DIR/s0001" serve --listen "127.0.0.1:$STCOAP" --http "127.0.0.1:$STHTTP" \
	>"$DIR/s0001.log" 2>&1 &
STPID=$!
n=0
until grep -q "/kiosk" "$DIR/s0001.log" 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 100 ] || { cat "$DIR/s0001.log"; exit 1; }
	sleep 0.1
done
echo "  一村的网页：http://127.0.0.1:$STHTTP/kiosk"
oid=$(python3 - "http://127.0.0.1:$STHTTP/kiosk" <<'PY'
import re, sys, urllib.parse, urllib.request
url = sys.argv[1]
page = urllib.request.urlopen(url, timeout=10).read().decode()
csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
form = urllib.parse.urlencode({"csrf": csrf, "category": "助老", "detail": "下周二陪同去镇卫生院复查",
                               "requester": "张大爷", "phone": "13800138000"}).encode()
answer = urllib.request.urlopen(url, data=form, timeout=10).read().decode()
print(re.search(r'id="order-id">([^<]+)<', answer).group(1))
PY
)
echo "  POST /kiosk 的回答：点单成功，单号 $oid (the answer page shows the new id)"
c s0001 sync "$HUB" | sed 's/^/  /'
echo "  同步后县级中心看到 (after syncing, the hub sees):"
c hub order show "$oid" | sed 's/^/    /'
c hub report --by station | sed 's/^/  /'

say "10. 县级看板：管理员登录网页，看到一村的这一单 (the hub's dashboard over HTTP)"
# web logins: PINs from a file, never on the command line (docs/admin-guide.md)
printf '246810\n' >"$DIR/pin"
q hub account set --phone 13300000000 --name 县管理员 --role admin --pin-file "$DIR/pin"
q s0001 account set --volunteer 13800001001 --role admin --pin-file "$DIR/pin"
python3 - "http://127.0.0.1:$HUBHTTP" <<'PY'
import http.cookiejar, re, sys, urllib.parse, urllib.request
base = sys.argv[1]
jar = http.cookiejar.CookieJar()
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = web.open(base + "/hub", timeout=10).read().decode()
csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
form = urllib.parse.urlencode({"csrf": csrf, "phone": "13300000000", "pin": "246810"}).encode()
dash = web.open(base + "/login", data=form, timeout=20).read().decode()
row = re.search(r"<tr[^>]*><th>第1村实践站</th>(.*?)</tr>", dash)
if not row:
    sys.exit("the dashboard has no row for 第1村实践站")
cells = re.findall(r"<td>(.*?)</td>", row.group(1))
print("  GET /hub 第1村实践站：点单 %s，完成 %s，服务时长 %s 小时，最后同步 %s" %
      (cells[0], cells[1], cells[6], re.sub(r"<[^>]+>", "", cells[-1])))
PY

say "11. 志愿活动：一村发布活动，志愿者报名、签到、签退，时长记入积分 (an activity with check-in)"
day=$(date +%Y-%m-%d)
# all of today, so the sign-up is before its end whenever the demo runs
# (a sign-up after an activity's end is refused, activity.c A11)
aid=$(c s0001 --json activity add --title 敬老院大扫除 --place 第1村敬老院 --start "$day 00:00" \
	--end "$day 23:59" --capacity 2 --hours 2 | id_of)
c s0001 activity signup "$aid" --volunteer s0001-v1 | sed 's/^/  /'
c s0001 activity checkin "$aid" --volunteer s0001-v1 | sed 's/^/  /'
c s0001 activity checkin "$aid" --volunteer s0001-v2 | sed 's/^/  /'
c s0001 activity checkout "$aid" --volunteer s0001-v1 | sed 's/^/  /'
c s0001 activity close "$aid" | sed 's/^/  /'
c s0001 sync "$HUB" >/dev/null
echo "  同步后县级中心看到 (after syncing, the hub sees):"
c hub activity show "$aid" | sed 's/^/    /'

if [ -n "${KEEP:-}" ]; then
	say "节点仍在运行 (KEEP=1: the nodes go on serving)"
	echo "  居民点单 (residents):        http://127.0.0.1:$STHTTP/kiosk"
	echo "  点单海报 (the A4 poster):    http://127.0.0.1:$STHTTP/kiosk/poster"
	echo "  一村大屏 (big screen):       http://127.0.0.1:$STHTTP/display"
	echo "  一村工作人员 (station staff): http://127.0.0.1:$STHTTP/  手机号 13800001001 PIN 246810"
	echo "  一村的活动签到 (activity check-in): http://127.0.0.1:$STHTTP/activity?id=$aid"
	echo "  县级中心 (county dashboard): http://127.0.0.1:$HUBHTTP/hub  手机号 13300000000 PIN 246810"
	echo "  县级大屏 (county screen):    http://127.0.0.1:$HUBHTTP/display"
	echo "  节点目录 (homes): $DIR"
	echo "  停止 (stop them): kill $HUBPID $STPID; rm -rf $DIR"
fi
