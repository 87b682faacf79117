#!/usr/bin/env bash
# Local dev stack (`make dev`): DynamoDB Local + demo data + every function behind one port,
# with the same paths as production (cargo lambda watch, router in Cargo.toml).
#
#   API:            http://127.0.0.1:${DEV_PORT:-9000}/v1/...
#   DynamoDB Local: port ${DYNAMODB_PORT:-8000}, unless DYNAMODB_ENDPOINT is already set (then that one is used)
#   Tokens:         HS256, signed with LOYALTY_DEV_JWT_SECRET (default local-dev-secret-change-me);
#                   the setup step prints ready-made curl commands.
#   Console:        http://localhost:${CONSOLE_PORT:-9001}/console/ (scripts/console_serve.py, 127.0.0.1
#                   only, /v1/* passed to the API); a sign-in link with an operator token is printed.
#
# Ctrl-C stops the functions and the DynamoDB Local this script started.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

bash scripts/tools.sh
bash scripts/console.sh build

export TABLE_NAME="${TABLE_NAME:-loyalty}"
export LOYALTY_DEV_JWT_SECRET="${LOYALTY_DEV_JWT_SECRET:-local-dev-secret-change-me}"
# Seals partners' webhook secrets at rest (in AWS it comes from Secrets Manager).
export LOYALTY_SECRETS_KEY="${LOYALTY_SECRETS_KEY:-local-dev-partner-secrets-key-change-me}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
export AWS_EC2_METADATA_DISABLED="${AWS_EC2_METADATA_DISABLED:-true}"
export RUST_LOG="${RUST_LOG:-info}"
export PATH="$root/.local/venv/bin:$PATH"
dev_port="${DEV_PORT:-9000}"

started_dynamodb=0
pump_pid=""
console_pid=""
pidfile="$root/.local/dynamodb-dev.pid"
# Stops what this script started: the stream pump, and DynamoDB Local if it started one.
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ -n "$pump_pid" ]]; then kill "$pump_pid" 2>/dev/null || true; fi
  if [[ -n "$console_pid" ]]; then kill "$console_pid" 2>/dev/null || true; fi
  if [[ $started_dynamodb == 1 ]]; then bash "$root/scripts/dynamodb-local.sh" stop "$pidfile" || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [[ -z "${DYNAMODB_ENDPOINT:-}" ]]; then
  dynamodb_port="${DYNAMODB_PORT:-8000}"
  bash scripts/dynamodb-local.sh start "$dynamodb_port" "$pidfile"
  started_dynamodb=1
  export DYNAMODB_ENDPOINT="http://127.0.0.1:${dynamodb_port}"
else
  echo "dev: using DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT (not starting DynamoDB Local)"
fi

# Build what the stack runs before starting it, with cargo's progress shown: the dev tools and
# every function (cargo lambda watch would otherwise compile each one silently on its first
# request). The first time takes several minutes on two cores; afterwards, seconds.
echo "dev: building the dev tools and the functions (the first time takes a few minutes) ..."
build_started=$SECONDS
cargo build --bin devstack \
  --bin member-api --bin earn-points --bin redeem-reward --bin partner-offers --bin evaluate-tier
echo "dev: built in $((SECONDS - build_started))s"
devstack="${CARGO_TARGET_DIR:-$root/target}/debug/devstack"

# Create the table (same definition as infra/template.yaml), load demo data, print curl commands.
"$devstack" setup

# Tier upgrades within seconds of an earn, as the stream trigger does in AWS: a pump feeds the
# table's stream records to evaluate-tier (its log lines show tier changes and events).
"$devstack" pump >"$root/.local/stream-pump.log" 2>&1 &
pump_pid=$!
echo "dev: stream pump running (log: .local/stream-pump.log); daily run: make daily-run [AT=2027-12-01T00:15:00Z]"

# The operator console on its own port, with /v1/* passed to the API (one origin, no CORS). The
# sign-in link carries an operator token in the URL fragment, which no server ever receives; the
# page moves it to sessionStorage and clears it from the address bar.
console_port="${CONSOLE_PORT:-9001}"
"$root/.local/venv/bin/python" "$root/scripts/console_serve.py" --port "$console_port" \
  --api "http://127.0.0.1:${dev_port}" >"$root/.local/console-serve.log" 2>&1 &
console_pid=$!
console_token="$("$devstack" token console-operator loyalty/admin)"
echo
echo "dev: operator console (log: .local/console-serve.log); sign in with this link (an operator token):"
echo "  http://localhost:${console_port}/console/#token=${console_token}"
echo

watch=(cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$dev_port")
# --env-var splits its argument on commas (KEY=VALUE,OTHER=VALUE), so a value that contains a comma
# (e.g. RUST_LOG=info,aws_smithy_runtime=warn) goes through an env file, single-quoted, instead.
# (The functions also inherit this script's environment; the flags make the intent explicit.
# Secrets are passed by inheritance only: cargo lambda prints its flags in its own logs.)
env_file="$root/.local/dev-watch.env"
: >"$env_file"
chmod 600 "$env_file"
for var in TABLE_NAME DYNAMODB_ENDPOINT AWS_REGION AWS_DEFAULT_REGION AWS_EC2_METADATA_DISABLED RUST_LOG; do
  value="${!var:-}"
  [[ -n "$value" ]] || continue
  if [[ "$value" == *,* && "$value" == *"'"* ]]; then
    echo "dev: $var contains both ',' and a single quote; passed by inheritance only"
  elif [[ "$value" == *,* ]]; then
    printf "%s='%s'\n" "$var" "$value" >>"$env_file"
  else
    watch+=(--env-var "${var}=${value}")
  fi
done
if [[ -s "$env_file" ]]; then
  watch+=(--env-file "$env_file")
fi

echo "dev: serving the API on http://127.0.0.1:${dev_port}/v1/ (Ctrl-C to stop)"
# Not exec: the EXIT trap must still run to stop the pump (and DynamoDB Local).
"${watch[@]}"
