# SPDX-License-Identifier: MIT
"""weblib.py - what the browser tests of the web pages share (docs/testing.md).

A test file tests/web/test_*.py is run by tests/run.sh (so by make test)
with /usr/bin/python3 and CUNLIAN_BIN set. It imports this module:

    from weblib import start_node, browser, shot, check_page, qr_text, run

    def flow():
        st = start_node("s0001", "东村服务站")      # init a home, serve --http
        b = browser(360, 640)                        # headless chromium
        b.get(st.url("/kiosk")); check_page(b); shot(b, "kiosk-360")
        st.cl("--json", "order", "list")             # the command line on it
    run(flow)

Everything runs on 127.0.0.1: a station is a real `cunlian serve --http
127.0.0.1:PORT --listen 127.0.0.1:PORT2` in a temporary home; the browser
is Debian's chromium driven by chromedriver (python3-selenium), which may
reach no other address (--host-resolver-rules) and whose pages are checked
for any request or URL outside the board. run() bounds the test in time
(CUNLIAN_WEB_TIMEOUT seconds, 240 by default), stops every process it
started and removes the homes (CUNLIAN_KEEP_TMP=1 keeps them). Screenshots
go to build/screenshots/NAME.png (CUNLIAN_SHOTS overrides the folder).

Nothing is skipped: without chromium, chromedriver or selenium the test
fails and says which package to install (make deps does).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

BIN = os.environ.get("CUNLIAN_BIN", "build/cunlian")
if not os.path.isabs(BIN):
    BIN = os.path.abspath(BIN)
# build/cunlian -> build/screenshots
SHOTS = os.environ.get("CUNLIAN_SHOTS") or os.path.join(os.path.dirname(BIN), "screenshots")
TIMEOUT = int(os.environ.get("CUNLIAN_WEB_TIMEOUT", "240"))

_TMP = tempfile.mkdtemp(prefix="cunlian-web.")
_PROCS = []
_DRIVERS = []


def fail(msg):
    raise AssertionError(msg)


def check(msg):
    print("  - " + msg, flush=True)


# ---- stations ---------------------------------------------------------------

def free_port(kind=socket.SOCK_STREAM):
    """A TCP (or UDP) port on 127.0.0.1 that is free now."""
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cunlian_env():
    env = dict(os.environ)
    env["TZ"] = "CST-8"  # China time without tzdata
    env["LANG"] = "zh_CN.UTF-8"
    for k in ("LC_ALL", "LC_MESSAGES", "CUNLIAN_HOME", "CUNLIAN_NOW_MS"):
        env.pop(k, None)
    return env


class Node:
    """A station (or hub) home with a running serve --http."""

    def __init__(self, home, http_port, coap_port, proc, log):
        self.home, self.http_port, self.coap_port = home, http_port, coap_port
        self.proc, self.log = proc, log

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.http_port, path)

    def cl(self, *args, want=0):
        """Run cunlian --home HOME ARGS; its stdout (parsed when --json)."""
        return cl("--home", self.home, *args, want=want)

    def orders(self):
        """The orders of `cunlian --json order list`, by id."""
        return {o["id"]: o for o in self.cl("--json", "order", "list")["orders"]}

    def stop(self):
        _stop(self.proc)

    def restart(self):
        """Stop serve and start it again on the same ports and home."""
        _stop(self.proc)
        log = open(self.log, "a")
        self.proc = subprocess.Popen([BIN, "--home", self.home, "serve", "--http",
                                      "127.0.0.1:%d" % self.http_port, "--listen",
                                      "127.0.0.1:%d" % self.coap_port] + list(self.serve_args),
                                     env=cunlian_env(), stdout=log, stderr=subprocess.STDOUT)
        _PROCS.append(self.proc)
        _wait_http(self.proc, self.http_port, self.log)


def cl(*args, want=0):
    r = subprocess.run([BIN] + list(args), env=cunlian_env(), capture_output=True, text=True, timeout=60)
    if r.returncode != want:
        fail("cunlian %s: exit status %d, want %d\nstdout: %s\nstderr: %s" %
             (" ".join(args), r.returncode, want, r.stdout, r.stderr))
    if "--json" in args and r.returncode == 0:
        return json.loads(r.stdout)
    return r.stdout


def start_node(station="s0001", name="东村服务站", role=None, init_args=(), serve_args=(), conf=None):
    """Init a home (station, or hub when role='hub') and start serve --http
    on free loopback ports; returns a Node once its HTTP port answers.
    conf: lines appended to its node.conf before it starts."""
    home = os.path.join(_TMP, station)
    args = ["--home", home, "init", "--station", station, "--name", name]
    if role:
        args += ["--role", role]
    cl(*(args + list(init_args)))
    if conf:
        with open(os.path.join(home, "node.conf"), "a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(conf) + "\n")
    hp, cp = free_port(), free_port(socket.SOCK_DGRAM)
    log = open(os.path.join(_TMP, station + ".log"), "w")
    p = subprocess.Popen([BIN, "--home", home, "serve", "--http", "127.0.0.1:%d" % hp,
                          "--listen", "127.0.0.1:%d" % cp] + list(serve_args),
                         env=cunlian_env(), stdout=log, stderr=subprocess.STDOUT)
    _PROCS.append(p)
    node = Node(home, hp, cp, p, log.name)
    node.serve_args = list(serve_args)
    _wait_http(p, hp, log.name)
    return node


def _wait_http(p, port, log):
    for _ in range(200):  # up to 20 s
        if p.poll() is not None:
            fail("serve exited with %s: %s" % (p.returncode, open(log).read()))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    fail("serve did not open its HTTP port %d: %s" % (port, open(log).read()))


def _stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# ---- plain HTTP (no browser) ------------------------------------------------

def http(method, url, form=None, source=None, timeout=30):
    """One request; (status, body text, headers). source: the client's
    address (any 127.x.y.z is this machine), to act as another phone."""
    import http.client
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout,
                                   source_address=(source, 0) if source else None)
    body = urllib.parse.urlencode(form) if form is not None else None
    hdr = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
    c.request(method, u.path + ("?" + u.query if u.query else ""), body=body, headers=hdr)
    r = c.getresponse()
    text = r.read().decode("utf-8", "replace")
    c.close()
    return r.status, text, dict(r.getheaders())


def csrf_of(html):
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    if not m:
        fail("no csrf field in the page: " + html[:500])
    return m.group(1)


# ---- the browser ------------------------------------------------------------

def _need_browser():
    missing = [p for p, ok in (("chromium", shutil.which("chromium")),
                               ("chromium-driver", shutil.which("chromedriver"))) if not ok]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("python3-selenium")
    fc = shutil.which("fc-list")
    if fc and not subprocess.run([fc, ":lang=zh"], capture_output=True, text=True).stdout.strip():
        missing.append("fonts-wqy-microhei")  # else the screenshots show boxes for Chinese
    if missing:
        fail("the browser tests need Debian's %s: run `make deps` (as root) or "
             "`sudo apt-get install -y %s`; they are part of make test and are not skipped"
             % (", ".join(missing), " ".join(missing)))


def submit(el, timeout=20):
    """Click a form's button (or a link) and return once the page it
    leads to has replaced this one (bounded). WebDriver's click returns
    when the click is dispatched: a POST's answer may come later, and a
    test that reads the page or the replica at once sees the old one."""
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import WebDriverWait
    old = el.parent.find_element(By.TAG_NAME, "html")
    el.click()
    try:
        WebDriverWait(el.parent, timeout).until(staleness_of(old))
    except (TimeoutException, WebDriverException):
        pass


def browser(width=360, height=640, mobile=None):
    """A headless chromium whose viewport is width x height CSS pixels
    (a phone when narrower than 800 px). It may reach 127.0.0.1 only."""
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-extensions", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-default-apps",
              "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
              "--proxy-server=direct://", "--lang=zh-CN",
              "--window-size=%d,%d" % (max(width, 500), height + 200),
              "--user-data-dir=" + tempfile.mkdtemp(prefix="chrome.", dir=_TMP)):
        o.add_argument(a)
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=o)
    _DRIVERS.append(d)
    d.set_page_load_timeout(30)
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1,
        "mobile": width < 800 if mobile is None else mobile})
    return d


def shot(d, name):
    """Save the page as build/screenshots/NAME.png (the whole page)."""
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, name + ".png")
    try:  # the whole page, not only the viewport
        import base64
        m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        cs = m.get("cssContentSize") or m["contentSize"]
        w = d.execute_script("return window.innerWidth")
        data = d.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": w, "height": max(cs["height"], 1), "scale": 1}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))
    except Exception:  # an older chromium: the viewport
        d.save_screenshot(path)
    check("screenshot " + path)
    return path


def qr_text(svg, name):
    """What a QR code in our SVG form (web/qr.c: a viewBox, one <rect> per
    run of dark modules) says: drawn 8 pixels a module into
    build/screenshots/NAME.pgm and read by zbarimg (zbar-tools). svg: the
    markup, or an element of the page whose outerHTML it is."""
    zbar = shutil.which("zbarimg")
    if not zbar:
        fail("reading QR codes needs Debian's zbar-tools: run `make deps` (as root) or "
             "`sudo apt-get install -y zbar-tools`")
    if not isinstance(svg, str):
        svg = svg.get_attribute("outerHTML")
    m = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    if not m:
        fail("%s: not an SVG QR code: %s" % (name, svg[:200]))
    n, px = int(m.group(1)), 8
    img = bytearray([255]) * (n * px * n * px)
    for x, y, w, h in re.findall(r'<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"', svg):
        x, y, w, h = int(x), int(y), int(w), int(h)
        for yy in range(y * px, (y + h) * px):
            img[yy * n * px + x * px:yy * n * px + (x + w) * px] = bytes(w * px)
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, name + ".pgm")
    with open(path, "wb") as f:
        f.write(b"P5 %d %d 255\n" % (n * px, n * px) + bytes(img))
    r = subprocess.run([zbar, "--raw", "-q", "-Sbinary", path], capture_output=True, timeout=30)
    if r.returncode != 0 or not r.stdout:
        fail("no QR code could be read in %s" % path)
    return r.stdout.decode("utf-8").rstrip("\n")


# The only absolute URL a page may carry: SVG's namespace (no request).
_NS_OK = ("http://www.w3.org/2000/svg",)


def _text_when(d, by, what, want, timeout):
    from selenium.common.exceptions import (NoSuchElementException,
                                            StaleElementReferenceException, WebDriverException)
    end = time.monotonic() + timeout
    text = ""
    while True:
        try:
            text = d.find_element(by, what).text
        except (NoSuchElementException, StaleElementReferenceException, WebDriverException):
            text = ""
        if want in text or time.monotonic() > end:
            return text
        time.sleep(0.1)


def text_of(d, el_id, want, timeout=20):
    """The text of the element with id el_id once it holds want, or its
    text after timeout seconds: a click on a form's button starts the
    POST and returns; the answer is a new document, which may not be
    there yet (an element found too early is of the old one)."""
    from selenium.webdriver.common.by import By
    return _text_when(d, By.ID, el_id, want, timeout)


def main_text(d, want, timeout=20):
    """The same for the page's <main>."""
    from selenium.webdriver.common.by import By
    return _text_when(d, By.TAG_NAME, "main", want, timeout)


