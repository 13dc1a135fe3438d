#!/bin/sh
# SPDX-License-Identifier: MIT
# net_amp.sh - what a stranger gets from a serving node without a session:
# discovery, /vv, a snapshot (/snap), an unknown path. Every answer to an address that has not
# echoed the server's cookie is at most 3 times the bytes it sent, and a
# flood from one address is cut to the configured rate (5.03), discovery
# included. Raw CoAP datagrams from Python over loopback; bounded in count
# and time.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_amp: unauthenticated CoAP stays small and rate-limited"
H="$TMP/hub"
county "$H" county
P=$(port)
serve hub "$H" "$P"
hubpid=$last

check "one request each: the answer is at most 3x the request"
python3 - "$P" <<'PY' || fail "an unauthenticated answer is over 3x its request"
import socket, sys
port = int(sys.argv[1])
def opt(delta, val):
    assert delta < 13 and len(val) < 13
    return bytes([delta << 4 | len(val)]) + val
def get(mid, *segs, query=None, code=0x01, body=b""):
    b = bytes([0x40, code, mid >> 8, mid & 255])  # CON GET (or POST), no token
    last = 0
    for s in segs:
        b += opt(11 - last, s.encode()); last = 11
    if query:
        b += opt(15 - last, query.encode())
    return b + (b"\xff" + body if body else b"")
for name, req in (("discovery", get(1, ".well-known", "core")), ("/vv", get(2, "vv")),
                  ("/vv?scope", get(3, "vv", query="scope=-")), ("unknown", get(4, "nothere")),
                  ("/join", get(5, "join", code=0x02, body=b"x")),
                  ("/s", get(6, "s", query="k=1", code=0x02, body=b"x")),
                  ("/snap", get(7, "snap", query="s=-"))):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(req, ("127.0.0.1", port))
    resp, _ = s.recvfrom(4096)
    code = "%d.%02d" % (resp[1] >> 5, resp[1] & 31)
    ratio = len(resp) / len(req)
    print("    %-10s request %3d B, answer %3d B (%s), %.2fx" % (name, len(req), len(resp), code, ratio))
    assert ratio <= 3, (name, len(req), len(resp))
    s.close()
PY

check "a flood of 3000 discovery requests from one address is cut to the rate"
python3 - "$P" <<'PY' || fail "the flood was not limited"
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
sent = got = 0
codes = {}
t0 = time.monotonic()
for mid in range(3000):
    req = bytes([0x50, 0x01, mid >> 8, mid & 255]) + bytes([0xBB]) + b".well-known" + bytes([0x04]) + b"core"
    s.sendto(req, ("127.0.0.1", port))
    sent += len(req)
elapsed = time.monotonic() - t0
s.settimeout(1.0)
try:
    while True:
        resp, _ = s.recvfrom(4096)
        got += len(resp)
        code = "%d.%02d" % (resp[1] >> 5, resp[1] & 31)
        codes[code] = codes.get(code, 0) + 1
except socket.timeout:
    pass
served = sum(n for c, n in codes.items() if c != "5.03")
print("    sent 3000 (%d B) in %.2f s; answers %s; %d B back (%.2fx)" % (sent, elapsed, codes, got, got / sent))
assert got <= 3 * sent
# rate 200/s, burst 400 (docs/protocol.md): the rest is refused with 5.03
assert served <= 400 + 200 * (elapsed + 1.0) + 20, served
assert codes.get("5.03", 0) > 0
PY
stop "$hubpid"
echo "net_amp: ok"
