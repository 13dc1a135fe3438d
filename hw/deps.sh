#!/bin/sh
# SPDX-License-Identifier: MIT
# Make sure the Debian packages named on the command line are installed.
# As root, install the missing ones with apt-get; otherwise print the one
# command that does it and fail. Used by `make deps` (which `make test`,
# `make demo`, `make check` run first on Debian); plain `make` only checks
# (hw/libs.sh).
set -u
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "cunlian: missing packages:$missing (install them with your package manager)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "cunlian: missing Debian packages:$missing" >&2
	echo "run:  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "cunlian: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "cunlian: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "cunlian: apt-get install$missing failed" >&2; exit 1; }
