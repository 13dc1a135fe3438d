#!/bin/sh
# SPDX-License-Identifier: MIT
# bundle_bytes.sh - every byte of a bundle is checked: a flipped header
# byte (the format byte, any byte of the exporter's key), a bundle cut
# exactly at a chunk boundary, a chunk taken out of the middle: each is
# imported as far as it verifies and then refused with what is wrong
# (exit 3); what is not a bundle at all is exit 2. A bundle written before
# the closing check (format 0) still imports.
. "$(dirname "$0")/lib.inc"
echo "bundle_bytes: every byte of a bundle is authenticated or checked"
HUB=$TMP/hub S=$TMP/s1
county "$HUB"
enrolled "$HUB" "$S" s0001 一村 --parent c01
for i in 1 2 3; do
	cl --home "$HUB" volunteer add --name "王$i" --phone "1380000111$i" --station s0001 >/dev/null
	cl --home "$HUB" order add --category 助老 --detail "买药$i" --station s0001 >/dev/null
done
# the hub's bundle for the station: its TIME, the deltas, the END
cl --home "$HUB" bundle export "$TMP/s.bundle" --for s0001 >/dev/null

# bundle.py OP FILE OUT [ARG]: chunk boundaries, flips and cuts
cat >"$TMP/bundle.py" <<'PY'
import sys
op, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
b = bytearray(open(src, "rb").read())
def chunks(b):
    pos, res = 42, []
    while pos < len(b):
        p = pos + 41
        n = shift = 0
        while True:
            c = b[p]; p += 1
            n |= (c & 0x7f) << shift; shift += 7
            if c < 0x80: break
        end = p + n + 64
        res.append((pos, end, b[pos + 3]))
        pos = end
    return res
cs = chunks(b)
if op == "count":
    print(len(cs), " ".join(str(t) for _, _, t in cs)); sys.exit(0)
if op == "flip":
    b[int(sys.argv[4])] ^= 0x01
elif op == "cut":
    b = b[:cs[int(sys.argv[4])][0]]
elif op == "drop":
    s, e, _ = cs[int(sys.argv[4])]
    b = b[:s] + b[e:]
elif op == "old":  # as written before END: format 0, no END
    b = b[:cs[-1][0]]; b[9] = 0
open(out, "wb").write(b)
PY
set -- $(python3 "$TMP/bundle.py" count "$TMP/s.bundle" -)
n=$1
shift
[ "$n" -ge 3 ] || fail "the test bundle has only $n chunks"
eval "last=\${$n}"
[ "$last" = 5 ] || fail "the last chunk is of type $last, not END (5)"

check "the bundle as exported: whole, exit 0"
expect 0 --home "$S" --json bundle import "$TMP/s.bundle"
echo "$out" | pyjson 'd["check"] == "whole" and d["applied"] >= 6'

check "any byte of the header flipped: exit 2 (not a bundle) or 3 (damaged header), nothing new applied"
for off in $(seq 0 41); do
	python3 "$TMP/bundle.py" flip "$TMP/s.bundle" "$TMP/f.bundle" "$off"
	set +e
	out=$(cl --home "$S" --json bundle import "$TMP/f.bundle" 2>"$TMP/stderr")
	rc=$?
	set -e
	if [ "$off" -le 8 ]; then
		[ "$rc" -eq 2 ] || fail "byte $off flipped: exit $rc, want 2"
	else
		[ "$rc" -eq 3 ] || fail "byte $off flipped: exit $rc, want 3: $(cat "$TMP/stderr")"
		echo "$out" | pyjson 'd["check"] in ("header", "altered") and d["applied"] == 0' ||
			fail "byte $off flipped"
	fi
done
contains "$(cat "$TMP/stderr")" "文件头已损坏" "the damaged header message"

check "cut exactly at each chunk boundary: the complete chunks import, and it says cut short (exit 3)"
k=1
while [ "$k" -lt "$n" ]; do
	python3 "$TMP/bundle.py" cut "$TMP/s.bundle" "$TMP/c.bundle" "$k"
	expect 3 --home "$S" --json bundle import "$TMP/c.bundle"
	echo "$out" | pyjson 'd["check"] == "cut" and d["bytes_skipped"] == 0' || fail "cut before chunk $k"
	k=$((k + 1))
done
expect 3 --home "$S" bundle import "$TMP/c.bundle"
contains "$err" "截断" "the cut-short message"

check "a chunk taken out of the middle: the rest imports, and it says bytes were lost (exit 3)"
python3 "$TMP/bundle.py" drop "$TMP/s.bundle" "$TMP/d.bundle" 1
expect 3 --home "$S" --json bundle import "$TMP/d.bundle"
echo "$out" | pyjson 'd["check"] == "altered"' || fail "a chunk dropped"
contains "$err" "不一致" "the altered message"

check "a bundle from before the closing check (format 0, no END) still imports"
python3 "$TMP/bundle.py" old "$TMP/s.bundle" "$TMP/o.bundle"
expect 0 --home "$S" --json bundle import "$TMP/o.bundle"
echo "$out" | pyjson 'd["check"] == "old"'
echo "bundle_bytes: ok"
