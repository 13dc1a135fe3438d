# SPDX-License-Identifier: MIT
# sync/ - feeds, deltas, chunks, bundles, the session (docs/protocol.md).
LIB_SRCS += sync/feed.c sync/codec.c sync/chunk.c sync/delta.c sync/bundle.c sync/session.c sync/trust.c sync/compact.c sync/snap.c
TEST_SRCS += tests/test_trust.c
TEST_SRCS += tests/test_sync.c
TEST_SRCS += tests/test_session.c
TEST_SRCS += tests/test_compact.c
BENCH_SRCS += tests/bench/bench_sync.c
TEST_SRCS += tests/test_snapshot.c
