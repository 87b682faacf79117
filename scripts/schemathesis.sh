#!/usr/bin/env bash
# Contract run: schemathesis (pinned in requirements-dev.txt) generates requests from
# docs/openapi.yaml, sends them to the local stack (`cargo lambda watch` serving every route of
# Cargo.toml's router, as `make dev` does, on 127.0.0.1 only) against a fresh table on DynamoDB
# Local with the demo data of `devstack setup`, and checks every response against the document.
# It fails (exit 1) on any problem: a 5xx, a status the operation does not document, a body
# (error bodies included) or header that does not match its schema, a wrong content type, an
# invalid request that is not refused with a 4xx, a route that ignores a missing token.
#
# Before schemathesis, the clients generated from the document run their flows against the same
# stack (scripts/clients.sh flows; CONTRACT_CLIENT_FLOWS=0 skips them), then the operator
# console's browser test (scripts/console.sh browser-test; CONTRACT_CONSOLE=0 skips it).
#
# Run by scripts/test-phase.sh inside `make test` with a bounded budget, and by
# scripts/schemathesis-long.sh (`make contract-long`) with a long one.
#
# Usage: scripts/schemathesis.sh [--long | --serve | --check]
#   default   bounded: SCHEMATHESIS_MAX_TIME seconds (default 120) of generated requests, in
#             rounds of at most SCHEMATHESIS_MAX_EXAMPLES per operation (default 40), from a
#             fixed seed (SCHEMATHESIS_SEED, default 20261123) so that `make test` is repeatable;
#             the whole script takes about 2½ minutes, and schemathesis is killed at
#             SCHEMATHESIS_MAX_TIME + 120 s whatever happens
#   --long    SCHEMATHESIS_MAX_TIME default 1200, SCHEMATHESIS_MAX_EXAMPLES default 500, a
#             random seed (printed; set SCHEMATHESIS_SEED to replay a run)
#   --serve   set up the same stack, print its URL and tokens, and keep it up until Ctrl-C
#             (to replay a failure's curl command by hand). Run on its own, outside a network
#             namespace, its DynamoDB Local listens on all interfaces, as `make dev`'s does.
#   --check   set up the same stack, then run the correctness checker (target/debug/loyalty-check,
#             built beforehand) against it instead of the flows and schemathesis, with the words of
#             CONTRACT_CHECK_ARGS (e.g. "--duration 90s --seed 7"); exits with the checker's
#             status. Used by scripts/soak.sh (`make soak`).
#
# Environment:
#   DYNAMODB_ENDPOINT   a DynamoDB Local to use (test-phase.sh passes its own); without it, this
#                       script starts one on a free port and stops it again. The run always
#                       creates its own table (contract-<pid>), so it never touches other data.
#   LOYALTY_TEST_NETNS=1  running in a fresh network namespace: bring loopback up first.
#   CONTRACT_WARMUP_TIMEOUT  seconds the functions may take to build and answer (default 600).
#   CONTRACT_CLIENT_FLOWS=0  skip the generated clients' flows.
#   CONTRACT_WATCH_FEATURES  cargo features for the functions cargo lambda watch runs (empty by
#                       default; scripts/soak.sh --broken-proof serves earn-points/broken-idempotency).
# The function binaries should already be built (`cargo build --bin <function>` for each, as
# scripts/test.sh does before the network namespace): then nothing here compiles or needs the
# network, and the warm-up takes seconds. Logs: .local/contract/ (the functions' log, the
# devstack setup, schemathesis' JUnit report).
#
# Checks, on every phase (examples, coverage, fuzzing, stateful):
#   not_a_server_error, status_code_conformance, content_type_conformance,
#   response_schema_conformance, response_headers_conformance: no 5xx; every status, content
#       type, header and body (error bodies included) as docs/openapi.yaml documents it;
#   negative_data_rejection, missing_required_header: a request the document calls invalid
#       (wrong type, out of range, a required header or field missing) gets a 4xx;
#   ignored_auth: a route that needs a token refuses a request without one, or with a bad one;
#   use_after_free, ensure_resource_availability: what was deleted stays gone, what was created
#       can be read (stateful, along the document's links: partner secrets).
# Left out, on purpose:
#   positive_data_acceptance - it expects a 2xx for every request that fits the schema, but
#       API.md refuses many of those on purpose: 404 for a member, reward or voucher that does
#       not exist, 400 for a currency ISO 4217 does not know or a cursor that was never issued,
#       422 insufficient_points, 401 for a webhook schemathesis cannot sign.
#   unsupported_method, allow_header_conformance - a method a route does not have is answered by
#       the router in front of the functions (API Gateway in AWS, cargo lambda watch here), not
#       by this project's code, and neither answers 405 with `allow`.
#   object_level_authorization - needs a second set of credentials per user in a Web Fuzzing
#       Commons auth file; one member reading another's data is tested in tests/tests/api/identity.rs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
run_start=$SECONDS

