#!/usr/bin/env bash
# `make fuzz`: runs each libFuzzer target for a fixed time over its corpus. New crashes are
# written to tests/fuzz/corpus/<target>/crash-* so that, once fixed, `make test` replays them.
# The shipped files listed in tests/fuzz/shipped_seeds.txt seed their targets as they are now.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
status=0
for f in "$build"/*_fuzz; do
  [ -x "$f" ] || continue
  name=$(basename "$f" _fuzz)
  corpus="tests/fuzz/corpus/$name"
  seeds="$build/seeds-$name"
  rm -rf "$seeds"
  mkdir -p "$corpus" "$build/corpus-$name" "$seeds"
  # libFuzzer takes directories (a file argument would only run that input); it writes new
  # inputs to the first one only.
  for file in $(awk -v t="$name" '$1 == t { print $2 }' tests/fuzz/shipped_seeds.txt); do
    cp "$file" "$seeds/"
  done
  echo "== $name for ${seconds}s"
  if ! "$f" -max_total_time="$seconds" -artifact_prefix="$corpus/" -print_final_stats=1 \
      "$build/corpus-$name" "$corpus" "$seeds" 2>"$build/$name.log"; then
    status=1
    tail -n 40 "$build/$name.log"
  else
    grep -E 'stat::number_of_executed_units|stat::peak_rss' "$build/$name.log" || true
  fi
done
exit $status
