# SPDX-License-Identifier: MIT
# tests/sim/ - the deterministic simulation (docs/testing.md). One program;
# its helpers (crashvfs.c) are #included, so the pattern rule builds it.
TEST_SRCS += tests/sim/test_sim.c
TEST_SRCS += tests/test_faults.c
include tests/fuzz/module.mk
