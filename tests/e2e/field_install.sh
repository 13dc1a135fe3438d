#!/bin/sh
# SPDX-License-Identifier: MIT
# field_install.sh - what a technician installs: `make install` into a
# temporary DESTDIR (files, modes, the unit's hardening, a configuration
# that is never overwritten and that `cunlian serve` accepts), the unit
# through `systemd-analyze verify` when it exists, and `make package`: the
# .deb's contents, conffiles, maintainer scripts and Depends.
. "$(dirname "$0")/lib.inc"
echo "field_install: make install, the systemd unit, make package"
BUILD=$(dirname "$BIN")
ROOT="$TMP/root"
mk() { make -s --no-print-directory BUILD="$BUILD" "$@"; }

check "make install DESTDIR=... puts every file in place, with its mode"
mk install DESTDIR="$ROOT" >/dev/null
for f in usr/local/bin/cunlian:755 usr/local/share/man/man1/cunlian.1:644 \
	usr/local/lib/systemd/system/cunlian.service:644 usr/local/lib/sysusers.d/cunlian.conf:644 \
	etc/cunlian/cunlian.conf:644; do
	p=$ROOT/${f%:*}
	[ -f "$p" ] || fail "make install did not install /${f%:*}"
	m=$(stat -c %a "$p")
	[ "$m" = "${f#*:}" ] || fail "/${f%:*} has mode $m, want ${f#*:}"
done
"$ROOT/usr/local/bin/cunlian" --version | grep -q '^cunlian ' || fail "the installed program does not run"

check "the unit: cunlian serve as user cunlian, state in /var/lib/cunlian, hardened"
unit="$ROOT/usr/local/lib/systemd/system/cunlian.service"
for want in "ExecStart=/usr/local/bin/cunlian serve --config /etc/cunlian/cunlian.conf" \
	User=cunlian StateDirectory=cunlian Environment=CUNLIAN_HOME=/var/lib/cunlian \
	Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	ReadWritePaths=/var/lib/cunlian CapabilityBoundingSet= WantedBy=multi-user.target; do
	grep -qx "$want" "$unit" || fail "cunlian.service lacks the line $want"
done
grep -Eq '@(BINDIR|SYSCONFDIR)@' "$unit" && fail "cunlian.service still has an @PLACEHOLDER@"

check "PREFIX is honoured"
mk install DESTDIR="$TMP/opt" PREFIX=/opt/cl >/dev/null
[ -x "$TMP/opt/opt/cl/bin/cunlian" ] && [ -f "$TMP/opt/opt/cl/share/man/man1/cunlian.1" ] ||
	fail "PREFIX=/opt/cl: files not under /opt/cl"
grep -qx "ExecStart=/opt/cl/bin/cunlian serve --config /etc/cunlian/cunlian.conf" \
	"$TMP/opt/opt/cl/lib/systemd/system/cunlian.service" || fail "PREFIX=/opt/cl: ExecStart not in /opt/cl/bin"

check "a technician's configuration survives the next make install"
echo "interval = 60" >>"$ROOT/etc/cunlian/cunlian.conf"
mk install DESTDIR="$ROOT" >/dev/null
grep -qx "interval = 60" "$ROOT/etc/cunlian/cunlian.conf" || fail "make install overwrote /etc/cunlian/cunlian.conf"

check "cunlian serve accepts the installed configuration, and every default it shows"
cl --home "$TMP/node" init --station s0001 --name 东村服务站 >/dev/null
sed -n 's/^#\([a-z_]* = \)/\1/p' hw/cunlian.conf | grep -v '^listen\|^peer' >"$TMP/defaults.conf"
[ "$(wc -l <"$TMP/defaults.conf")" -ge 10 ] || fail "hw/cunlian.conf shows fewer defaults than expected"
for c in "$ROOT/etc/cunlian/cunlian.conf" "$TMP/defaults.conf"; do
	set +e
	out=$(CUNLIAN_HOME="$TMP/node" timeout 20 "$BIN" serve --config "$c" --listen none --once 2>&1)
	rc=$?
	set -e
	[ "$rc" -eq 0 ] || fail "cunlian serve --config $c: exit $rc: $out"