long=0
serve=0
check=0
for arg in "$@"; do
  case "$arg" in
    --long) long=1 ;;
    --serve) serve=1 ;;
    --check) check=1 ;;
    -h | --help)
      sed -n '2,45p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "contract: unknown argument: $arg (usage: scripts/schemathesis.sh [--long | --serve | --check])" >&2
      exit 2
      ;;
  esac
done

log() { echo "contract: $*"; }
die() {
  echo "contract: ERROR: $*" >&2
  exit 1
}

if [[ $long == 1 ]]; then
  max_time="${SCHEMATHESIS_MAX_TIME:-1200}"
  max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-500}"
  seed="${SCHEMATHESIS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
else
  max_time="${SCHEMATHESIS_MAX_TIME:-120}"
  max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-40}"
  seed="${SCHEMATHESIS_SEED:-20261123}"
fi
[[ "$max_time" =~ ^[0-9]+$ && "$max_time" -ge 1 ]] || die "SCHEMATHESIS_MAX_TIME must be a whole number of seconds"
[[ "$max_examples" =~ ^[0-9]+$ && "$max_examples" -ge 1 ]] || die "SCHEMATHESIS_MAX_EXAMPLES must be a whole number"
[[ "$seed" =~ ^[0-9]+$ ]] || die "SCHEMATHESIS_SEED must be a whole number"

schemathesis="$root/.local/venv/bin/schemathesis"
cargo_lambda="$root/.local/venv/bin/cargo-lambda"
[[ -x "$schemathesis" && -x "$cargo_lambda" ]] || die "schemathesis or cargo-lambda missing from .local/venv (run scripts/tools.sh)"

if [[ "${LOYALTY_TEST_NETNS:-}" == 1 ]]; then
  ip link set lo up
fi

out="$root/.local/contract"
mkdir -p "$out"
watch_log="$out/functions.log"

# Nothing in here may reach the network: cargo works from what scripts/test.sh already fetched.
export CARGO_NET_OFFLINE=true
export CARGO_TERM_COLOR=never
export TABLE_NAME="contract-$$"
export LOYALTY_DEV_JWT_SECRET="${LOYALTY_DEV_JWT_SECRET:-local-dev-secret-change-me}"
export LOYALTY_SECRETS_KEY="${LOYALTY_SECRETS_KEY:-local-dev-partner-secrets-key-change-me}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
export AWS_EC2_METADATA_DISABLED=true
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
export RUST_LOG="${CONTRACT_RUST_LOG:-info}"
export PATH="$root/.local/venv/bin:$PATH"
# Hypothesis keeps nothing between runs (--generation-database none); anything else it writes
# goes under .local.
export HYPOTHESIS_STORAGE_DIRECTORY="$out/hypothesis"
# Work around two limits of cargo lambda watch (see the file): requests it cannot carry, and
# answers it now and then fails to relay.
export SCHEMATHESIS_HOOKS="$root/scripts/schemathesis_hooks.py"

started_dynamodb=0
dynamodb_pidfile="$root/.local/dynamodb-contract-$$.pid"
watch_pid=""

# Every process below $1, deepest first (cargo lambda watch -> cargo run -> the function).
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null || true); do
    descendants "$child"
    echo "$child"
  done
}

# Stops cargo lambda watch with everything it started, and DynamoDB Local if this script
# started it. Runs on every exit: success, failure, Ctrl-C, timeout.
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$? pids pid i
  if [[ -n "$watch_pid" ]]; then
    pids="$(descendants "$watch_pid") $watch_pid"
    # shellcheck disable=SC2086 # a list of pids
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      # shellcheck disable=SC2086
      kill -0 $pids 2>/dev/null || break
      sleep 0.25
    done
    for pid in $pids; do
      kill -KILL "$pid" 2>/dev/null || true
    done
    wait "$watch_pid" 2>/dev/null || true
    log "stopped cargo lambda watch and the functions"
  fi
  if [[ $started_dynamodb == 1 ]]; then
    bash "$root/scripts/dynamodb-local.sh" stop "$dynamodb_pidfile" || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z "${DYNAMODB_ENDPOINT:-}" ]]; then
  dynamodb_port="$(bash scripts/free-port.sh)"
  bash scripts/dynamodb-local.sh start "$dynamodb_port" "$dynamodb_pidfile"
  started_dynamodb=1
  export DYNAMODB_ENDPOINT="http://127.0.0.1:${dynamodb_port}"
