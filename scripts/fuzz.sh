#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time,
# starting from its committed corpus (tests/fuzz/corpus/<name>/).
#   scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-fuzz}
secs=${2:-30}
CC=clang cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DLM_FUZZ=ON >/dev/null
targets=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
# shellcheck disable=SC2086
cmake --build "$dir" -j "$(nproc)" --target $targets >/dev/null
status=0
for bin in "$dir"/fuzz_*; do
  name=$(basename "$bin"); name=${name#fuzz_}
  corpus=tests/fuzz/corpus/$name
  work="$dir/corpus-$name"
  mkdir -p "$work"
  echo "== fuzz $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$dir/" \
        "$work" "$corpus" 2>"$dir/$name.log"; then
    tail -n 40 "$dir/$name.log"; status=1
  else
    grep -E 'stat::number_of_executed_units|Done' "$dir/$name.log" | tail -n 2
  fi
done
exit $status
