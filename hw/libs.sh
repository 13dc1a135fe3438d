#!/bin/sh
# SPDX-License-Identifier: MIT
# Check, with pkg-config, that the libraries the build needs are there:
#   sh hw/libs.sh PKG_CONFIG MODULE...
# PKG_CONFIG is the command (pkg-config, or the cross one the Makefile
# sets). Installs nothing and needs no Debian: says exactly which module
# is missing, the Debian package that brings it, and what to run. Exits 0
# when all are found, 1 otherwise. Used by `make` before the first compile
# in a build folder (`make deps` is what installs).
set -u
pc=$1
shift
# The Debian package of each module (hw/deps.sh installs these).
deb() {
	case $1 in
	sqlite3) echo libsqlite3-dev ;;
	libsodium) echo libsodium-dev ;;
	libzstd) echo libzstd-dev ;;
	libcoap-3-notls) echo libcoap3-dev ;;
	cmocka) echo libcmocka-dev ;;
	libmicrohttpd) echo libmicrohttpd-dev ;;
	libqrencode) echo libqrencode-dev ;;
	*) echo "?" ;;
	esac
}
# shellcheck disable=SC2086
if ! env $pc --version >/dev/null 2>&1; then
	echo "cunlian: pkg-config is not installed, so the build cannot find its libraries" >&2
	echo "  (it needs: $*)." >&2
	echo "On Debian run:  make deps   (as root, or it prints the sudo line to run)" >&2
	echo "Elsewhere install pkg-config and those libraries with your package manager." >&2
	exit 1
fi
missing=""
for m in "$@"; do
	# shellcheck disable=SC2086
	env $pc --exists "$m" 2>/dev/null || missing="$missing $m"
done
[ -z "$missing" ] && exit 0
echo "cunlian: pkg-config does not find these libraries the build needs:" >&2
for m in $missing; do
	printf '  %-18s (Debian package: %s)\n' "$m" "$(deb "$m")" >&2
done
echo "On Debian run:  make deps   (as root, or it prints the sudo line to run)" >&2
echo "Elsewhere install them with your package manager, or point PKG_CONFIG_PATH at" >&2
echo "their .pc files. Nothing was built." >&2
exit 1
