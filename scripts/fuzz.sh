#!/usr/bin/env bash
# `make fuzz [FUZZ_SECONDS=60]`: runs each cargo-fuzz target (fuzz/fuzz_targets) for a bounded
# time. cargo-fuzz needs nightly compiler flags; the machine's one toolchain is stable, so
# RUSTC_BOOTSTRAP=1 lets it accept them. Crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${FUZZ_SECONDS:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz (once)"
  cargo install cargo-fuzz --locked
fi
for target in webhook_verify request_decoders; do
  echo "fuzz: $target for ${seconds}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz "$target" -- -max_total_time="$seconds" -max_len=8192
done
echo "fuzz: no crash in $((seconds * 2))s of fuzzing"
