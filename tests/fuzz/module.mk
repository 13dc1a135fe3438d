# SPDX-License-Identifier: MIT
# tests/fuzz/ - libFuzzer targets, one per decoder of outside bytes, plus a
# round trip (docs/testing.md). Built by `make fuzz`, with clang, into
# build/fuzz; their corpora and regressions are replayed in `make test` by
# test_fuzz_replay (below), built with the ordinary compiler.
FUZZ_TARGETS := fuzz_body fuzz_chunk fuzz_bundle fuzz_session fuzz_roundtrip fuzz_config fuzz_lora \
	fuzz_statement fuzz_coap fuzz_backup fuzz_csv fuzz_form
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_TIME    ?= 20
# The targets that run parts of the program link every file of node/ but
# main.c (tests/fuzz/fuzz_node.h stands in for its command table).
FUZZ_NODE_SRCS := $(filter-out node/main.c,$(BIN_SRCS))
FUZZ_EXTRA_fuzz_config := app/config.c app/text.c
FUZZ_EXTRA_fuzz_coap := $(FUZZ_NODE_SRCS) $(BUILD)/gen/dict_v1.c
FUZZ_EXTRA_fuzz_backup := $(FUZZ_EXTRA_fuzz_coap)
FUZZ_EXTRA_fuzz_csv := $(FUZZ_EXTRA_fuzz_coap)
# The web pages' form decoder (issue 16).
FUZZ_EXTRA_fuzz_form := web/form.c
$(BUILD)/fuzz/fuzz_coap $(BUILD)/fuzz/fuzz_backup $(BUILD)/fuzz/fuzz_csv: $(FUZZ_EXTRA_fuzz_coap) \
	tests/fuzz/fuzz_node.h

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
# Every corpus and regression, in make test (and make check): the node/
# files come as the program's objects.
TEST_SRCS += tests/fuzz/test_fuzz_replay.c
$(BUILD)/tests/fuzz/test_fuzz_replay: $(BUILD)/obj/tests/fuzz/test_fuzz_replay.o \
		$(FUZZ_NODE_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/dict_v1.o $(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libcunlian.a $(LDLIBS) $(TEST_LIBS)

# Rewrite the seed corpora from real bytes (tests/fuzz/gen_corpus.c).
.PHONY: fuzz-corpus
fuzz-corpus: $(BUILD)/libcunlian.a $(BUILD)/gen/dict_v1.c
	@mkdir -p $(BUILD)/fuzz
	$(CC) $(CFLAGS) -o $(BUILD)/fuzz/gen_corpus tests/fuzz/gen_corpus.c $(FUZZ_NODE_SRCS) \
		$(BUILD)/gen/dict_v1.c $(BUILD)/libcunlian.a $(LDLIBS)
	$(BUILD)/fuzz/gen_corpus
