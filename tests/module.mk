TEST_SRCS += tests/test_crdt.c
BENCH_SRCS +=
