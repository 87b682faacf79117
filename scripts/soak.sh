#!/usr/bin/env bash
# The correctness checker (check/, `loyalty-check`) against the local stack: DynamoDB Local, a
# fresh table with the demo data, `cargo lambda watch` on a free loopback port, all started by
# scripts/schemathesis.sh --check, which runs the checker after its warm-up and stops everything.
#
# Usage: scripts/soak.sh [--broken-proof]
#   default         SOAK_DURATION of traffic (default 20m) from SOAK_SEED (random when unset;
#                   the checker prints it); exits with the checker's status (0: every invariant
#                   holds, 1: one failed, with the seed and the requests that led to it)
#   --broken-proof  proves the checker can fail: serves the functions built with the test-only
#                   feature earn-points/broken-idempotency (duplicates credit twice), runs the
#                   checker with a fixed seed (SOAK_SEED, default 20261203) for SOAK_DURATION
#                   (default 60s), asserts it exits 1 with a report naming the duplicate credit,
#                   then rebuilds the normal functions
# Environment: SOAK_DURATION, SOAK_SEED, SOAK_MAX_REQUESTS (default 100000), SOAK_MEMBERS
# (default 10), SOAK_CONCURRENCY (default 8), SOAK_EXTRA_ARGS (more checker options). Logs:
# .local/soak/ (history.log: every request and answer of the last run).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

proof=0
for arg in "$@"; do
  case "$arg" in
    --broken-proof) proof=1 ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "soak: unknown argument: $arg (usage: scripts/soak.sh [--broken-proof])" >&2
      exit 2
      ;;
  esac
done

log() { echo "soak: $*"; }
die() {
  echo "soak: ERROR: $*" >&2
  exit 1
}

functions=(--bin member-api --bin earn-points --bin redeem-reward --bin partner-offers --bin evaluate-tier)
out="$root/.local/soak"
mkdir -p "$out"

if [[ $proof == 1 ]]; then
  duration="${SOAK_DURATION:-60s}"
  seed="${SOAK_SEED:-20261203}"
else
  duration="${SOAK_DURATION:-20m}"
  seed="${SOAK_SEED:-}"
fi
[[ -z "$seed" || "$seed" =~ ^[0-9]+$ ]] || die "SOAK_SEED must be a whole number"
args="--duration $duration --max-requests ${SOAK_MAX_REQUESTS:-100000}"
args+=" --members ${SOAK_MEMBERS:-10} --concurrency ${SOAK_CONCURRENCY:-8}"
[[ -n "$seed" ]] && args+=" --seed $seed"
args+=" --history $out/history.log ${SOAK_EXTRA_ARGS:-}"

cargo build --locked -p loyalty-check -p loyalty-tests --bin loyalty-check --bin devstack

if [[ $proof == 0 ]]; then
  cargo build --locked "${functions[@]}"
  CONTRACT_CHECK_ARGS="$args" bash scripts/schemathesis.sh --check
  exit $?
fi

# --- the broken-build proof ----------------------------------------------------------------
# cargo lambda watch runs each function with `cargo run --features ...`: build them that way
# first, so its warm-up finds them up to date; rebuild the normal ones whatever happens.
feature=earn-points/broken-idempotency
# shellcheck disable=SC2317 # called by the EXIT trap
restore() {
  local rc=$?
  log "rebuilding the normal functions"
  cargo build --locked "${functions[@]}" >"$out/rebuild.log" 2>&1 || log "WARNING: the rebuild failed (see .local/soak/rebuild.log)"
  exit "$rc"
}
trap restore EXIT
cargo build --locked "${functions[@]}" --features "$feature"
report="$out/broken-proof.log"
set +e
CONTRACT_WATCH_FEATURES="$feature" CONTRACT_CHECK_ARGS="$args" bash scripts/schemathesis.sh --check 2>&1 | tee "$report"
rc=${PIPESTATUS[0]}
set -e
[[ $rc -eq 1 ]] || die "the checker should have failed (exit 1) on the broken build, but exited $rc (log: ${report#"$root"/})"
grep -q "FAILED  every transactionId credited once" "$report" && grep -q "duplicate credit" "$report" ||
  die "the checker failed, but its report does not name the duplicate credit (log: ${report#"$root"/})"
log "OK: the checker caught the broken build's duplicate credit (seed $seed; log ${report#"$root"/})"
