#!/bin/sh
# SPDX-License-Identifier: MIT
# Build sync/dict/cunlian-v1.dict reproducibly: a workload trace with seed
# 424242 (no benchmark uses it; they use seed 1), replayed into one replica
# per station, each station-day's DELTA payload a sample, zstd fastCover.
#   sh sync/dict/build.sh [OUT]     (from the repository root)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/sync/dict/cunlian-v1.dict}
work=${WORKLOAD:-$root/../shared/workload}
build=$root/build/sync
cd "$root"
make -s BUILD=build/sync build/sync/libcunlian.a
cc -O2 -D_DEFAULT_SOURCE -I. $(pkg-config --cflags libsodium libzstd sqlite3) -o "$build/dict-train" \
	sync/dict/train.c "$build/libcunlian.a" $(pkg-config --libs libsodium libzstd sqlite3) -lm
python3 "$work/villagegen.py" --stations 100 --days 2 --seed 424242 > "$build/dict-trace.jsonl"
"$build/dict-train" "$build/dict-trace.jsonl" "$out" "${DICT_SIZE:-49152}"
