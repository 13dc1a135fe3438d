# SPDX-License-Identifier: MIT
"""test_kiosk_many.py - 50 phones place orders at once on one station:
each phone (its own client address 127.0.0.N, as on the station's Wi-Fi)
opens /kiosk for its form's csrf token, then all 50 POST /kiosk together.
Every acknowledged order (a 200 answer page with an id) is in `cunlian
--json order list` with what that phone typed, the ids are unique, and
every phone got its answer. Then the limit per client: a sixth order from
one phone within ten minutes is refused with 429 and changes nothing.
No browser: plain HTTP over loopback (urllib's http.client)."""
import os
import re
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from weblib import BIN, cunlian_env, check, csrf_of, fail, http, run, start_node  # noqa: E402

PHONES = 50
LIMIT_N = 5  # WEB_LIMIT_N in web/web_internal.h


def flow():
    st = start_node("s0001", "东村服务站")
    forms = []
    for i in range(PHONES):
        src = "127.0.0.%d" % (i + 2)
        code, page, _ = http("GET", st.url("/kiosk"), source=src)
        if code != 200:
            fail("GET /kiosk from %s: %d" % (src, code))
        forms.append((src, {"csrf": csrf_of(page), "category": "助老", "detail": "第%d号手机的点单" % i,
                            "requester": "居民%d" % i, "phone": "1380000%04d" % i}))
    start = threading.Barrier(PHONES)
    answers = [None] * PHONES

    def phone(i):
        src, form = forms[i]
        start.wait()
        try:
            answers[i] = http("POST", st.url("/kiosk"), form, source=src, timeout=60)
        except Exception as e:  # noqa: BLE001 - reported below
            answers[i] = (0, str(e), {})

    ts = [threading.Thread(target=phone, args=(i,)) for i in range(PHONES)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    acked = {}
    for i, (code, text, _) in enumerate(answers):
        if code != 200:
            fail("phone %d got %d instead of its order's id: %s" % (i, code, text[:300]))
        m = re.search(r'id="order-id">(s0001-o\d+)<', text)
        if not m:
            fail("phone %d: a 200 answer without an order id" % i)
        if m.group(1) in acked:
            fail("phones %d and %d were given the same id %s" % (acked[m.group(1)], i, m.group(1)))
        acked[m.group(1)] = i
    orders = st.orders()
    for oid, i in acked.items():
        o = orders.get(oid)
        if not o or o["status"] != "open" or o["detail"] != "第%d号手机的点单" % i:
            fail("the order %s acknowledged to phone %d is not in the list as typed: %r" % (oid, i, o))
    if len(orders) != PHONES:
        fail("%d orders in the list after %d acknowledged" % (len(orders), PHONES))
    check("%d phones at once: %d orders acknowledged, each in the list, ids unique" % (PHONES, len(acked)))

    # the limit per client: phone 0 has placed one; four more, then refused
    src, form = forms[0]
    for k in range(LIMIT_N - 1):
        code, page, _ = http("GET", st.url("/kiosk"), source=src)
        form = dict(form, csrf=csrf_of(page), detail="再点一单 %d" % k)
        code, text, _ = http("POST", st.url("/kiosk"), form, source=src)
        if code != 200:
            fail("order %d of one phone within ten minutes: %d" % (k + 2, code))
    code, text, _ = http("POST", st.url("/kiosk"), form, source=src)
    if code != 429 or "十分钟" not in text:
        fail("order %d of one phone within ten minutes: %d, want 429 saying what to do" % (LIMIT_N + 1, code))
    if len(st.orders()) != PHONES + LIMIT_N - 1:
        fail("the refused order changed the list")
    code, page, _ = http("GET", st.url("/kiosk"), source="127.0.0.99")
    code, text, _ = http("POST", st.url("/kiosk"), dict(form, csrf=csrf_of(page)), source="127.0.0.99")
    if code != 200:
        fail("another phone was refused because of the first one: %d" % code)
    check("a %dth order from one phone in ten minutes is 429; other phones still order" % (LIMIT_N + 1))

    # a Wi-Fi setting the poster could not use is refused at start, saying why
    for line in ("wifi_password = short", "wifi_ssid = " + "长" * 11, "wifi_password = 中文密码中文密码"):
        bad = os.path.join(st.home, "bad.conf")
        with open(bad, "w", encoding="utf-8") as f:
            f.write(line + "\n")
        r = subprocess.run([BIN, "--home", st.home, "serve", "--config", bad, "--listen", "127.0.0.1:0",
                            "--once"], capture_output=True, text=True, timeout=30, env=cunlian_env())
        if r.returncode != 2 or "Wi-Fi" not in r.stderr or "bad.conf:1" not in r.stderr:
            fail("serve with `%s`: exit %d, %s" % (line, r.returncode, r.stderr))
    check("a bad wifi_ssid or wifi_password is refused at start (exit 2, file:line, why)")


run(flow)
