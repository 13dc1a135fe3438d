# SPDX-License-Identifier: MIT
# cunlian - one Makefile; each folder adds its files in module.mk.
# Targets: all test check fuzz bench demo install clean (docs/testing.md).

PKGS      := sqlite3 libsodium libzstd libcoap-3-notls libmicrohttpd libqrencode
DEB_PKGS  := build-essential pkg-config python3 libsodium-dev libsqlite3-dev libzstd-dev \
             libcoap3-dev libcoap3-bin libcmocka-dev libmicrohttpd-dev libqrencode-dev \
             chromium chromium-driver python3-selenium fonts-wqy-microhei zbar-tools curl

CC        ?= cc
BUILD     ?= build
PREFIX    ?= /usr/local
WARN      := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wvla -Wswitch-enum -Wimplicit-fallthrough -fno-common
WERROR    ?= -Werror
OPT       ?= -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS    += $(WARN) $(WERROR) $(OPT) -D_DEFAULT_SOURCE -I. $(PKG_CFLAGS) $(SAN)
LDLIBS    += $(PKG_LIBS) -lm $(SAN)
TEST_LIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)

# Cross-building for the boards (hw/README.md): `make ARCH=arm64` or
# `make ARCH=armhf` builds into build/ARCH with Debian's cross compiler.
# The libraries come from multiarch -dev packages (libsodium-dev:arm64 ...),
# or with SYSROOT=DIR from the copy `sh hw/sysroot.sh ARCH DIR` unpacks.
# `make test-arm64` (and test-armhf) runs the unit tests under qemu-user;
# it is not part of `make test`.
ARCH      ?=
ifneq ($(ARCH),)
CROSS_arm64 := aarch64-linux-gnu
CROSS_armhf := arm-linux-gnueabihf
QEMU_arm64  := qemu-aarch64
QEMU_armhf  := qemu-arm
CROSS     := $(CROSS_$(ARCH))
ifeq ($(CROSS),)
$(error ARCH is arm64 or armhf, not $(ARCH))
endif
CC        := $(CROSS)-gcc
STRIP     := $(CROSS)-strip
# 32-bit boards: 64-bit file offsets, so readdir() and stat() work on any
# file system and a replica may pass 2 GB.
ifeq ($(ARCH),armhf)
CFLAGS    += -D_FILE_OFFSET_BITS=64
endif
ifeq ($(origin BUILD),file)
BUILD     := build/$(ARCH)
endif
QEMU      := $(QEMU_$(ARCH))
ifneq ($(SYSROOT),)
SYSROOT_ABS := $(abspath $(SYSROOT))
XPKG_CONFIG = PKG_CONFIG_SYSROOT_DIR=$(SYSROOT_ABS) \
	PKG_CONFIG_LIBDIR=$(SYSROOT_ABS)/usr/lib/$(CROSS)/pkgconfig:$(SYSROOT_ABS)/usr/share/pkgconfig pkg-config
CFLAGS    += -I$(SYSROOT_ABS)/usr/include
LDLIBS    += -L$(SYSROOT_ABS)/usr/lib/$(CROSS) \
	-Wl,-rpath-link,$(SYSROOT_ABS)/usr/lib/$(CROSS):$(SYSROOT_ABS)/lib/$(CROSS)
QEMU_LD   := $(SYSROOT_ABS)
DEB_PKGS  := gcc-$(CROSS) libc6-dev-$(ARCH)-cross pkg-config qemu-user
else
XPKG_CONFIG = PKG_CONFIG_LIBDIR=/usr/lib/$(CROSS)/pkgconfig:/usr/share/pkgconfig pkg-config
QEMU_LD   := /usr/$(CROSS)
DEB_PKGS  := gcc-$(CROSS) libc6-dev-$(ARCH)-cross pkg-config qemu-user libsodium-dev:$(ARCH) libsqlite3-dev:$(ARCH) \
             libzstd-dev:$(ARCH) libcoap3-dev:$(ARCH) libcmocka-dev:$(ARCH) \
             libmicrohttpd-dev:$(ARCH) libqrencode-dev:$(ARCH)