fi
log "DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT TABLE_NAME=$TABLE_NAME"

# --- demo data and identities ------------------------------------------------------------------
devstack=(cargo run --quiet --locked --offline -p loyalty-tests --bin devstack --)
"${devstack[@]}" setup >"$out/setup.log" 2>&1 || {
  cat "$out/setup.log" >&2
  die "devstack setup failed"
}
log "demo data loaded (log: ${out#"$root"/}/setup.log)"
CONTRACT_MEMBER_TOKEN="$("${devstack[@]}" token demo-member)"
CONTRACT_TILL_TOKEN="$("${devstack[@]}" token contract-till loyalty/earn)"
CONTRACT_ADMIN_TOKEN="$("${devstack[@]}" token contract-operator loyalty/admin)"
export CONTRACT_MEMBER_TOKEN CONTRACT_TILL_TOKEN CONTRACT_ADMIN_TOKEN

# --- the local stack -------------------------------------------------------------------------
port="$(bash scripts/free-port.sh)"
base_url="http://127.0.0.1:${port}"
# --ignore-changes: edits made while the run goes on must not rebuild and restart the functions.
# setsid: its own process group, away from the terminal's Ctrl-C (cleanup stops it).
watch_features=()
if [[ -n "${CONTRACT_WATCH_FEATURES:-}" ]]; then
  watch_features=(--features "$CONTRACT_WATCH_FEATURES")
  log "serving the functions with features $CONTRACT_WATCH_FEATURES"
fi
setsid "$cargo_lambda" lambda watch --ignore-changes --locked --offline "${watch_features[@]}" \
  --invoke-address 127.0.0.1 --invoke-port "$port" </dev/null >"$watch_log" 2>&1 &
watch_pid=$!
log "cargo lambda watch on $base_url (pid $watch_pid, log ${watch_log#"$root"/})"

# Warm-up: one request per function, so that each is built (normally: found up to date) and
# started before the budget starts counting. Any answer the function itself gives will do.
# shellcheck disable=SC2016 # not expansions
warm_up=(
  "member-api GET /v1/members/me CONTRACT_MEMBER_TOKEN"
  "earn-points GET /v1/program CONTRACT_ADMIN_TOKEN"
  "redeem-reward GET /v1/rewards CONTRACT_MEMBER_TOKEN"
  "partner-offers GET /v1/partners/demo-partner CONTRACT_ADMIN_TOKEN"
)
warm_start=$SECONDS
warm_timeout="${CONTRACT_WARMUP_TIMEOUT:-600}"
deadline=$((SECONDS + warm_timeout))
for entry in "${warm_up[@]}"; do
  read -r function method path token_var <<<"$entry"
  while :; do
    kill -0 "$watch_pid" 2>/dev/null || {
      tail -n 40 "$watch_log" >&2
      die "cargo lambda watch exited"
    }
    answer="$(curl -s -o /dev/null -w '%{http_code} %{content_type}' --max-time 120 -X "$method" \
      -H "authorization: Bearer ${!token_var}" "$base_url$path" || true)"
    status="${answer%% *}"
    # The function's own answers are JSON, 2xx or 4xx; anything else (no answer yet, the
    # emulator's own text/plain 5xx while the function starts) means: try again.
    if [[ "$status" =~ ^[24] && "$answer" == *application/json* ]]; then
      log "$function ready ($method $path -> $status)"
      break
    fi
    ((SECONDS < deadline)) || {
      tail -n 40 "$watch_log" >&2
      die "$function did not answer within ${warm_timeout}s"
    }
    sleep 1
  done
done
log "warm-up took $((SECONDS - warm_start))s"
if [[ $serve == 1 ]]; then
  # For reproducing a failure by hand: the stack stays up until Ctrl-C.
  cat <<EOF
contract: serving $base_url until Ctrl-C; identities:
  export BASE_URL=$base_url
  export CONTRACT_MEMBER_TOKEN=$CONTRACT_MEMBER_TOKEN
  export CONTRACT_TILL_TOKEN=$CONTRACT_TILL_TOKEN
  export CONTRACT_ADMIN_TOKEN=$CONTRACT_ADMIN_TOKEN