def set_pin(node, pin, *who):
    """`account set WHO --pin-file F` at node, the PIN in a file of its own."""
    fd, path = tempfile.mkstemp(prefix="pin.")
    os.write(fd, (pin + "\n").encode())
    os.close(fd)
    try:
        node.cl("account", "set", *who, "--pin-file", path)
    finally:
        os.unlink(path)


def login(b, node, phone, pin, shot_name=None):
    """Sign in at node's staff pages (/) with phone and PIN, after a
    screenshot of the sign-in form when shot_name is given; fails the test
    when no sign-in form is shown or the sign-in is refused."""
    from selenium.webdriver.common.by import By
    b.get(node.url("/"))
    check_page(b)
    if not b.find_elements(By.CSS_SELECTOR, "input[type=password]"):
        fail("/ without a session shows no password field")
    if shot_name:
        shot(b, shot_name)
    b.find_element(By.NAME, "phone").send_keys(phone)
    b.find_element(By.NAME, "pin").send_keys(pin)
    submit(b.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]"))
    check_page(b)
    if b.find_elements(By.CSS_SELECTOR, "input[type=password]"):
        fail("login as %s failed: %s" % (phone, b.find_element(By.TAG_NAME, "main").text))


def enroll(hub, st, station):
    """Enrol the station st with hub's county as a technician does (st is
    stopped; restart it to serve again)."""
    st.stop()
    req = os.path.join(os.path.dirname(st.home), station + ".req")
    cert = os.path.join(os.path.dirname(st.home), station + ".cert")
    st.cl("enroll", "request", req)
    hub.cl("enroll", "sign", req, "--station", station, "--out", cert)
    st.cl("enroll", "accept", cert)


