# SPDX-License-Identifier: MIT
"""test_staff.py - the volunteers' and staff's pages and the county
dashboard in a real browser (tests/web/weblib.py). On a 360x640 phone: the
station admin logs in with phone and PIN, sees today's orders, picks a
volunteer by name from the list (a <datalist>, no JavaScript) and
dispatches; the volunteer logs in on another phone, accepts on their page
and marks it done with hours; the admin rates it on the resident's
behalf. Then the station syncs with the hub (`cunlian sync`) and the hub's
admin sees the order in the dashboard's chart and table, at 1280x800 and
at 360x640, a station that never synced marked. No page scrolls sideways or loads anything from outside.
Screenshots: staff-*.png, hub-*.png."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from weblib import browser, check, check_page, cl, enroll, fail, login, run, set_pin, shot, start_node, submit  # noqa: E402

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select  # noqa: E402


def flow():
    hub = start_node("county", "县中心", role="hub", init_args=("--level", "county"))
    st = start_node("s1", "东村服务站", init_args=("--parent", "t01"))
    # enrol the station with the county (as a technician does), then serve again
    enroll(hub, st, "s1")
    st.restart()

    st.cl("volunteer", "add", "--name", "王伟", "--phone", "13800001234")
    st.cl("volunteer", "add", "--name", "李娜", "--phone", "13900005678")
    st.cl("volunteer", "add", "--name", "赵刚", "--phone", "13700001111")
    oid = st.cl("--json", "order", "add", "--category", "助老", "--detail", "陪张大爷去卫生院量血压",
                "--requester", "张大爷", "--phone", "13611112222")["id"]
    set_pin(st, "246813", "--volunteer", "王伟", "--role", "admin")
    set_pin(st, "1357", "--volunteer", "李娜", "--role", "volunteer")

    # the admin on a phone: log in, today's orders, dispatch by name
    a = browser(360, 640)
    login(a, st, "13800001234", "246813", "staff-login-360")
    if oid not in a.page_source or "136****2222" not in a.page_source or "13611112222" in a.page_source:
        fail("today's orders do not list %s with the phone masked" % oid)
    shot(a, "staff-orders-360")
    a.find_element(By.CSS_SELECTOR, "a[href='/order?id=%s']" % oid).click()
    check_page(a)
    names = [o.get_attribute("value") for o in a.find_elements(By.CSS_SELECTOR, "datalist#vols option")]
    if sorted(names) != sorted(["王伟", "李娜", "赵刚"]):
        fail("the volunteer list to pick from is %r" % names)
    box = a.find_element(By.ID, "volunteer")
    if box.get_attribute("list") != "vols":
        fail("the volunteer field is not tied to the list")
    box.send_keys("李娜")
    shot(a, "staff-dispatch-360")
    box.submit()
    check_page(a)
    o = st.orders()[oid]
    if o["status"] != "dispatched" or o["volunteer"] != "s1-v2":
        fail("after dispatch the order is %r" % o)
    check("the admin dispatched %s to 李娜 by name" % oid)
    shot(a, "staff-dispatched-360")

    # the volunteer on their phone: my page, accept, done with hours
    v = browser(360, 640)
    login(v, st, "13900005678", "1357")
    if oid not in v.page_source:
        fail("the volunteer's page does not show the order dispatched to them")
    if v.find_elements(By.CSS_SELECTOR, "a[href='/volunteers']"):
        fail("a volunteer is offered the volunteers' list")
    shot(v, "staff-me-dispatched-360")
    v.find_element(By.CSS_SELECTOR, "form[action='/order/accept'] button").click()
    check_page(v)
    if st.orders()[oid]["status"] != "accepted":
        fail("accept on the volunteer's page did not accept")
    hours = v.find_element(By.CSS_SELECTOR, "form[action='/order/done'] input[name=hours]")
    hours.send_keys("1.5")
    shot(v, "staff-me-accepted-360")
    hours.submit()
    check_page(v)
    o = st.orders()[oid]
    if o["status"] != "done":
        fail("done on the volunteer's page: %r" % o)
    bal = st.cl("--json", "points", "balance", "s1-v2")["balance"]
    if bal != 15:
        fail("the volunteer's balance after 1.5 hours is %r, want 15" % bal)
    if not re.search(r'class="big">1\.5<', v.page_source):
        fail("the volunteer's page does not show 1.5 hours")
    shot(v, "staff-me-done-360")
    check("the volunteer accepted and finished it on their phone (1.5 h, 15 points)")

    # a volunteer may not dispatch: the page is refused, nothing changes
    v.get(st.url("/volunteers"))
    if "没有权限" not in v.page_source:
        fail("a volunteer opened the volunteers' page")

    # the admin rates it on the resident's behalf
    a.get(st.url("/order?id=" + oid))
    check_page(a)
    a.find_element(By.CSS_SELECTOR, "select[name=rating] option[value='5']").click()
    a.find_element(By.CSS_SELECTOR, "form[action='/order/rate'] button").click()
    check_page(a)
    if st.orders()[oid]["status"] != "rated":
        fail("the admin's rating did not rate the order")
    shot(a, "staff-order-rated-360")
    a.get(st.url("/volunteers"))
    check_page(a)
    shot(a, "staff-volunteers-360")
    a.get(st.url("/volunteer?id=s1-v2"))
    check_page(a)
    shot(a, "staff-volunteer-360")

    # the hub after a sync
    set_pin(hub, "8642", "--phone", "13300000000", "--name", "县管理员", "--role", "admin")
    st.cl("sync", "coap://127.0.0.1:%d" % hub.coap_port)
    # a station the hub knows that never synced: its row is marked
    hub.cl("station", "add", "--id", "s2", "--name", "西村服务站", "--parent", "t01")
    hub.cl("order", "add", "--category", "其他", "--detail", "修水管", "--station", "s2")
    h = browser(1280, 800)
    login(h, hub, "13300000000", "8642")
    if "/hub" not in h.current_url:
        fail("the hub admin's login leads to %s, not the dashboard" % h.current_url)
    svg = h.find_element(By.CSS_SELECTOR, "figure.chart svg")
    labels = [t.text for t in svg.find_elements(By.TAG_NAME, "text")]
    if "东村服务站" not in labels or "西村服务站" not in labels or "1" not in labels:
        fail("the chart of orders by station shows %r" % labels)
    row = h.find_element(By.XPATH, "//table[@class='report']//tr[th='东村服务站']")
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    if cells[0] != "1" or cells[1] != "1" or cells[6] != "1.5" or "从未同步" in row.text:
        fail("the dashboard's row for the station: %r" % cells)
    stale = h.find_element(By.XPATH, "//table[@class='report']//tr[th='西村服务站']")
    if stale.get_attribute("class") != "stale" or "从未同步" not in stale.text:
        fail("a station that never synced is not marked: %r" % stale.text)
    if "stale" in (row.get_attribute("class") or ""):
        fail("the station that just synced is marked stale")
    shot(h, "hub-1280")
    check("the hub shows the order after the sync")
    # reports (issue 17): the form groups by volunteer over a range of days
    Select(h.find_element(By.ID, "by")).select_by_value("volunteer")
    submit(h.find_element(By.CSS_SELECTOR, "form.range button[type=submit]"))
    if "by=volunteer" not in h.current_url:
        fail("the form did not ask by volunteer: %s" % h.current_url)
    heads = [c.text for c in h.find_elements(By.CSS_SELECTOR, "table.report tr:first-child th")]
    if heads[:2] != ["志愿者", "点单"] or "注册志愿者" not in heads or "微心愿" not in heads:
        fail("the table by volunteer has the headings %r" % heads)
    vrow = h.find_element(By.XPATH, "//table[@class='report']//tr[th='李娜']")
    vcells = [c.text for c in vrow.find_elements(By.TAG_NAME, "td")]
    if vcells[1] != "1" or vcells[6] != "1.5":
        fail("the volunteer's row: %r" % vcells)
    shot(h, "hub-volunteer-1280")
    check("the hub's report by volunteer, with registered volunteers and wishes")
    h2 = browser(360, 640)
    login(h2, hub, "13300000000", "8642")
    shot(h2, "hub-360")
    # the station's pages at a desktop size too
    a2 = browser(1280, 800)
    login(a2, st, "13800001234", "246813")
    shot(a2, "staff-orders-1280")
    a2.get(st.url("/order?id=" + oid))
    check_page(a2)
    shot(a2, "staff-order-1280")


run(flow)
