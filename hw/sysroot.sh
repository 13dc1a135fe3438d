#!/bin/sh
# SPDX-License-Identifier: MIT
# sysroot.sh ARCH DIR - unpack Debian's ARCH (arm64, armhf) builds of the
# libraries cunlian links against into DIR, for cross-building with
# `make ARCH=ARCH SYSROOT=DIR` and running the tests under qemu-user.
#
# The usual way is multiarch (dpkg --add-architecture ARCH; apt-get install
# libsodium-dev:ARCH ...), but multiarch needs every shared package at the
# same version for both architectures, and a machine that took a security
# update the ARCH index does not have yet (libssl3, linux-libc-dev) cannot
# install them. This script only needs the ARCH package index: it
# downloads the .debs with `apt-get download` and unpacks them with
# `dpkg-deb -x`; nothing is installed and the host is not changed.
#
# Needs: dpkg --add-architecture ARCH && apt-get update (once, as root),
# and the cross compiler (gcc-aarch64-linux-gnu / gcc-arm-linux-gnueabihf)
# plus qemu-user for the tests.
set -eu
arch=${1:?usage: sh hw/sysroot.sh arm64|armhf DIR}
dir=${2:?usage: sh hw/sysroot.sh arm64|armhf DIR}
case $arch in
arm64 | armhf) ;;
*) echo "sysroot.sh: ARCH is arm64 or armhf, not $arch" >&2; exit 2 ;;
esac
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	echo "sysroot.sh: $arch is not a dpkg architecture here; as root run:" >&2
	echo "  dpkg --add-architecture $arch && apt-get update" >&2
	exit 1
fi
# The -dev packages and what their libraries need at run time (for qemu).
pkgs="libsodium-dev libsodium23 libsqlite3-dev libsqlite3-0 libzstd-dev libzstd1
libcoap3-dev libcoap3 libcmocka-dev libcmocka0 libmicrohttpd-dev libmicrohttpd12 libqrencode-dev libqrencode4 libssl3 libgnutls30 libc6 libgcc-s1
libidn2-0 libunistring2 libp11-kit0 libtasn1-6 libnettle8 libhogweed6 libgmp10 libffi8"
mkdir -p "$dir/.debs"
dir=$(cd "$dir" && pwd)
cd "$dir/.debs"
for p in $pkgs; do
	ls "${p}"_*_"$arch".deb >/dev/null 2>&1 && continue
	apt-get download -q "$p:$arch" >/dev/null 2>"$dir/.debs/apt.log" ||
		{ cat "$dir/.debs/apt.log" >&2; echo "sysroot.sh: apt-get download $p:$arch failed" >&2; exit 1; }
done
for d in ./*.deb; do
	dpkg-deb -x "$d" "$dir"
done
# The -dev packages' .so links are absolute in some packages; make them
# point inside the sysroot.
find "$dir/usr/lib" -name '*.so' -type l | while read -r l; do
	t=$(readlink "$l")
	case $t in /*) ln -sf "$dir$t" "$l" ;; esac
done
echo "sysroot for $arch in $dir"
