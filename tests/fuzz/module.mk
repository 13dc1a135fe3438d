# SPDX-License-Identifier: MIT
# tests/fuzz/ - libFuzzer targets, one per decoder of outside bytes, plus a
# round trip (docs/testing.md). Built only by `make fuzz`, with clang, into
# build/fuzz; not part of `make test` (their seed corpora are replayed by
# nothing else: run `make fuzz FUZZ_TIME=0` to just build and replay them).
FUZZ_TARGETS := fuzz_body fuzz_chunk fuzz_bundle fuzz_session fuzz_roundtrip fuzz_config fuzz_lora \
	fuzz_statement fuzz_coap
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_TIME    ?= 20
# Sources outside the library that a target needs (node/ is the program).
FUZZ_EXTRA_fuzz_config := node/config.c node/text.c
# The CoAP handler (node/link.c) on a hub home; not node/main.c (it has
# main) nor node/cmd_enroll.c (fuzz_coap.c stubs the two it would need).
FUZZ_EXTRA_fuzz_coap := node/link.c node/ctx.c node/i18n.c node/log.c node/netconf.c \
	node/output.c node/text.c node/config.c node/identity.c node/cmd_bundle.c node/feedmark.c \
	$(BUILD)/gen/dict_v1.c
$(BUILD)/fuzz/fuzz_coap: $(FUZZ_EXTRA_fuzz_coap)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_EXTRA_$*) $(BUILD)/libcunlian.a $(LDLIBS)

# Each target for FUZZ_TIME seconds from its checked-in corpus; new inputs
# go to $(BUILD)/fuzz/work/<target>, crashes to $(BUILD)/fuzz/crash-*.
.PHONY: fuzz-run
fuzz-run: $(FUZZ_BINS)
	@fail=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/work/$$t tests/fuzz/corpus/$$t; \
		echo "== $$t ($(FUZZ_TIME) s)"; \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 -timeout=10 \
			-rss_limit_mb=2048 -artifact_prefix=$(BUILD)/fuzz/crash-$$t- \
			$(BUILD)/fuzz/work/$$t tests/fuzz/corpus/$$t > $(BUILD)/fuzz/$$t.log 2>&1 \
			|| { fail=1; echo "FAIL: $$t (see $(BUILD)/fuzz/$$t.log)"; tail -30 $(BUILD)/fuzz/$$t.log; }; \
		grep -E "stat::number_of_executed_units|stat::new_units_added" $(BUILD)/fuzz/$$t.log \
			| sed "s/^/   $$t /"; \
	done; exit $$fail
TEST_SRCS += tests/fuzz/test_fuzz_replay.c

# Rewrite the seed corpora from real bytes (tests/fuzz/gen_corpus.c).
.PHONY: fuzz-corpus
fuzz-corpus: $(BUILD)/libcunlian.a
	@mkdir -p $(BUILD)/fuzz
	$(CC) $(CFLAGS) -o $(BUILD)/fuzz/gen_corpus tests/fuzz/gen_corpus.c $(BUILD)/libcunlian.a $(LDLIBS)
	$(BUILD)/fuzz/gen_corpus
