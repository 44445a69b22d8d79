#!/usr/bin/env bash
# Runs every test binary of a build and prints one closing line "N passed, N failed".
# A binary that dies before reporting (crash, sanitizer abort) counts as one failure, so a
# crash can never read as a pass.
set -u
build=${1:-build}
passed=0
failed=0
failed_names=()
log_dir="$build/test-logs"
mkdir -p "$log_dir"

# Absolute, so a build directory outside the source tree (BUILD=/tmp/x) works too.
build_dir=$(cd "$build" && pwd)
export SMSGW_BIN="$build_dir/smsgw"
export SMSGW_TOOLS="$build_dir/tools"
export SMSGW_SOURCE_DIR="$PWD"

count() { # file pattern -> first number on the matching summary line, or 0
  local n
  n=$(grep -E "$2" "$1" | tail -n 1 | grep -oE '[0-9]+' | head -n 1)
  echo "${n:-0}"
}

for bin in "$build"/tests/*_tests; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  log="$log_dir/$name.log"
  echo "== $name"
  "$bin" --gtest_brief=1 >"$log" 2>&1
  rc=$?
  p=$(count "$log" '^\[  PASSED  \] [0-9]+ test')
  f=$(count "$log" '^\[  FAILED  \] [0-9]+ test')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  # A failure's own lines follow it (expected, actual, the test's message): CI shows only this.
  grep -E -A6 '^\[  FAILED  \]|Failure$|ERROR: |runtime error' "$log" | grep -vE '^\[ +(OK|RUN) ' |
    head -n 80
  echo "   $p passed, $f failed"
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$f" -eq 0 ] || failed_names+=("$name (log: $log)")
done

# Fuzz corpora and regression inputs: every file must go through the target without a crash,
# with the shipped files that seed it (tests/fuzz/shipped_seeds.txt) as they are now.
for bin in "$build"/fuzz-replay/*_fuzz; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus="tests/fuzz/corpus/${name%_fuzz}"
  [ -d "$corpus" ] || continue
  mapfile -t seeds < <(awk -v t="${name%_fuzz}" '$1 == t { print $2 }' tests/fuzz/shipped_seeds.txt)
  log="$log_dir/$name.log"
  echo "== $name corpus replay"
  if "$bin" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "   1 passed, 0 failed"
  else
    failed=$((failed + 1)); failed_names+=("$name (log: $log)"); tail -n 20 "$log"
  fi
done

if [ ${#failed_names[@]} -gt 0 ]; then
  echo "Failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
