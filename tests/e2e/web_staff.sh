#!/bin/sh
# SPDX-License-Identifier: MIT
# web_staff.sh - the volunteers' and staff's pages and the county
# dashboard over real HTTP (cunlian serve --http on loopback, curl): the
# login page without a session, a wrong PIN, an unknown phone, the
# lockout after five wrong PINs, a session cookie that is HttpOnly and
# SameSite=Strict, a POST without (or with a wrong) CSRF token refused and
# nothing written, dispatch by a name (and the choice when the name is
# shared), accept and done by the volunteer, rate by the admin, a
# volunteer who may not dispatch, logout; at the hub, after `cunlian
# sync`: the dashboard with the station's order in its SVG chart, the last
# sync, a date range, and the CSV with a BOM, Chinese headers and CRLF.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "web_staff: the staff pages and the dashboard over HTTP"
command -v curl >/dev/null || fail "curl is needed (make deps installs it)"
H="$TMP/hub" S="$TMP/s1"

# tcp_port: a TCP port on 127.0.0.1 that is free now.
tcp_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# req JAR METHOD PATH [DATA]: an HTTP request with the cookie jar JAR;
# the status in $code, the body in $TMP/body, the headers in $TMP/head.
req() {
	jar=$1 method=$2 path=$3
	if [ "$method" = POST ]; then
		code=$(curl -s -m 20 -o "$TMP/body" -D "$TMP/head" -w '%{http_code}' -b "$TMP/$jar" -c "$TMP/$jar" \
			--data "$4" "$URL$path")
	else
		code=$(curl -s -m 20 -o "$TMP/body" -D "$TMP/head" -w '%{http_code}' -b "$TMP/$jar" -c "$TMP/$jar" \
			"$URL$path")
	fi
}
want() { [ "$code" = "$1" ] || fail "$2: HTTP $code, want $1: $(head -c 600 "$TMP/body")"; }
body_has() { grep -qF -- "$1" "$TMP/body" || fail "$2: no \"$1\" in: $(head -c 1500 "$TMP/body")"; }
body_lacks() { ! grep -qF -- "$1" "$TMP/body" || fail "$2: \"$1\" should not be in the page"; }
# token: the CSRF token of the last page's first form.
token() { grep -o 'name="csrf" value="[0-9a-f]*"' "$TMP/body" | head -1 | sed 's/.*value="//; s/"$//'; }
status_of() { cl --home "$S" --json order show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }

cl --home "$H" init --station county --name 县中心 --role hub --level county >/dev/null
enrolled "$H" "$S" s1 东村服务站 --parent t01
cl --home "$S" volunteer add --name 王伟 --phone 13800001234 >/dev/null
cl --home "$S" volunteer add --name 李娜 --phone 13900005678 >/dev/null
cl --home "$S" volunteer add --name 张明 --phone 13700000001 >/dev/null
cl --home "$S" volunteer add --name 张明 --phone 13700000002 >/dev/null
o=$(cl --home "$S" --json order add --category 助老 --detail '陪老人<b>看病</b>' --requester 张大爷 \
	--phone 13611112222 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

check "account set reads the PIN from stdin; the file is 0600 and holds no PIN"
echo 246813 | cl --home "$S" account set --volunteer 王伟 --role admin >/dev/null
printf '1357\n' >"$TMP/pin"
expect 0 --home "$S" account set --volunteer 13900005678 --role volunteer --pin-file "$TMP/pin"
contains "$out" "s1-v2" "account set names the volunteer"
[ "$(stat -c %a "$S/web.accounts")" = 600 ] || fail "web.accounts mode $(stat -c %a "$S/web.accounts")"
! grep -q '246813\|1357	' "$S/web.accounts" || fail "a PIN is in web.accounts"
grep -q 'argon2id' "$S/web.accounts" || fail "no Argon2id hash in web.accounts"
echo 12 >"$TMP/pin12"
expect 2 --home "$S" account set --volunteer 王伟 --role admin --pin-file "$TMP/pin12"
contains "$err" "4 到 8 位数字" "short PIN refused"
expect 2 --home "$S" account set --volunteer 王伟 --role boss --pin-file "$TMP/pin"
expect 3 --home "$S" account set --volunteer 张明 --role volunteer --pin-file "$TMP/pin"
contains "$err" "s1-v3" "ambiguous name lists the candidates"

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	check "as root over a home of the service's user: the account files go to that user"
	cl --home "$TMP/own" init --station s9 --name 九村 >/dev/null
	chown -R nobody "$TMP/own"
	cl --home "$TMP/own" account set --phone 13300000009 --name 站长 --role admin --pin-file "$TMP/pin" >/dev/null
	[ "$(stat -c %U "$TMP/own/web.accounts")" = nobody ] || fail "web.accounts belongs to $(stat -c %U "$TMP/own/web.accounts")"
	[ "$(stat -c %U "$TMP/own/web.accounts.lock")" = nobody ] || fail "the lock belongs to root"
fi

HP=$(tcp_port) CP=$(port)
serve st "$S" "$CP" --http "127.0.0.1:$HP"
stpid=$last
URL="http://127.0.0.1:$HP"

check "GET / without a session: the login page with a phone and a password field"
req a GET /
want 200 "login page"
body_has 'type="password"' "login page"
body_has 'name="phone"' "login page"
body_has 'name="viewport"' "login page"
body_lacks '张大爷' "login page"

check "a wrong PIN and an unknown phone: 401, the same message"
t=$(token)
req a POST /login "csrf=$t&phone=13800001234&pin=1111"
want 401 "wrong PIN"
body_has "手机号或 PIN 不对" "wrong PIN"
body_has "再错 4 次" "wrong PIN"
req a POST /login "csrf=$t&phone=13811112222&pin=1111"
want 401 "unknown phone"
body_has "手机号或 PIN 不对" "unknown phone"
grep -qi '^set-cookie: cunlian=[0-9a-f]' "$TMP/head" && fail "a failed login set a session cookie"

check "a login without the CSRF token is refused"
req a POST /login "phone=13800001234&pin=246813"
want 403 "login without token"

check "the right PIN: a session cookie, HttpOnly, SameSite=Strict, 64 hex"
req a POST /login "csrf=$t&phone=138-0000-1234&pin=246813"
want 303 "admin login"
grep -qiE '^set-cookie: cunlian=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/' "$TMP/head" ||
	fail "session cookie: $(grep -i set-cookie "$TMP/head")"

check "today's orders: the order, its text escaped, the phone masked"
req a GET /
want 200 "orders"
body_has "$o" "orders"
body_has '陪老人&lt;b&gt;看病&lt;/b&gt;' "escaped detail"
body_lacks '<b>看病' "raw detail"
body_has '136****2222' "masked phone"
body_lacks '13611112222' "full phone"

check "dispatch without the token, or with a wrong one: 403, nothing written"
req a POST /order/dispatch "id=$o&volunteer=李娜"
want 403 "dispatch without token"
req a POST /order/dispatch "csrf=00112233445566778899aabbccddeeff&id=$o&volunteer=李娜"
want 403 "dispatch with a wrong token"
[ "$(status_of "$o")" = open ] || fail "a refused dispatch changed the order"

check "the order page offers the volunteers' names to pick (datalist)"
req a GET "/order?id=$o"
want 200 "order page"
body_has '<datalist id="vols">' "order page"
body_has '<option value="李娜">' "order page"
t=$(token)

check "a name two volunteers share: 409 and the two to choose from, nothing written"
req a POST /order/dispatch "csrf=$t&id=$o&volunteer=张明"
want 409 "ambiguous dispatch"
body_has 's1-v3' "candidates"
body_has 's1-v4' "candidates"
[ "$(status_of "$o")" = open ] || fail "an ambiguous dispatch changed the order"

check "dispatch by name"
req a POST /order/dispatch "csrf=$t&id=$o&volunteer=李娜"
want 303 "dispatch"
cl --home "$S" --json order show "$o" | pyjson 'd["status"] == "dispatched" and d["volunteer"] == "s1-v2"'

check "the volunteer logs in and sees the order on their page; may not dispatch"
req b GET /
t2=$(token)
req b POST /login "csrf=$t2&phone=13900005678&pin=1357"
want 303 "volunteer login"
req b GET /
want 200 "volunteer page"
body_has "$o" "volunteer page"
body_has '接单' "volunteer page"
body_lacks '/volunteers"' "volunteer page"
t2=$(token)
req b POST /order/dispatch "csrf=$t2&id=$o&volunteer=王伟"
want 403 "volunteer dispatch"
req b GET /volunteers
want 403 "volunteer list for a volunteer"
cl --home "$S" --json order show "$o" | pyjson 'd["status"] == "dispatched" and d["volunteer"] == "s1-v2"'

check "the volunteer accepts and marks it done with hours; the points are credited"
req b POST /order/accept "csrf=$t2&id=$o&back=me"
want 303 "accept"
[ "$(status_of "$o")" = accepted ] || fail "accept did not move the order"
req b POST /order/done "csrf=$t2&id=$o&hours=abc"
want 400 "bad hours"
body_has '没有办成' "bad hours"
req b POST /order/done "csrf=$t2&id=$o&hours=1.5&back=me"
want 303 "done"
cl --home "$S" --json order show "$o" | pyjson 'd["status"] == "done" and d["hours"] == 1.5'
cl --home "$S" --json points balance s1-v2 | pyjson 'd["balance"] == 15'
req b GET /me
body_has '1.5' "my hours"
body_has 'aria-label="0 星"' "my stars (1.5 hours: none yet)"

check "a second done is refused with app/'s reason"
req a POST /order/done "csrf=$t&id=$o&hours=2"
[ "$code" = 403 ] || [ "$code" = 409 ] || fail "second done: HTTP $code"

check "the admin rates on the resident's behalf"
req a POST /order/rate "csrf=$t&id=$o&rating=5&comment=很好"
want 303 "rate"
cl --home "$S" --json order show "$o" | pyjson 'd["status"] == "rated" and d["rating"] == 5'

check "register a volunteer, find them, redeem points"
req a GET /volunteers
want 200 "volunteers"
t=$(token)
req a POST /volunteers/add "csrf=$t&name=赵六&phone=13500000001&team=&skills="
want 303 "register"
cl --home "$S" --json volunteer list | pyjson 'any(v["name"] == "赵六" for v in d["volunteers"])'
req a POST /volunteers/find "csrf=$t&who=李娜"
want 303 "find"
grep -qi '^location: /volunteer?id=s1-v2' "$TMP/head" || fail "find: $(grep -i location "$TMP/head")"
req a POST /volunteer/redeem "csrf=$t&id=s1-v2&points=5&item=毛巾"
want 303 "redeem"
cl --home "$S" --json points balance s1-v2 | pyjson 'd["balance"] == 10'
req a POST /volunteer/redeem "csrf=$t&id=s1-v2&points=500&item=电视"
want 403 "overdraw"
cl --home "$S" --json points balance s1-v2 | pyjson 'd["balance"] == 10'

check "logout ends the session: the old cookie no longer works"
cp "$TMP/b" "$TMP/b.old"
req b POST /logout "csrf=$t2"
want 303 "logout"
req b.old GET /me
body_has 'type="password"' "after logout"

check "five wrong PINs lock the phone for 15 minutes, even for the right PIN"
req c GET /
t3=$(token)
for i in 1 2 3 4; do
	req c POST /login "csrf=$t3&phone=13900005678&pin=9999"
	want 401 "wrong PIN $i"
done
req c POST /login "csrf=$t3&phone=13900005678&pin=9999"
want 403 "fifth wrong PIN"
body_has "已锁定" "lockout"
req c POST /login "csrf=$t3&phone=13900005678&pin=1357"
want 403 "right PIN while locked"
body_has "分钟后再试" "lockout"
cl --home "$S" --json account list | pyjson '[x["locked"] for x in d["accounts"] if x["volunteer"] == "s1-v2"] == [True]'
printf '1357\n' | cl --home "$S" account set --volunteer 李娜 --role volunteer >/dev/null
req c POST /login "csrf=$t3&phone=13900005678&pin=1357"
want 303 "login after the PIN was set again"

check "a volunteer who left: the session ends, the right PIN is refused with why"
cl --home "$S" volunteer set s1-v2 --status left >/dev/null
req c GET /me
body_has 'type="password"' "the session of a volunteer who left"
req c POST /login "csrf=$(token)&phone=13900005678&pin=1357"
want 403 "login of a volunteer who left"
body_has "退出" "why"

check "today's orders a page of 50 at a time, counted by state"
i=0
while [ $i -lt 54 ]; do
	cl --home "$S" order add --category 助老 --detail "第$i单" >/dev/null
	i=$((i + 1))
done
req a GET /
want 200 "orders page 1"
body_has '待派单 <b>54</b>' "open count"
body_has '今日完成 <b>1</b>' "finished today count"
[ "$(grep -o '<li class="order' "$TMP/body" | wc -l)" -eq 50 ] || fail "page 1 lists $(grep -o '<li class="order' "$TMP/body" | wc -l) orders, want 50"
body_has '第 1 / 2 页，共 55 单' "pages"
req a GET "/?page=2"
[ "$(grep -o '<li class="order' "$TMP/body" | wc -l)" -eq 5 ] || fail "page 2 lists the wrong number of orders"
req a GET "/?status=done"
[ "$(grep -o '<li class="order' "$TMP/body" | wc -l)" -eq 1 ] || fail "status=done lists the wrong orders"
body_has "$o" "today's finished order"
req a GET "/?status=nonsense"
want 400 "a bad status"

check "the station has no dashboard"
req a GET /hub
want 404 "station /hub"

check "at the hub, after a sync: the dashboard shows the station's order"
cl --home "$H" station add --id s2 --name 西村服务站 --parent t01 >/dev/null
cl --home "$H" order add --category 其他 --detail 修水管 --requester 赵奶奶 --phone 13611113333 --station s2 >/dev/null
echo 8642 | cl --home "$H" account set --phone 13300000000 --name 县管理员 --role admin >/dev/null
echo 9753 | cl --home "$H" account set --phone 13300000001 --name 县志愿者 --role volunteer >/dev/null
HHP=$(tcp_port) HCP=$(port)
serve hub "$H" "$HCP" --http "127.0.0.1:$HHP"
hubpid=$last
expect 0 --home "$S" sync "coap://127.0.0.1:$HCP"
URL="http://127.0.0.1:$HHP"
req h GET /hub
body_has 'type="password"' "hub without a session"
t4=$(token)
req h POST /login "csrf=$t4&phone=13300000001&pin=9753"
want 303 "hub volunteer login"
req h GET /hub
want 403 "hub volunteer"
req H GET /hub
req H POST /login "csrf=$(token)&phone=13300000000&pin=8642"
want 303 "hub admin login"
grep -qi '^location: /hub' "$TMP/head" || fail "hub login goes to $(grep -i location "$TMP/head")"
req H GET /hub
want 200 "dashboard"
body_has '<svg' "chart"
body_has '东村服务站</text>' "chart label"
body_has '>55</text>' "chart count"
body_has '满意率' "dashboard"
body_has '<h2 id="menu">需求清单</h2>' "the service menu on the dashboard"
body_has '<tr><td>助老</td><td>县级</td><td>按县设置</td>' "a standard category in the menu"
python3 - "$TMP/body" <<'EOF' || fail "last sync: s1 synced now, s2 never (marked stale)"
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
s1 = re.search(r"<tr([^>]*)><th>东村服务站</th>(.*?)</tr>", html)
s2 = re.search(r"<tr([^>]*)><th>西村服务站</th>(.*?)</tr>", html)
assert s1 and s2, "rows"
assert "stale" not in s1.group(1) and "从未同步" not in s1.group(2), s1.group(0)
assert 'class="stale"' in s2.group(1) and "从未同步" in s2.group(2), s2.group(0)
EOF
python3 - "$TMP/body" <<'EOF' || fail "dashboard table"
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
row = re.search(r"<tr[^>]*><th>东村服务站</th>(.*?)</tr>", html)
assert row, "no row for the station"
cells = re.findall(r"<td>(.*?)</td>", row.group(1))
assert cells[0] == "55" and cells[1] == "1", cells  # orders, finished
assert cells[5] == "100%", cells                   # satisfied
assert cells[6] == "1.5", cells                    # hours
assert cells[8] == "15" and cells[9] == "5", cells # points issued, redeemed
EOF

check "a date range with no orders, and a bad date"
req H GET "/hub?by=category&from=2030-01-01&to=2030-12-31"
want 200 "range"
body_has '<th>合计</th><td>0</td>' "empty range"
req H GET "/hub?by=month&from=2025-02-28&to=2025-02-28"
want 200 "range of one day"
body_has '<th>合计</th><td>56</td>' "the orders of 2025-02-28 (the end day included)"
req H GET "/hub?from=2030-13-01"
want 400 "bad month"
req H GET "/hub?to=2025-02-30"
want 400 "bad date"

check "the CSV: a BOM, Chinese headers, CRLF, the station's row"
req H GET "/hub/report.csv?by=station"
want 200 "csv"
grep -qi '^content-type: text/csv; charset=utf-8' "$TMP/head" || fail "csv type"
grep -qi '^content-disposition: attachment' "$TMP/head" || fail "csv disposition"
python3 - "$TMP/body" <<'EOF' || fail "csv bytes"
import sys
b = open(sys.argv[1], "rb").read()
assert b.startswith(b"\xef\xbb\xbf"), b[:10]
text = b[3:].decode("utf-8")
assert text.endswith("\r\n"), repr(text[-10:])
lines = text.split("\r\n")[:-1]
assert all("\n" not in l for l in lines), "a bare LF"
head = lines[0].split(",")
assert head[:3] == ["站点", "名称", "点单"] and head[-1] == "最后同步", head
row = [l for l in lines if l.startswith("s1,")]
assert row and row[0].split(",")[1] == "东村服务站" and row[0].split(",")[2] == "55", lines
assert lines[-1].startswith("合计,") and lines[-1].split(",")[2] == "56", lines
EOF

check "the dashboard by volunteer and by team; registered volunteers and wishes; a reversed range"
req H GET "/hub?by=volunteer"
want 200 "by volunteer"
body_has '<option value="volunteer" selected>志愿者</option>' "the form keeps the grouping"
body_has '<th>注册志愿者</th>' "registered volunteers' column"
body_has '<th>微心愿</th>' "wishes' column"
python3 - "$TMP/body" <<'EOF' || fail "the row of the volunteer who served"
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
row = re.search(r"<tr[^>]*><th>李娜</th>(.*?)</tr>", html)
assert row, "no row for 李娜"
cells = re.findall(r"<td>(.*?)</td>", row.group(1))
# finished, hours; she left (above): registered 0, new 1
assert cells[1] == "1" and cells[6] == "1.5" and cells[10] == "0" and cells[11] == "1", cells
EOF
req H GET "/hub?by=team"
want 200 "by team"
req H GET "/hub?by=nonsense"
want 400 "a bad grouping"
req H GET "/hub?from=2025-03-01&to=2025-02-01"
want 400 "from after to"
body_has '开始日期在结束日期之后' "says so"
check "the CSV by volunteer: the name next to the id, the new columns"
req H GET "/hub/report.csv?by=volunteer"
want 200 "csv by volunteer"
python3 - "$TMP/body" <<'EOF' || fail "csv by volunteer"
import csv, io, sys
b = open(sys.argv[1], "rb").read()
assert b.startswith(b"\xef\xbb\xbf") and b.count(b"\n") == b.count(b"\r\n"), b[:40]
rows = list(csv.reader(io.StringIO(b[3:].decode("utf-8"), newline="")))
assert rows[0][:3] == ["志愿者", "名称", "点单"] and "注册志愿者" in rows[0] and "微心愿" in rows[0], rows[0]
r = [x for x in rows if x[0] == "s1-v2"]
assert r and r[0][1] == "李娜", rows
EOF

stop "$hubpid"
stop "$stpid"
echo "web_staff: ok"
