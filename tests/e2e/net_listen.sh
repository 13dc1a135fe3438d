#!/bin/sh
# SPDX-License-Identifier: MIT
# net_listen.sh - serve's listening address: a URI, a name or a bad port
# is a usage error (exit 2) naming the expected form, in the command line
# and in the configuration file; a port another server holds is exit 1,
# never shared.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/net_lib.inc"
echo "net_listen: serve --listen takes ADDRESS:PORT"
H="$TMP/s1"
cl --home "$H" init --station s1 --name 东村 >/dev/null

check "coap://, a name, a bad port: exit 2 naming the form"
P=$(port)
for bad in "coap://127.0.0.1:$P" bogus "localhost:$P" "127.0.0.1:${P}x" "127.0.0.1:99999" "[::1"; do
	expect 2 --home "$H" serve --listen "$bad" --once
	contains "$err" "0.0.0.0:5683" "the expected form for $bad"
done
printf 'listen = coap://127.0.0.1:%s\n' "$P" >>"$H/node.conf"
expect 2 --home "$H" serve --once
contains "$err" "node.conf" "the file of the bad listen line"

check "a port another serve holds: exit 1, never shared"
sed -i '/^listen/d' "$H/node.conf"
cl --home "$TMP/s2" init --station s2 --name 西村 >/dev/null
serve other "$TMP/s2" "$P"
expect 1 --home "$H" serve --listen "127.0.0.1:$P" --once
contains "$err" "127.0.0.1:$P" "the address that cannot be bound"
echo "net_listen: ok"
