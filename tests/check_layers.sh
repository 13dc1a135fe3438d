#!/bin/sh
# SPDX-License-Identifier: MIT
# check_layers.sh - fail when a layer includes a header it may not.
#
# The rule (docs/architecture.md, "Who may include what"):
#   base/   libc only
#   crdt/   base/, crdt/;                 external: sqlite3
#   sync/   base/, crdt/, sync/;          external: libsodium, zstd
#   radio/  base/, radio/;                external: libcoap
#   app/    base/, crdt/, sync/, app/;    external: sqlite3, libsodium, zstd
#   web/    base/, crdt/, sync/, app/, web/, and node/i18n.h (the words);
#           external: libmicrohttpd, libqrencode, libsodium
#   node/   every folder above;           external: all of them
# sync/ and radio/ never include each other. Project headers are included
# by path from the repository root ("crdt/crdt.h"), so a quoted include
# without a folder is refused too: the check could not see where it points.
#
# Usage: sh tests/check_layers.sh   (from anywhere; paths print from the root)
# Exit 0 with a one-line summary, or 1 after one line per broken rule:
#   file:line: what is included: the rule it breaks
set -u
cd "$(dirname "$0")/.." || exit 2

dirs=""
for d in base crdt sync radio app web node; do
	[ -d "$d" ] && dirs="$dirs $d"
done
if [ -z "$dirs" ]; then
	echo "check_layers: no layer folders here; run from the cunlian tree" >&2
	exit 2
fi

# One path a line, sorted so the report is stable.
# shellcheck disable=SC2086
find $dirs -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort | LC_ALL=C awk '
BEGIN {
	# Project folders each layer may include (its own included).
	inc["base"]  = " base "
	inc["crdt"]  = " base crdt "
	inc["sync"]  = " base crdt sync "
	inc["radio"] = " base radio "
	inc["app"]   = " base crdt sync app "
	inc["web"]   = " base crdt sync app web "
	inc["node"]  = " base crdt sync radio app web node "
	# External libraries each layer may include.
	ext["base"]  = " "
	ext["crdt"]  = " sqlite3 "
	ext["sync"]  = " libsodium zstd "
	ext["radio"] = " libcoap "
	ext["app"]   = " sqlite3 libsodium zstd "
	ext["web"]   = " libmicrohttpd libqrencode libsodium "
	ext["node"]  = " sqlite3 libsodium zstd libcoap libmicrohttpd libqrencode "
	project = " base crdt sync radio app web node tests hw docs "
	nfiles = 0; nincs = 0; nbad = 0
}

function words(s) { gsub(/^ +| +$/, "", s); return s }
function allowed(layer,    s, n, a, i) {
	n = split(words(inc[layer]), a, " ")
	s = ""
	for (i = 1; i <= n; i++)
		s = s (i > 1 ? ", " : "") a[i] "/"
	s = s "; external: " (words(ext[layer]) == "" ? "none (libc only)" : words(ext[layer]))
	return layer "/ may include " s
}
function bad(file, line, what, why) {
	printf "%s:%d: %s: %s\n", file, line, what, why
	nbad++
}
# Which external library a <header> belongs to; "" for libc and the OS.
function library(h) {
	if (h == "sqlite3.h" || h == "sqlite3ext.h") return "sqlite3"
	if (h == "sodium.h" || h ~ /^sodium\//) return "libsodium"
	if (h == "zstd.h" || h == "zdict.h" || h == "zstd_errors.h") return "zstd"
	if (h ~ /^coap[0-9]*\//) return "libcoap"
	if (h == "microhttpd.h") return "libmicrohttpd"
	if (h == "qrencode.h") return "libqrencode"
	if (h == "cmocka.h") return "cmocka"
	return ""
}

{
	file = $0
	split(file, p, "/")
	layer = p[1]
	nfiles++
	lineno = 0
	while ((getline l < file) > 0) {
		lineno++
		if (l !~ /^[ \t]*#[ \t]*include/)
			continue
		nincs++
		rest = l
		sub(/^[ \t]*#[ \t]*include[ \t]*/, "", rest)
		if (rest ~ /^"/) {
			quoted = 1
			h = substr(rest, 2)
			sub(/".*$/, "", h)
		} else if (rest ~ /^</) {
			quoted = 0
			h = substr(rest, 2)
			sub(/>.*$/, "", h)
		} else {
			bad(file, lineno, "#include " rest, "a computed include cannot be checked; name the header")
			continue
		}
		folder = ""
		if (index(h, "/") > 0)
			folder = substr(h, 1, index(h, "/") - 1)

		if (quoted || index(project, " " folder " ") > 0) {
			what = quoted ? "\"" h "\"" : "<" h ">"
			if (folder == "") {
				bad(file, lineno, what, "name the folder (\"" layer "/" h "\"): includes are by path from the root")
			} else if (index(project, " " folder " ") == 0 || folder == "tests" || folder == "hw" || folder == "docs") {
				bad(file, lineno, what, folder "/ is not a layer; " allowed(layer))
			} else if (layer == "web" && h == "node/i18n.h") {
				# the words of the messages, shared with the command line
			} else if (index(inc[layer], " " folder " ") == 0) {
				if ((layer == "sync" && folder == "radio") || (layer == "radio" && folder == "sync"))
					bad(file, lineno, what, "sync/ and radio/ never include each other; node/ wires them through the send/receive interface")
				else
					bad(file, lineno, what, allowed(layer))
			}
			continue
		}
		lib = library(h)
		if (lib != "" && index(ext[layer], " " lib " ") == 0)
			bad(file, lineno, "<" h ">", lib " is not for " layer "/; " allowed(layer))
	}
	close(file)
}

END {
	if (nbad) {
		printf "check_layers: FAILED, %d of %d includes in %d files break the layer rule (docs/architecture.md)\n", nbad, nincs, nfiles
		exit 1
	}
	printf "check_layers: ok, %d includes in %d files follow the layer rule\n", nincs, nfiles
}
'