endif
PKG_CFLAGS = $(shell $(XPKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(XPKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_LIBS  = $(shell $(XPKG_CONFIG) --libs cmocka 2>/dev/null)
endif
STRIP     ?= strip

LIB_SRCS  :=
BIN_SRCS  :=
TEST_SRCS :=
BENCH_SRCS :=
TEST_EXTRA :=

# The default goal is all, whatever rules the module.mk files bring.
.DEFAULT_GOAL := all

include base/module.mk crdt/module.mk sync/module.mk radio/module.mk app/module.mk web/module.mk node/module.mk tests/module.mk

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/dict_v1.o
BIN_OBJS   := $(BIN_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS  := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
# What `make` checks (pkg-config, hw/libs.sh) before the first compile in a
# build folder; the stamp is written only when every library is found.
LIBS_STAMP := $(BUILD)/.libs-ok
TESTLIBS_STAMP := $(BUILD)/.testlibs-ok
PKG_CONFIG_CMD = $(if $(ARCH),$(XPKG_CONFIG),pkg-config)

.PHONY: all deps test check bench bench-scale demo fuzz soak install clean package test-arm64 test-armhf test-cross
all: $(BUILD)/cunlian

# `make deps` installs what the build, the tests and the demo need from
# Debian when it is missing (as root: apt-get), or prints the one sudo line
# to run (not root). Plain `make` never installs: it checks the libraries
# with pkg-config and says what is missing. On Debian (dpkg-query present)
# `make test`, `make demo`, `make check`, `make bench` and `make soak` run
# `make deps` first, so a fresh machine needs only those commands (README).
deps:
	@sh hw/deps.sh $(DEB_PKGS)

DEPS_AUTO := $(if $(filter test demo check bench bench-scale soak test-cross,$(MAKECMDGOALS)),$(if \
	$(shell command -v dpkg-query 2>/dev/null),deps))

$(LIBS_STAMP): | $(DEPS_AUTO)
	@sh hw/libs.sh "$(PKG_CONFIG_CMD)" $(PKGS)
	@mkdir -p $(dir $@) && touch $@
$(TESTLIBS_STAMP): | $(LIBS_STAMP)
	@sh hw/libs.sh "$(PKG_CONFIG_CMD)" cmocka
	@touch $@

# The test and bench programs are built from their objects by pattern
# rules, which would make the objects intermediates, deleted after each
# build; kept, a second `make test` recompiles nothing.
.SECONDARY: $(TEST_SRCS:%.c=$(BUILD)/obj/%.o) $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/obj/%.o: %.c | $(LIBS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcunlian.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The shipped zstd dictionary, compiled into the program.
$(BUILD)/gen/dict_v1.c: sync/dict/cunlian-v1.dict sync/dict/bin2c.sh
	@mkdir -p $(dir $@)
	sh sync/dict/bin2c.sh node_dict_v1 < $< > $@

$(BUILD)/obj/gen/dict_v1.o: $(BUILD)/gen/dict_v1.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/cunlian: $(BIN_OBJS) $(BUILD)/libcunlian.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# tests/e2e/clock.sh: the program as it was before the clock's bounds
# (app/clock.c), to make a far-future commit the way an older version did.
TEST_EXTRA += $(BUILD)/tests/cunlian-unchecked
$(BUILD)/obj-unchecked/%.o: %.c | $(LIBS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC  $< (unchecked clock)"; $(CC) $(CFLAGS) -DNODE_CLOCK_UNCHECKED -MMD -MP -c $< -o $@

$(BUILD)/tests/cunlian-unchecked: $(BIN_SRCS:%.c=$(BUILD)/obj-unchecked/%.o) \
		$(APP_SRCS:%.c=$(BUILD)/obj-unchecked/%.o) $(BUILD)/obj/gen/dict_v1.o \
		$(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

test: $(DEPS_AUTO) $(BUILD)/cunlian $(TEST_BINS) $(TEST_EXTRA)
	@sh tests/check_layers.sh
	@sh tests/run.sh $(BUILD) $(TEST_BINS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
check: $(DEPS_AUTO)
	$(MAKE) BUILD=$(BUILD)/check OPT="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

bench: $(DEPS_AUTO) $(BUILD)/cunlian $(BENCH_BINS) $(BUILD)/bench-scale/bench_scale
	@sh tests/bench/run.sh $(BUILD)

# The hub at city scale (issue 15; docs/testing.md "bench-scale"): builds
# and caches a hub of 1,078 stations x 30 days under $(BUILD)/scale, then
# writes $(BUILD)/bench-scale.json. `make bench` runs the same program on
# a hub of 100 stations x 8 days.
$(BUILD)/bench-scale/bench_scale: $(BUILD)/obj/tests/bench/bench_scale.o $(BUILD)/libcunlian.a | $(BUILD)/bench-scale/villagegen
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# villagegen.py in C (the same trace byte for byte,
# tests/bench/villagegen_check.sh); bench_scale runs it from beside itself.
$(BUILD)/bench-scale/villagegen: $(BUILD)/obj/tests/bench/villagegen.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^

bench-scale: $(DEPS_AUTO) $(BUILD)/cunlian $(BUILD)/bench-scale/bench_scale
	BENCH_SCALE_DIR=$(BUILD)/scale BENCH_SCALE_OUT=$(BUILD)/bench-scale.json \
		$(BUILD)/bench-scale/bench_scale

demo: $(DEPS_AUTO) $(BUILD)/cunlian
	@KEEP=$(KEEP) sh tests/demo.sh $(BUILD)

# Every seed-driven test over many seeds: SEEDS=N [SEED_START=K]
# (docs/testing.md); the simulation runs its larger worlds here, and 50
# stations sync with one serve (tests/e2e/net_many.sh).
soak: $(DEPS_AUTO) $(BUILD)/cunlian $(TEST_BINS)
	@CUNLIAN_SEEDS=$${SEEDS:-100000} CUNLIAN_SEED_START=$${SEED_START:-1} \
		$(BUILD)/tests/test_property
	@CUNLIAN_SEEDS=$${SEEDS:-100000} CUNLIAN_SEED_START=$${SEED_START:-1} CUNLIAN_SIM_BIG=1 \
		$(BUILD)/tests/sim/test_sim
	@CUNLIAN_NET_STATIONS=50 CUNLIAN_BIN=$(BUILD)/cunlian sh tests/e2e/net_many.sh

# The libFuzzer targets (tests/fuzz/module.mk), built with clang and
# AddressSanitizer in build/fuzz, each run FUZZ_TIME seconds (default 20).
fuzz:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang WERROR= OPT="-O1 -g" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
		FUZZ_TIME=$(or $(FUZZ_TIME),20) fuzz-run

# What a technician installs (hw/README.md): the program, the man page, the
# systemd unit and system user, and a commented /etc/cunlian/cunlian.conf
# that is never overwritten once there. PREFIX and DESTDIR are honoured.
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
install: $(BUILD)/cunlian
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/cunlian
	install -m 0755 $(BUILD)/cunlian $(DESTDIR)$(PREFIX)/bin/cunlian
	install -m 0644 docs/cunlian.1 $(DESTDIR)$(PREFIX)/share/man/man1/cunlian.1
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' hw/cunlian.service \
		> $(DESTDIR)$(UNITDIR)/cunlian.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/cunlian.service
	install -m 0644 hw/cunlian.sysusers $(DESTDIR)$(SYSUSERSDIR)/cunlian.conf
	test -e $(DESTDIR)$(SYSCONFDIR)/cunlian/cunlian.conf || \
		install -m 0644 hw/cunlian.conf $(DESTDIR)$(SYSCONFDIR)/cunlian/cunlian.conf

# A Debian package of the same (hw/debian/), for `apt install ./cunlian_*.deb`
# offline. With ARCH=arm64/armhf it is the board's package.
DEB_ARCH    = $(if $(ARCH),$(ARCH),$(shell dpkg --print-architecture))
DEB_VERSION ?= 0.1+$(shell git rev-list --count HEAD 2>/dev/null || echo 0)
DEB_ROOT     = $(BUILD)/deb/root
DEB_FILE     = $(BUILD)/cunlian_$(DEB_VERSION)_$(DEB_ARCH).deb
package: $(BUILD)/cunlian
	rm -rf $(BUILD)/deb && mkdir -p $(DEB_ROOT)/DEBIAN $(DEB_ROOT)/usr/share/doc/cunlian
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_ROOT)) PREFIX=/usr \
		UNITDIR=/lib/systemd/system SYSUSERSDIR=/usr/lib/sysusers.d
	$(STRIP) --strip-unneeded $(DEB_ROOT)/usr/bin/cunlian
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/cunlian.1
	install -m 0644 hw/debian/copyright hw/README.md $(DEB_ROOT)/usr/share/doc/cunlian/
	install -m 0644 docs/field-guide.md docs/cli.md $(DEB_ROOT)/usr/share/doc/cunlian/
	install -m 0755 hw/debian/postinst hw/debian/prerm hw/debian/postrm $(DEB_ROOT)/DEBIAN/
	echo /etc/cunlian/cunlian.conf > $(DEB_ROOT)/DEBIAN/conffiles
	sed -e 's|@VERSION@|$(DEB_VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' \
		-e "s|@SIZE@|$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)|" \
		hw/debian/control > $(DEB_ROOT)/DEBIAN/control
	cd $(DEB_ROOT) && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | \
		xargs -0 md5sum > DEBIAN/md5sums
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $(DEB_FILE)
	@echo "package: $(DEB_FILE)"

# The unit tests of the ARCH build under qemu-user (hw/README.md); the
# property test runs SEEDS=200 seeds there (1000 natively) unless told.
test-arm64 test-armhf:
	@$(MAKE) --no-print-directory ARCH=$(@:test-%=%) BUILD=build/$(@:test-%=%) test-cross
test-cross: $(DEPS_AUTO) $(BUILD)/cunlian $(TEST_BINS)
	@test -n "$(ARCH)" || { echo "test-cross: use make test-arm64 or test-armhf" >&2; exit 2; }
	@pass=0; for t in $(TEST_BINS); do echo "== $$t ($(QEMU))"; \
		CUNLIAN_SEEDS=$${SEEDS:-200} $(QEMU) -L $(QEMU_LD) $$t || { echo "FAIL: $$t under $(QEMU)"; exit 1; }; \
		pass=$$((pass + 1)); done; \
		$(QEMU) -L $(QEMU_LD) $(BUILD)/cunlian --version; \
		echo "tests ($(ARCH), $(QEMU)): $$pass passed, 0 failed"

clean:
	rm -rf $(BUILD) build

# The test programs' objects need cmocka too.
$(TEST_SRCS:%.c=$(BUILD)/obj/%.o): | $(TESTLIBS_STAMP)

-include $(LIB_OBJS:.o=.d) $(BIN_OBJS:.o=.d) $(TEST_SRCS:%.c=$(BUILD)/obj/%.d) \
	$(BIN_SRCS:%.c=$(BUILD)/obj-unchecked/%.d) $(APP_SRCS:%.c=$(BUILD)/obj-unchecked/%.d)
