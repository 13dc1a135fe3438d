# Tests of base/ and crdt/; other folders add theirs in their own module.mk.
TEST_SRCS += tests/test_base.c tests/test_crdt.c tests/test_property.c tests/test_idnum.c
BENCH_SRCS += tests/bench/bench_replica.c
# One small change over a lossy link with the real serve, linksim and sync (issue 12).
BENCH_SRCS += tests/bench/bench_lossy.c
# Hub CPU per real session as the history grows (issue 15, branch hubcost).
BENCH_SRCS += tests/bench/bench_hubcost.c
include tests/sim/module.mk