def check_page(d, what=None):
    """The page now shown: no horizontal scrolling, every request it made
    went to 127.0.0.1, no URL to elsewhere in its markup, and it is
    Chinese with the viewport meta."""
    what = what or d.current_url
    sw, iw = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    if sw > iw:
        fail("%s scrolls sideways at %d px: its content is %d px wide" % (what, iw, sw))
    names = d.execute_script(
        "return performance.getEntries().map(e => e.name).filter(n => /^[a-z]+:/.test(n))")
    for n in names + [d.current_url]:
        if not re.match(r"^(http://127\.0\.0\.1(:\d+)?/|data:|about:)", n):
            fail("%s loaded %s: a request outside the board" % (what, n))
    src = d.page_source
    for u in re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", src):
        if u.startswith("http://127.0.0.1") or u in _NS_OK or u.startswith("//127.0.0.1"):
            continue
        fail("%s names %s: nothing may come from outside the board" % (what, u))
    lang = d.execute_script("return document.documentElement.lang")
    vp = d.execute_script(
        "var m=document.querySelector('meta[name=viewport]'); return m ? m.content : ''")
    if lang != "zh-CN" or "width=device-width" not in vp:
        fail("%s: lang=%r viewport=%r, want zh-CN and width=device-width" % (what, lang, vp))


