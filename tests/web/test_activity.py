# SPDX-License-Identifier: MIT
"""test_activity.py - activities with check-in in a real browser
(tests/web/weblib.py). On a 360x640 phone: the station admin logs in,
opens the activity's list of people and ticks one signed-up volunteer in;
shows the check-in QR code, which (read back by zbarimg) leads a
volunteer's own phone to the check-in page: a wrong PIN is refused and
writes nothing, the right one checks her in (a walk-in: she never signed
up) and later out, crediting the activity's hours once. The admin checks
the other out and closes the activity. No page scrolls sideways or loads
anything from outside. Screenshots: activity-*.png."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from weblib import submit, browser, check, check_page, csrf_of, fail, http, qr_text, run, set_pin, shot, start_node, text_of  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402


def states(node, aid):
    d = node.cl("--json", "activity", "show", aid)
    return {p["volunteer"]: p["state"] for p in d["people"]}, d["activity"]


def flow():
    st = start_node("s1", "东村服务站")
    st.cl("volunteer", "add", "--name", "王伟", "--phone", "13800001234")
    st.cl("volunteer", "add", "--name", "李娜", "--phone", "13900005678")
    st.cl("volunteer", "add", "--name", "赵刚", "--phone", "13700001111")
    set_pin(st, "246813", "--volunteer", "王伟", "--role", "admin")
    set_pin(st, "1357", "--volunteer", "李娜", "--role", "volunteer")
    aid = st.cl("--json", "activity", "add", "--title", "敬老院大扫除", "--place", "东村敬老院",
                "--start", "2099-03-01 09:00", "--end", "2099-03-01 11:00", "--capacity", "2",
                "--hours", "2")["id"]
    st.cl("activity", "signup", aid, "--volunteer", "赵刚")

    # the admin: log in, the activities, the activity's people
    a = browser(360, 640)
    a.get(st.url("/"))
    a.find_element(By.NAME, "phone").send_keys("13800001234")
    a.find_element(By.NAME, "pin").send_keys("246813")
    submit(a.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]"))
    check_page(a)
    a.find_element(By.CSS_SELECTOR, "a[href='/activities']").click()
    check_page(a)
    shot(a, "activity-list-360")
    a.find_element(By.CSS_SELECTOR, "a[href='/activity?id=%s']" % aid).click()
    check_page(a)
    if "赵刚" not in a.page_source or "已报名" not in a.page_source or "13700001111" in a.page_source:
        fail("the activity's page does not list 赵刚 as signed up with the phone masked")
    shot(a, "activity-people-360")
    submit(a.find_element(By.CSS_SELECTOR, "#people form[action='/activity/checkin'] button"))
    check_page(a)
    s, act = states(st, aid)
    if s.get("s1-v3") != "in" or act["checked_in"] != 1:
        fail("after the admin's tick 赵刚 is %r" % s)
    check("the admin ticked 赵刚 in")
    shot(a, "activity-ticked-360")

    # the QR code the admin shows at the event
    a.find_element(By.ID, "qr-link").click()
    check_page(a)
    shot(a, "activity-qr-360")
    url = qr_text(a.find_element(By.CSS_SELECTOR, "#qr svg"), "activity-qr")
    if not url.startswith(st.url("/a/%s?k=" % aid)):
        fail("the QR code says %r" % url)
    check("the QR code leads to %s" % url)

    # without the QR code's key, without the form's token, guessing PINs:
    # refused, nothing written (another phone: 127.0.0.2)
    before = st.cl("digest")
    code, _, _ = http("GET", url.split("?")[0] + "?k=aaaaaaaaaaaaaaaa")
    if code != 404:
        fail("a wrong k answers %d, want 404" % code)
    code, page, _ = http("GET", url, source="127.0.0.2")
    form = {"k": url.split("k=")[1], "phone": "13900005678", "pin": "1357", "act": "in"}
    code, _, _ = http("POST", url.split("?")[0], form, source="127.0.0.2")
    if code != 403:
        fail("a check-in without the CSRF token answers %d, want 403" % code)
    form["csrf"] = csrf_of(page)
    codes = []
    for pin in ("0000", "1111", "2222", "3333", "4444", "5555"):
        form["pin"] = pin
        codes.append(http("POST", url.split("?")[0], form, source="127.0.0.2")[0])
    # the fifth wrong PIN also locks the account (403); the sixth try meets
    # the client's limit first
    if codes[:4] != [401] * 4 or codes[4] not in (401, 403) or codes[5] != 429:
        fail("guessing PINs answers %r, want 401s, then 429 at the sixth" % codes)
    if st.cl("digest") != before:
        fail("refused check-ins wrote")
    set_pin(st, "1357", "--volunteer", "李娜", "--role", "volunteer")  # lift the lockout
    check("a wrong key 404, no token 403, wrong PINs %r: nothing written" % codes)

    # the volunteer's own phone: a wrong PIN, then the right one
    v = browser(360, 640)
    v.get(url)
    check_page(v)
    shot(v, "activity-phone-360")
    before = st.cl("digest")
    v.find_element(By.NAME, "phone").send_keys("13900005678")
    v.find_element(By.NAME, "pin").send_keys("9999")
    submit(v.find_element(By.ID, "in"))
    check_page(v)
    if "已签到" in v.find_element(By.TAG_NAME, "main").text or st.cl("digest") != before:
        fail("a wrong PIN checked in or wrote")
    shot(v, "activity-phone-wrong-360")
    v.find_element(By.NAME, "phone").send_keys("13900005678")
    v.find_element(By.NAME, "pin").send_keys("1357")
    submit(v.find_element(By.ID, "in"))
    check_page(v)
    if "李娜 已签到" not in text_of(v, "result", "李娜 已签到"):
        fail("the phone's check-in says %r" % v.find_element(By.TAG_NAME, "main").text)
    s, act = states(st, aid)
    if s.get("s1-v2") != "in" or act["seats"] != 2:
        fail("李娜 walked in: %r %r" % (s, act))
    check("李娜 checked in on her phone (a walk-in, the last seat)")
    shot(v, "activity-phone-in-360")
    v.find_element(By.NAME, "phone").send_keys("13900005678")
    v.find_element(By.NAME, "pin").send_keys("1357")
    submit(v.find_element(By.ID, "out"))
    check_page(v)
    if "记入 2 小时、20 积分" not in text_of(v, "result", "记入 2 小时、20 积分"):
        fail("the phone's check-out says %r" % v.find_element(By.TAG_NAME, "main").text)
    shot(v, "activity-phone-out-360")
    v.find_element(By.NAME, "phone").send_keys("13900005678")
    v.find_element(By.NAME, "pin").send_keys("1357")
    submit(v.find_element(By.ID, "out"))
    if "已经在活动" not in text_of(v, "result", "已经在活动"):
        fail("a second check-out is not refused: %r" % v.find_element(By.TAG_NAME, "main").text)
    if st.cl("--json", "points", "balance", "s1-v2")["balance"] != 20:
        fail("李娜's hours credited other than once")
    check("李娜 checked out: 2 hours, 20 points, once")

    # the admin: 赵刚 out, then close
    a.get(st.url("/activity?id=%s" % aid))
    submit(a.find_element(By.CSS_SELECTOR, "#people form[action='/activity/checkout'] button"))
    check_page(a)
    submit(a.find_element(By.CSS_SELECTOR, "form[action='/activity/close'] button"))
    check_page(a)
    s, act = states(st, aid)
    if not act["closed"] or s != {"s1-v2": "out", "s1-v3": "out"}:
        fail("after close: %r %r" % (s, act))
    if a.find_elements(By.CSS_SELECTOR, "form[action='/activity/checkin']"):
        fail("a closed activity still offers check-in")
    shot(a, "activity-closed-360")
    check("the admin checked 赵刚 out and closed the activity")


if __name__ == "__main__":
    run(flow)
