#!/usr/bin/env bash
# Sums the node:test summaries of every area's log into one closing line for CI.
set -euo pipefail
dir=${1:-build/test-logs}
pass=0 fail=0 skip=0
for f in "$dir"/*.log; do
  [ -e "$f" ] || continue
  p=$(grep -E '^ℹ pass [0-9]+' "$f" | awk '{s+=$3} END {print s+0}')
  x=$(grep -E '^ℹ fail [0-9]+' "$f" | awk '{s+=$3} END {print s+0}')
  k=$(grep -E '^ℹ skipped [0-9]+' "$f" | awk '{s+=$3} END {print s+0}')
  printf '  %-12s %5d passed, %d failed, %d skipped\n' "$(basename "$f" .log)" "$p" "$x" "$k"
  pass=$((pass + p)); fail=$((fail + x)); skip=$((skip + k))
done
echo "total: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