# ---- running a test ---------------------------------------------------------

def _cleanup():
    for d in _DRIVERS:
        try:
            d.quit()
        except Exception:
            pass
    for p in _PROCS:
        _stop(p)
    if os.environ.get("CUNLIAN_KEEP_TMP"):
        print("kept " + _TMP, file=sys.stderr)
    else:
        shutil.rmtree(_TMP, ignore_errors=True)


def _timeout(signum, frame):
    raise AssertionError("the test took longer than %d s (CUNLIAN_WEB_TIMEOUT)" % TIMEOUT)


def run(flow):
    """Run flow() bounded in time; exit 0 when it passes, 1 with the
    reason (and the serve logs) when not. Always cleans up."""
    signal.signal(signal.SIGALRM, _timeout)
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(1))
    signal.alarm(TIMEOUT)
    rc = 0
    try:
        flow()
    except Exception as e:
        rc = 1
        print("FAIL: %s" % e, file=sys.stderr)
        if not isinstance(e, AssertionError):
            traceback.print_exc()
        for p in sorted(os.listdir(_TMP)) if os.path.isdir(_TMP) else []:
            if p.endswith(".log"):
                print("--- %s:\n%s" % (p, open(os.path.join(_TMP, p)).read()[-2000:]), file=sys.stderr)
    finally:
        signal.alarm(0)
        _cleanup()
    sys.exit(rc)
