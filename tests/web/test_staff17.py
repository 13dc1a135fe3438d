# SPDX-License-Identifier: MIT
"""test_staff17.py - issue 17 on the station's staff pages, in a real
browser (tests/web/weblib.py), at 360x640 and 1280x800:

- an order the hub sent to this station (app/send.h) is marked 县派 in
  today's orders and on its own page, and "只看县派" lists those only;
- /volunteers pages the station's 120 volunteers 50 at a time with
  prev/next links, and its search box (no JavaScript: a GET form) finds
  them by name, by phone and by team, the text kept in the page links.

Screenshots: staff17-*.png."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from weblib import browser, check, check_page, enroll, fail, login, main_text, run, set_pin, shot, start_node  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402


def ids_listed(b):
    return [a.get_attribute("href").split("id=")[1]
            for a in b.find_elements(By.CSS_SELECTOR, "ul.orders li a[href^='/order?id=']")
            if "id=" in a.get_attribute("href")]


def flow():
    hub = start_node("county", "县中心", role="hub", init_args=("--level", "county"))
    st = start_node("s1", "东村服务站", init_args=("--parent", "t01"))
    enroll(hub, st, "s1")

    # 120 volunteers: 3 teams of 40, 王 and 李 and 赵 (import: one transaction)
    csv = os.path.join(os.path.dirname(st.home), "vols.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("name,phone,team\n")
        for i in range(120):
            fam, team = [("王", "红星队"), ("李", "青年队"), ("赵", "巾帼队")][i % 3]
            f.write("%s%03d,139%08d,%s\n" % (fam, i, 10000 + i, team))
    st.cl("volunteer", "import", csv)
    st.restart()
    set_pin(st, "246813", "--volunteer", "王000", "--role", "admin")
    own = st.cl("--json", "order", "add", "--category", "助老", "--detail", "本站自己的单",
                "--requester", "张大爷")["id"]
    # the hub takes an order for s1 and sends it there; the station syncs
    sent = hub.cl("--json", "order", "add", "--category", "助残", "--detail", "县里派来：送轮椅",
                  "--station", "s1")["id"]
    st.cl("sync", "coap://127.0.0.1:%d" % hub.coap_port)
    listed = {o["id"]: o for o in st.cl("--json", "order", "list")["orders"]}
    if sent not in listed or own not in listed:
        fail("after the sync the station lists %r, want %s and %s" % (sorted(listed), own, sent))

    a = browser(360, 640)
    login(a, st, "13900010000", "246813")
    items = {li.find_element(By.CSS_SELECTOR, "a").get_attribute("href").split("id=")[1]: li.text
             for li in a.find_elements(By.CSS_SELECTOR, "ul.orders li")}
    if "县派" not in items.get(sent, "") or "县派" in items.get(own, "县派"):
        fail("today's orders mark the hub's order 县派 and only it? %r" % items)
    shot(a, "staff17-orders-360")
    link = a.find_element(By.CSS_SELECTOR, "nav.kinds a.from-hub")
    if link.text.split()[-1] != "1":
        fail("the 只看县派 link counts %r, want 1" % link.text)
    link.click()
    main_text(a, "只看县派 ✓")
    check_page(a)
    if ids_listed(a) != [sent]:
        fail("只看县派 lists %r, want [%s]" % (ids_listed(a), sent))
    shot(a, "staff17-orders-hub-360")
    # the kinds keep the filter: open orders from the hub is the same one
    a.find_element(By.CSS_SELECTOR, "nav.kinds a[href='/?status=open&hub=1']").click()
    main_text(a, "只看县派 ✓")
    if ids_listed(a) != [sent]:
        fail("待派单 + 只看县派 lists %r" % ids_listed(a))
    a.get(st.url("/?hub=2"))
    if "参数有误" not in a.page_source:
        fail("?hub=2 is not refused")
    a.get(st.url("/order?id=" + sent))
    check_page(a)
    if "县级中心派来的订单" not in a.find_element(By.TAG_NAME, "main").text:
        fail("the order's page does not say the hub sent it")
    if "sent:" in a.find_element(By.TAG_NAME, "main").text:
        fail("the order's history shows the hub's raw note 'sent:'")
    shot(a, "staff17-order-hub-360")
    a.get(st.url("/order?id=" + own))
    if "县级中心派来" in a.page_source:
        fail("the station's own order says the hub sent it")
    check("the hub's order is marked 县派 in the list and its page, and the filter shows it alone")

    # volunteers: pages of 50, prev/next, search
    a.get(st.url("/volunteers"))
    check_page(a)
    rows = a.find_elements(By.CSS_SELECTOR, "ul.list li")
    pages = a.find_element(By.CSS_SELECTOR, "nav.pages").text
    if len(rows) != 50 or "第 1 / 3 页，共 120 位" not in pages:
        fail("the first page of volunteers has %d rows, %r" % (len(rows), pages))
    seen = set(r.text.split()[0] for r in rows)
    a.find_element(By.LINK_TEXT, "下一页").click()
    main_text(a, "第 2 / 3 页")
    check_page(a)
    rows2 = [r.text.split()[0] for r in a.find_elements(By.CSS_SELECTOR, "ul.list li")]
    if len(rows2) != 50 or seen & set(rows2):
        fail("page 2 has %d rows, %d of them on page 1" % (len(rows2), len(seen & set(rows2))))
    a.find_element(By.LINK_TEXT, "下一页").click()
    main_text(a, "第 3 / 3 页")
    rows3 = [r.text.split()[0] for r in a.find_elements(By.CSS_SELECTOR, "ul.list li")]
    if len(rows3) != 20 or a.find_elements(By.LINK_TEXT, "下一页") or len(seen | set(rows2) | set(rows3)) != 120:
        fail("page 3 has %d rows; all pages %d names" % (len(rows3), len(seen | set(rows2) | set(rows3))))
    a.find_element(By.LINK_TEXT, "上一页").click()
    main_text(a, "第 2 / 3 页")
    check("/volunteers pages 120 volunteers 50 at a time")

    def search(text, want_total):
        box = a.find_element(By.ID, "q")
        box.clear()
        box.send_keys(text)
        box.submit()
        t = main_text(a, "共 %d 位" % want_total)
        check_page(a)
        if "共 %d 位" % want_total not in t:
            fail("searching %r: %r" % (text, a.find_element(By.CSS_SELECTOR, "main").text[-200:]))
        if a.find_element(By.ID, "q").get_attribute("value") != text:
            fail("the search box does not keep %r" % text)
        return [r.text for r in a.find_elements(By.CSS_SELECTOR, "ul.list li")]

    by_team = search("青年队", 40)
    if len(by_team) != 40 or any(not r.startswith("李") for r in by_team):
        fail("team 青年队 lists %r" % by_team[:5])
    by_name = search("王00", 4)
    if sorted(r.split()[0] for r in by_name) != ["王000", "王003", "王006", "王009"]:
        fail("name 王00 lists %r" % by_name)
    by_phone = search("13900010117", 1)
    if len(by_phone) != 1 or not by_phone[0].startswith("王117"):
        fail("phone 13900010117 lists %r" % by_phone)
    shot(a, "staff17-volunteers-search-360")
    # a search of more than one page keeps its text in the links
    search("队", 120)
    a.find_element(By.LINK_TEXT, "下一页").click()
    main_text(a, "第 2 / 3 页")
    if a.find_element(By.ID, "q").get_attribute("value") != "队":
        fail("the next page lost the search: %s" % a.current_url)
    none = a.get(st.url("/volunteers?q=%3Cb%3E"))
    if "没有找到这样的志愿者" not in a.page_source or "<b>" in a.find_element(By.ID, "q").get_attribute("outerHTML"):
        fail("a search for <b> is not escaped or not answered")
    a.get(st.url("/volunteers?page=0"))
    if "页码不对" not in a.page_source:
        fail("page=0 is not refused")
    a.get(st.url("/volunteers?q=" + "队" * 50))
    if "查找的字太长" not in a.page_source:
        fail("a search of 50 characters is not refused")
    check("the search box finds volunteers by team, name and phone, escaped and bounded")

    d = browser(1280, 800)
    login(d, st, "13900010000", "246813")
    shot(d, "staff17-orders-1280")
    d.get(st.url("/volunteers?q=%E9%98%9F&page=2"))
    check_page(d)
    shot(d, "staff17-volunteers-1280")
    return none


run(flow)
