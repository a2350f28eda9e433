#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for PARALLAX_FUZZ_SECONDS each
# (default 60; `.ci/run` uses the default, a full run is e.g.
# PARALLAX_FUZZ_SECONDS=3600 scripts/fuzz.sh). cargo-fuzz is installed once
# under ~/.cache/parallax/tools; the build and the growing corpus live in
# ~/.cache/parallax as well, outside the checkout. A crash leaves its input
# in ~/.cache/parallax/fuzz-artifacts/<target>/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="$HOME/.cache/parallax"
seconds="${PARALLAX_FUZZ_SECONDS:-60}"
export PATH="$cache/tools/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz into $cache/tools"
  cargo install cargo-fuzz --locked --quiet --root "$cache/tools"
fi
# libFuzzer's instrumentation flags are nightly-only; the machine has the
# stable toolchain alone, which accepts them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
for target in $(cargo fuzz list --fuzz-dir fuzz); do
  corpus="$cache/fuzz-corpus/$target"
  artifacts="$cache/fuzz-artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzzing $target for ${seconds}s"
  log="$artifacts/last-run.log"
  if ! cargo fuzz run --fuzz-dir fuzz --sanitizer none --target-dir "$cache/fuzz-target" \
    "$target" "$corpus" -- -max_total_time="$seconds" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz target $target failed; the input is in $artifacts" >&2
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$log" || tail -n 3 "$log"
done
