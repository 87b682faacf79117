#!/usr/bin/env bash
# Test phase of scripts/test.sh: starts a fresh in-memory DynamoDB Local on a free port, runs
# `cargo test --workspace --locked --offline` against it, then the contract run
# (scripts/schemathesis.sh: schemathesis against `cargo lambda watch`, on its own table), the
# correctness checker's short run and its proof on the broken build (scripts/soak.sh), stops
# DynamoDB Local again (also when a test fails), and exits non-zero if either failed. Test
# binaries and the functions must already be built (scripts/test.sh does both).
#
# scripts/test.sh runs this inside `unshare --net` with LOYALTY_TEST_NETNS=1, so the first thing
# to do is to bring up the namespace's loopback interface. Run on its own, it uses the host network.
#
# Usage: scripts/test-phase.sh [extra cargo test arguments]
# The contract run is skipped when cargo test arguments are given (a filtered run), unless
# LOYALTY_CONTRACT=1; LOYALTY_CONTRACT=0 always skips it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

if [[ "${LOYALTY_TEST_NETNS:-}" == 1 ]]; then
  ip link set lo up
  echo "test: running in a private network namespace (loopback only)"
fi

port="$(bash scripts/free-port.sh)"
pidfile="$root/.local/dynamodb-test-$$.pid"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { bash "$root/scripts/dynamodb-local.sh" stop "$pidfile" || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bash scripts/dynamodb-local.sh start "$port" "$pidfile"

export DYNAMODB_ENDPOINT="http://127.0.0.1:${port}"
export AWS_ACCESS_KEY_ID=local
export AWS_SECRET_ACCESS_KEY=local
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
export LOYALTY_TEMPLATE="$root/infra/template.yaml"
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "test: DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT RUST_TEST_THREADS=$RUST_TEST_THREADS"
set +e
cargo test --workspace --locked --offline "$@"
rc=$?
set -e

contract="${LOYALTY_CONTRACT:-}"
if [[ -z "$contract" ]]; then
  if [[ $# -eq 0 ]]; then contract=1; else contract=0; fi
fi
if [[ "$contract" == 1 ]]; then
  echo
  echo "test: contract run: schemathesis against the local stack (scripts/schemathesis.sh)"
  set +e
  # Its own table on this DynamoDB Local; loopback is already up.
  env -u LOYALTY_TEST_NETNS bash scripts/schemathesis.sh
  contract_rc=$?
  # The correctness checker (issue 18): a short run with a fixed seed on a stack of its own,
  # then its proof that it can fail, on the deliberately broken build (scripts/soak.sh).
  echo
  echo "test: correctness checker: 90 s of mixed concurrent traffic, seed 20261203 (scripts/schemathesis.sh --check)"
  mkdir -p .local/soak
  CONTRACT_CLIENT_FLOWS=0 CONTRACT_CONSOLE=0 \
    CONTRACT_CHECK_ARGS="--duration 90s --seed 20261203 --history .local/soak/history-test.log" \
    env -u LOYALTY_TEST_NETNS bash scripts/schemathesis.sh --check
  check_rc=$?
  echo
  echo "test: the checker's proof that it can fail (scripts/soak.sh --broken-proof)"
  CARGO_NET_OFFLINE=true SOAK_DURATION=45s env -u LOYALTY_TEST_NETNS bash scripts/soak.sh --broken-proof
  proof_rc=$?
  set -e
  echo "test: cargo test exited $rc, the contract run exited $contract_rc, the checker $check_rc, its proof $proof_rc"
  for phase_rc in $contract_rc $check_rc $proof_rc; do
    if [[ $rc -eq 0 ]]; then rc=$phase_rc; fi
  done
else
  echo "test: contract run skipped (cargo test arguments given, or LOYALTY_CONTRACT=0)"
fi
exit "$rc"