EOF
  wait "$watch_pid"
  exit 0
fi
if [[ $check == 1 ]]; then
  # The correctness checker (check/, issue 18) on this stack, which nobody else writes to.
  checker="$root/target/debug/loyalty-check"
  [[ -x "$checker" ]] || die "build the checker first: cargo build --locked -p loyalty-check"
  # shellcheck disable=SC2206 # the words of CONTRACT_CHECK_ARGS, on purpose
  check_args=(${CONTRACT_CHECK_ARGS:-})
  set +e
  "$checker" --endpoint "$base_url" "${check_args[@]}"
  rc=$?
  set -e
  log "the checker exited $rc after $((SECONDS - run_start))s (functions' log: ${watch_log#"$root"/})"
  exit "$rc"
fi

# --- the generated clients' flows --------------------------------------------------------------
# Before schemathesis, on the same stack: the Python and TypeScript clients generated from the
# document (scripts/clients.sh generate, run by scripts/test.sh) drive every operation as an app,
# a till, an operator and a partner would. Skipped when they were not generated (a bare
# `make contract-long` on a checkout that never ran `make test` generates them first).
if [[ "${CONTRACT_CLIENT_FLOWS:-1}" == 1 ]]; then
  [[ -f "$root/.local/clients/typescript/out/flow.mjs" ]] || bash "$root/scripts/clients.sh" generate
  bash "$root/scripts/clients.sh" flows "$base_url" || die "a generated client's flow failed (functions' log: ${watch_log#"$root"/})"
fi

# --- the operator console in a browser -----------------------------------------------------------
# Headless Debian Chromium driven by Playwright (scripts/console.sh browser-test, bounded by
# CONSOLE_TEST_TIMEOUT, default 180 s) on the same stack, through the console's own local server:
# metrics charts, the demo member adjusted, the 401/403/API-down messages. CONTRACT_CONSOLE=0 skips it.
if [[ "${CONTRACT_CONSOLE:-1}" == 1 ]]; then
  bash "$root/scripts/console.sh" browser-test "$base_url" "$CONTRACT_ADMIN_TOKEN" "$CONTRACT_MEMBER_TOKEN" ||
    die "the console's browser test failed (screenshots: .local/console/; functions' log: ${watch_log#"$root"/})"
fi

# --- schemathesis ------------------------------------------------------------------------------
# One worker: `cargo lambda watch` runs one instance per function and, given several requests
# for the same function at once, sometimes answers one of them with its own 500 although the
# function answered it correctly (cargo-lambda 1.9.2); concurrency is tested in the integration
# tests against the handlers instead. (It also keeps clear of a CPython 3.11 race in `ast.parse`
# that hypothesis can hit from several threads.)
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
checks+=,response_headers_conformance,negative_data_rejection,missing_required_header,ignored_auth
checks+=,use_after_free,ensure_resource_availability
# Health checks on generation speed and filtering would stop an operation on a busy two-core
# machine without saying anything about the API: off.
hard_limit=$((max_time + 120))
log "schemathesis: up to ${max_time}s, at most $max_examples examples per operation, seed $seed"
st_start=$SECONDS
set +e
timeout --kill-after=15 "$hard_limit" "$schemathesis" --no-color \
  --config-file "$root/scripts/schemathesis.toml" \
  run "$root/docs/openapi.yaml" \
  --url "$base_url" \
  --checks "$checks" \
  --max-time "$max_time" \
  --max-examples "$max_examples" \
  --seed "$seed" \
  --workers 1 \
  --request-timeout 30 \
  --suppress-health-check too_slow,filter_too_much \
  --generation-database none \
  --report junit --report-junit-path "$out/junit.xml"
rc=$?
set -e
log "schemathesis ran for $((SECONDS - st_start))s (exit $rc; JUnit report ${out#"$root"/}/junit.xml)"
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
  die "schemathesis did not finish within ${hard_limit}s"
fi
if [[ $rc -ne 0 ]]; then
  echo "contract: FAILED: responses that do not conform to docs/openapi.yaml (above; functions' log: ${watch_log#"$root"/}; replay by hand: scripts/schemathesis.sh --serve)" >&2
  exit "$rc"
fi
log "OK: no 5xx, every response conforms to docs/openapi.yaml ($((SECONDS - run_start))s in all)"
