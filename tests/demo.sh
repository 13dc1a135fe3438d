#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: the README's main job. Shows two replicas merging offline edits.
set -eu
build=$1
echo "== 村联 cunlian: 离线编辑与合并 (offline edits, merged)"
"$build/demo_replica"
