#!/usr/bin/env bash
# Test phase of scripts/test.sh: starts a fresh in-memory DynamoDB Local on a free port, runs
# `cargo test --workspace --locked --offline` against it, stops it again (also when a test fails),
# and exits with cargo's exit code. Test binaries must already be built (cargo test --no-run).
#
# scripts/test.sh runs this inside `unshare --net` with LOYALTY_TEST_NETNS=1, so the first thing
# to do is to bring up the namespace's loopback interface. Run on its own, it uses the host network.
#
# Usage: scripts/test-phase.sh [extra cargo test arguments]
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
exit "$rc"
