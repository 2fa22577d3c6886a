#!/usr/bin/env bash
# Builds Lamina twice (Release, and Debug with ASan+UBSan), runs every test
# suite, and ends with one summary line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
failures=()

count_ctest() { # $1 = suite name, $2 = log
  local line p t
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$2" | tail -1)
  if [ -z "$line" ]; then
    failed=$((failed + 1)); failures+=("$1: no result"); return
  fi
  t=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  p=$((t - f))
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" = 0 ] || failures+=("$1: $f failed")
}

run_ctest() { # $1 = name, $2 = build dir, $3 = build type
  local log="$2/test.log"
  echo "== $1: build ($3)"
  if ! { cmake -S . -B "$2" -DCMAKE_BUILD_TYPE="$3" >/dev/null &&
         cmake --build "$2" -j "$JOBS" >"$2/build.log" 2>&1; }; then
    cat "$2/build.log"
    failed=$((failed + 1)); failures+=("$1: build failed"); return
  fi
  echo "== $1: ctest"
  (cd "$2" && ctest --output-on-failure -j "$JOBS" 2>&1) | tee "$log" | grep -vE '^\s*[0-9]+/[0-9]+ Test' || true
  count_ctest "$1" "$log"
}

run_ctest "unit (Release)" build Release
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:protect_shadow_gap=0 UBSAN_OPTIONS=print_stacktrace=1 \
  run_ctest "unit (ASan+UBSan)" build-asan Debug

if [ -d contracts/src ]; then
  echo "== contracts: forge test"
  log=build/forge.log
  (cd contracts && ../node_modules/.bin/forge test 2>&1) | tee "$log" | tail -n 30
  line=$(grep -E 'Ran [0-9]+ test suites?' "$log" | tail -1)
  if [ -n "$line" ]; then
    p=$(sed -E 's/.*: ([0-9]+) tests passed.*/\1/' <<<"$line")
    f=$(sed -E 's/.*passed, ([0-9]+) failed.*/\1/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" = 0 ] || failures+=("forge: $f failed")
  else
    failed=$((failed + 1)); failures+=("forge: no result")
  fi
fi

for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