done

check "systemd-analyze verify"
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants ExecStart to exist: point it at the installed copy.
	sed "s|^ExecStart=/usr/local/bin/cunlian|ExecStart=$ROOT/usr/local/bin/cunlian|" "$unit" >"$TMP/cunlian.service"
	out=$(systemd-analyze verify --man=no "$TMP/cunlian.service" 2>&1) ||
		fail "systemd-analyze verify: $out"
	[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
else
	echo "    (skipped: no systemd-analyze here; install the systemd package to run it)"
fi

check "make package: a .deb with the same files, conffile, scripts and Depends"
if ! command -v dpkg-deb >/dev/null 2>&1; then
	echo "    (skipped: no dpkg-deb here)"
	exit 0
fi
deb=$(mk package DEB_VERSION=0.0+test 2>&1 | sed -n 's/^package: //p')
[ -f "$deb" ] || fail "make package made no .deb"
info=$(dpkg-deb -I "$deb")
contents=$(dpkg-deb -c "$deb")
contains "$info" "Package: cunlian" "control"
contains "$info" "Version: 0.0+test" "control"
for lib in libsodium23 libsqlite3-0 libzstd1 libcoap3; do
	echo "$info" | grep '^ Depends:' | grep -q "$lib" || fail ".deb Depends lacks $lib: $info"
done
for f in ./usr/bin/cunlian ./lib/systemd/system/cunlian.service ./etc/cunlian/cunlian.conf \
	./usr/share/man/man1/cunlian.1.gz ./usr/lib/sysusers.d/cunlian.conf \
	./usr/share/doc/cunlian/copyright ./usr/share/doc/cunlian/field-guide.md; do
	echo "$contents" | grep -q " $f\$" || fail ".deb lacks $f: $contents"
done
echo "$contents" | grep -v ' root/root ' | grep -q . && fail ".deb files not owned by root: $contents"
dpkg-deb -e "$deb" "$TMP/ctl"
grep -qx /etc/cunlian/cunlian.conf "$TMP/ctl/conffiles" || fail "cunlian.conf is not a conffile"
grep -Eq '^[[:space:]]*(systemctl|deb-systemd-helper|deb-systemd-invoke) +(enable|start)' "$TMP/ctl/postinst" &&
	fail "postinst enables or starts the service by surprise"
grep -q 'sudo systemctl enable --now cunlian' "$TMP/ctl/postinst" ||
	fail "postinst does not say how to enable the service"
for s in postinst prerm postrm; do sh -n "$TMP/ctl/$s" || fail "$s is not valid sh"; done
ExecLine=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/cunlian.service | grep '^ExecStart=')
[ "$ExecLine" = "ExecStart=/usr/bin/cunlian serve --config /etc/cunlian/cunlian.conf" ] ||
	fail "the packaged unit runs $ExecLine"

check "every shared library the program needs is in Depends (dpkg -S)"
if command -v readelf >/dev/null 2>&1; then
	for so in $(readelf -d "$BIN" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		# the sanitizers' runtimes are there only under make check
		case $so in libc.so.* | libm.so.* | ld-linux* | libasan.so.* | libubsan.so.*) continue ;; esac
		path=$(ldconfig -p | awk -v s="$so" '$1 == s { print $NF; exit }')
		[ -n "$path" ] || continue
		pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
		[ -z "$pkg" ] && pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1)
		[ -n "$pkg" ] || continue
		echo "$info" | grep '^ Depends:' | grep -q "$pkg" || fail "$so comes from $pkg, not in Depends"
	done
fi
rm -rf "$BUILD/deb" "$deb"
echo "field_install: ok"
