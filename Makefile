# SPDX-License-Identifier: MIT
# cunlian - one Makefile; each folder adds its files in module.mk.
# Targets: all test check fuzz bench demo install clean (docs/testing.md).

PKGS      := sqlite3 libsodium libzstd libcoap-3-notls
DEB_PKGS  := build-essential pkg-config python3 libsodium-dev libsqlite3-dev libzstd-dev \
             libcoap3-dev libcoap3-bin libcmocka-dev

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

LIB_SRCS  :=
BIN_SRCS  :=
TEST_SRCS :=
BENCH_SRCS :=

include base/module.mk crdt/module.mk sync/module.mk radio/module.mk node/module.mk tests/module.mk

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
BIN_OBJS   := $(BIN_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS  := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps test check bench demo fuzz soak install clean
all: $(BUILD)/cunlian

# Install what the build needs from Debian when it is missing (root), or
# say the one command to run (not root). Checked once per build folder.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): hw/deps.sh
	@sh hw/deps.sh $(DEB_PKGS)
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcunlian.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/cunlian: $(BIN_OBJS) $(BUILD)/libcunlian.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)

$(BUILD)/demo_replica: $(BUILD)/obj/tests/demo_replica.o $(BUILD)/libcunlian.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

test: $(DEPS_STAMP) $(BUILD)/cunlian $(TEST_BINS)
	@sh tests/check_layers.sh
	@sh tests/run.sh $(BUILD) $(TEST_BINS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
check: $(DEPS_STAMP)
	$(MAKE) BUILD=build/check OPT="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

bench: $(DEPS_STAMP) $(BUILD)/cunlian $(BENCH_BINS)
	@sh tests/bench/run.sh $(BUILD)

demo: $(DEPS_STAMP) $(BUILD)/cunlian $(BUILD)/demo_replica
	@sh tests/demo.sh $(BUILD)

soak: $(DEPS_STAMP) $(TEST_BINS)
	@CUNLIAN_SEEDS=$${SEEDS:-100000} CUNLIAN_SEED_START=$${SEED_START:-1} \
		$(BUILD)/tests/test_property

install: $(BUILD)/cunlian
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/cunlian $(DESTDIR)$(PREFIX)/bin/cunlian

clean:
	rm -rf $(BUILD) build

-include $(LIB_OBJS:.o=.d) $(BIN_OBJS:.o=.d) $(TEST_SRCS:%.c=$(BUILD)/obj/%.d)
