# SPDX-License-Identifier: MIT
"""test_hub17.py - issue 17 on the county dashboard, in a real browser
(tests/web/weblib.py): a station publishes 55 micro-wishes (one claimed
by a unit, one fulfilled, one with markup in its text) and an activity,
the hub publishes a county-wide one, the station syncs with the hub. The
hub's admin sees the wishes and activities counted in /hub's table, and
the read-only lists /hub/wishes (state, station, what, due, holder; 50 a
page with prev/next; filtered by state and station through a GET form,
no JavaScript) and /hub/activities, with no resident's phone, at 1280x800
and 360x640. Screenshots: hub17-*.png."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from weblib import browser, check, check_page, enroll, fail, main_text, run, set_pin, shot, start_node  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


def rows(b):
    return [[c.text for c in tr.find_elements(By.TAG_NAME, "td")]
            for tr in b.find_elements(By.CSS_SELECTOR, "table.list tr") if tr.find_elements(By.TAG_NAME, "td")]


def flow():
    hub = start_node("county", "县中心", role="hub", init_args=("--level", "county"))
    st = start_node("s1", "东村服务站", init_args=("--parent", "t01"))
    enroll(hub, st, "s1")
    st.restart()

    st.cl("volunteer", "add", "--name", "王伟", "--phone", "13800001234")
    first = st.cl("--json", "wish", "add", "--what", "想要一台收音机听戏", "--for", "张奶奶",
                  "--due", "2031-06-01", "--requester", "张奶奶", "--phone", "13611112222")["id"]
    done = st.cl("--json", "wish", "add", "--what", "<b>修好院子的门</b>", "--for", "赵爷爷")["id"]
    for i in range(53):
        st.cl("wish", "add", "--what", "心愿 %02d" % i)
    st.cl("wish", "claim", first, "--unit", "县供电公司")
    st.cl("wish", "claim", done, "--volunteer", "王伟")
    st.cl("wish", "done", done, "--note", "换了合页", "--hours", "1")
    st.cl("activity", "add", "--title", "敬老院大扫除", "--place", "东村敬老院",
          "--start", "2031-03-01 09:00", "--end", "2031-03-01 11:00", "--capacity", "8", "--hours", "2")
    hub.cl("activity", "add", "--title", "全县义诊日", "--place", "县医院",
           "--start", "2031-04-01 08:00", "--end", "2031-04-01 12:00", "--capacity", "30", "--hours", "4")
    st.cl("sync", "coap://127.0.0.1:%d" % hub.coap_port)
    set_pin(hub, "8642", "--phone", "13300000000", "--name", "县管理员", "--role", "admin")

    h = browser(1280, 800)
    h.get(hub.url("/"))
    h.find_element(By.NAME, "phone").send_keys("13300000000")
    h.find_element(By.NAME, "pin").send_keys("8642")
    h.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    main_text(h, "县级看板")
    check_page(h)
    heads = [c.text for c in h.find_elements(By.CSS_SELECTOR, "table.report tr:first-child th")]
    row = h.find_element(By.XPATH, "//table[@class='report']//tr[th='东村服务站']")
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    want = {"微心愿": "55", "已圆梦": "1", "活动": "1"}
    got = {k: cells[heads.index(k) - 1] for k in want if k in heads}
    if got != want:
        fail("the dashboard's row for 东村: %r (headings %r)" % (got, heads))
    check("the dashboard counts 55 wishes, 1 fulfilled, 1 activity at 东村")

    h.find_element(By.CSS_SELECTOR, "nav.nav a[href='/hub/wishes']").click()
    main_text(h, "各站微心愿")
    check_page(h)
    r1 = rows(h)
    pages = h.find_element(By.CSS_SELECTOR, "nav.pages").text
    if len(r1) != 50 or "第 1 / 2 页，共 55 个" not in pages:
        fail("/hub/wishes page 1: %d rows, %r" % (len(r1), pages))
    src = h.page_source
    if "13611112222" in src or "136****2222" in src:
        fail("/hub/wishes shows the resident's phone")
    if "<b>修好院子的门</b>" in src or "&lt;b&gt;修好院子的门&lt;/b&gt;" not in src:
        fail("a wish's markup is not escaped")
    shot(h, "hub17-wishes-1280")
    h.find_element(By.LINK_TEXT, "下一页").click()
    main_text(h, "第 2 / 2 页")
    r2 = rows(h)
    if len(r2) != 5 or set(r[2] for r in r1) & set(r[2] for r in r2):
        fail("/hub/wishes page 2: %d rows, some of page 1" % len(r2))
    h.find_element(By.LINK_TEXT, "上一页").click()
    main_text(h, "第 1 / 2 页")
    check("/hub/wishes pages 55 wishes 50 at a time")

    Select(h.find_element(By.ID, "state")).select_by_value("claimed")
    h.find_element(By.CSS_SELECTOR, "form.range button[type=submit]").click()
    main_text(h, "共 1 个")
    got = rows(h)
    if len(got) != 1 or got[0][0] != "已认领" or got[0][1] != "s1" or "想要一台收音机听戏" not in got[0][2] \
            or got[0][3] != "2031-06-01" or got[0][4] != "单位 县供电公司":
        fail("the claimed wishes: %r" % got)
    Select(h.find_element(By.ID, "state")).select_by_value("fulfilled")
    h.find_element(By.CSS_SELECTOR, "form.range button[type=submit]").click()
    main_text(h, "共 1 个")
    got = rows(h)
    if len(got) != 1 or got[0][0] != "已圆梦" or got[0][4] != "志愿者 王伟":
        fail("the fulfilled wishes: %r" % got)
    shot(h, "hub17-wishes-done-1280")
    Select(h.find_element(By.ID, "state")).select_by_value("")
    box = h.find_element(By.ID, "station")
    box.send_keys("s2")
    box.submit()
    main_text(h, "没有这样的微心愿")
    box = h.find_element(By.ID, "station")
    box.clear()
    box.send_keys("s1")
    box.submit()
    main_text(h, "共 55 个")
    h.find_element(By.LINK_TEXT, "下一页").click()
    main_text(h, "第 2 / 2 页")
    if "station=s1" not in h.current_url or h.find_element(By.ID, "station").get_attribute("value") != "s1":
        fail("the next page lost the station filter: %s" % h.current_url)
    for bad, why in (("/hub/wishes?state=lost", "参数有误"), ("/hub/wishes?station=%3Cx%3E", "站点编号不对"),
                     ("/hub/wishes?page=0", "页码不对"), ("/hub/activities?page=x", "页码不对")):
        h.get(hub.url(bad))
        if why not in h.page_source:
            fail("%s is not refused with %s" % (bad, why))
    check("/hub/wishes filters by state and station, refuses bad queries")

    h.get(hub.url("/hub"))
    h.find_element(By.CSS_SELECTOR, "nav.nav a[href='/hub/activities']").click()
    main_text(h, "各站活动")
    check_page(h)
    got = {r[0].split()[0]: r for r in rows(h)}
    if sorted(got) != ["全县义诊日", "敬老院大扫除"] or got["全县义诊日"][1] != "全县" or \
            got["敬老院大扫除"][1] != "s1" or got["敬老院大扫除"][4] != "8" or got["全县义诊日"][9] != "4":
        fail("/hub/activities: %r" % got)
    shot(h, "hub17-activities-1280")
    check("/hub/activities lists the station's and the county's activities")

    p = browser(360, 640)
    p.get(hub.url("/"))
    p.find_element(By.NAME, "phone").send_keys("13300000000")
    p.find_element(By.NAME, "pin").send_keys("8642")
    p.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    main_text(p, "县级看板")
    p.get(hub.url("/hub/wishes"))
    check_page(p)
    shot(p, "hub17-wishes-360")
    p.get(hub.url("/hub/activities"))
    check_page(p)
    shot(p, "hub17-activities-360")
    # without a session: the login form, no list
    n = browser(360, 640)
    n.get(hub.url("/hub/wishes"))
    if not n.find_elements(By.CSS_SELECTOR, "input[type=password]") or "心愿 01" in n.page_source:
        fail("/hub/wishes without a session shows the list")


run(flow)
