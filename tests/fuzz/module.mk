# SPDX-License-Identifier: MIT
# tests/fuzz/ - libFuzzer targets, one per decoder of outside bytes, plus a
# round trip (docs/testing.md). Built by `make fuzz`, with clang, into
# build/fuzz; their corpora and regressions are replayed in `make test` by
# test_fuzz_replay (below), built with the ordinary compiler.
FUZZ_TARGETS := fuzz_body fuzz_chunk fuzz_bundle fuzz_session fuzz_roundtrip fuzz_config fuzz_lora \
	fuzz_statement fuzz_coap fuzz_backup fuzz_csv fuzz_form fuzz_snapshot
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_TIME    ?= 20
# Every target links the real code as the program does: libcunlian.a
# (base, crdt, sync, radio and app/, the operations, trust included), built
# with the fuzzing flags in build/fuzz (fuzz_backup: app_restore() of
# app/backup.c, with that alone). The targets that run the command line's
# code (fuzz_coap: the CoAP server of node/link.c; fuzz_csv: import) also
# link node/'s objects but main.o, as the library libcunlian_node.a
# (tests/fuzz/fuzz_node.h stands in for the command table of main.c). No
# source is compiled into a target by hand.
FUZZ_NODE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out node/main.c,$(BIN_SRCS)))
FUZZ_NODE_LIB  := $(BUILD)/libcunlian_node.a
$(FUZZ_NODE_LIB): $(FUZZ_NODE_OBJS)
	@rm -f $@
	ar rcs $@ $^
FUZZ_NODE_TARGETS := fuzz_coap fuzz_csv
$(FUZZ_NODE_TARGETS:%=$(BUILD)/fuzz/%): $(FUZZ_NODE_LIB) tests/fuzz/fuzz_node.h
FUZZ_LIBS_fuzz_coap := $(FUZZ_NODE_LIB)
FUZZ_LIBS_fuzz_csv := $(FUZZ_NODE_LIB)
$(FUZZ_NODE_TARGETS:%=$(BUILD)/fuzz/%) $(BUILD)/fuzz/fuzz_backup: tests/fuzz/fuzz_home.h
# The web pages' form decoder (web/form.c, in the program's objects).
$(BUILD)/fuzz/fuzz_form: $(FUZZ_NODE_LIB)
FUZZ_LIBS_fuzz_form := $(FUZZ_NODE_LIB)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS_$*) $(BUILD)/libcunlian.a $(LDLIBS)

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
# Every corpus and regression, in make test (and make check), linked as
# the targets are (libcunlian_node.a, libcunlian.a).
TEST_SRCS += tests/fuzz/test_fuzz_replay.c
$(BUILD)/tests/fuzz/test_fuzz_replay: $(BUILD)/obj/tests/fuzz/test_fuzz_replay.o $(FUZZ_NODE_LIB) \
		$(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)

# Rewrite the seed corpora from real bytes (tests/fuzz/gen_corpus.c).
.PHONY: fuzz-corpus
fuzz-corpus: $(FUZZ_NODE_LIB) $(BUILD)/libcunlian.a
	@mkdir -p $(BUILD)/fuzz
	$(CC) $(CFLAGS) -o $(BUILD)/fuzz/gen_corpus tests/fuzz/gen_corpus.c $(FUZZ_NODE_LIB) \
		$(BUILD)/libcunlian.a $(LDLIBS)
	$(BUILD)/fuzz/gen_corpus
