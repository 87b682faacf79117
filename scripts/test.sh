#!/usr/bin/env bash
# The whole check, as run by `make test` and CI:
#   1. install / check tools (scripts/tools.sh)
#   2. cargo fmt --check, ruff (the Python in tests/clients and scripts), cargo clippy -D warnings
#   3. build every test binary (this is the only step that may fetch crates)
#   4. run the tests against a fresh DynamoDB Local, inside a private network namespace
#      (DynamoDB Local cannot bind to loopback only; in its own namespace, loopback is all there is),
#      then the contract run there too: schemathesis against the local stack for about two
#      minutes (scripts/schemathesis.sh; `make contract-long` for a long one)
#      (scripts/clients.sh generates the Python and TypeScript clients before it, and their
#      flows run against the same stack before schemathesis, then the operator console's
#      browser test: scripts/console.sh builds it here and tests it there), then the correctness
#      checker: 90 s of mixed concurrent traffic with a fixed seed, and its proof that it catches
#      the deliberately broken build (scripts/soak.sh --broken-proof)
#   5. sam validate --lint on infra/template.yaml
#
# Usage: scripts/test.sh [extra cargo test arguments, e.g. a test name filter]
# Environment: RUST_TEST_THREADS (default 4), LOYALTY_TEST_NO_NETNS=1 to use the host network,
#   LOYALTY_CONTRACT=0/1 to skip / force the contract run (default: run it unless cargo test
#   arguments were given), SCHEMATHESIS_MAX_TIME and friends (see scripts/schemathesis.sh).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

step() { printf '\n==> %s\n' "$*"; }
trap 'echo "make test: interrupted"; exit 130' INT
trap 'echo "make test: terminated"; exit 143' TERM

step "tools"
bash scripts/tools.sh

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "ruff check, ruff format --check (tests/clients, scripts)"
.local/venv/bin/ruff check tests/clients scripts
.local/venv/bin/ruff format --check tests/clients scripts

step "cargo clippy --workspace --all-targets --locked -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test --workspace --no-run --locked"
cargo test --workspace --no-run --locked

# The contract run (scripts/schemathesis.sh, in the test phase) serves the functions with
# `cargo lambda watch`, which runs `cargo run --bin <function>` for each: build each one the same
# way now, so that in the network namespace cargo only finds them up to date.
step "cargo build --locked --bin <each function>, --bin devstack, loyalty-check (for the contract run and the checker)"
for bin in member-api earn-points redeem-reward partner-offers; do
  cargo build --locked --bin "$bin"
done
cargo build --locked -p loyalty-tests --bin devstack
cargo build --locked -p loyalty-check

step "the clients generated from docs/openapi.yaml (Python, TypeScript; their flows run in the contract run)"
bash scripts/clients.sh generate

step "the operator console (console/dist; its browser test runs in the contract run)"
bash scripts/console.sh build

# --- test phase -------------------------------------------------------------------------------
mkdir -p .local
test_log="$root/.local/test-output.log"
phase=(bash "$root/scripts/test-phase.sh" "$@")
if [[ "${LOYALTY_TEST_NO_NETNS:-}" == 1 ]]; then
  echo "test: WARNING: LOYALTY_TEST_NO_NETNS=1, DynamoDB Local will listen on the host network (all interfaces)"
elif unshare --net true 2>/dev/null && command -v ip >/dev/null; then
  phase=(unshare --net env LOYALTY_TEST_NETNS=1 "${phase[@]}")
else
  echo "test: WARNING: cannot create a network namespace (unshare --net not permitted or 'ip' missing);"
  echo "test: WARNING: DynamoDB Local will listen on the host network (all interfaces) for this run"
fi

step "cargo test --workspace --locked --offline (DynamoDB Local), then the contract run (schemathesis)"
set +e
"${phase[@]}" 2>&1 | tee "$test_log"
test_rc=${PIPESTATUS[0]}
set -e

step "sam validate --lint --template infra/template.yaml"
set +e
SAM_CLI_TELEMETRY=0 .local/venv/bin/sam validate --lint --region us-east-1 --template infra/template.yaml
validate_rc=$?
set -e

# One plain summary line over every test binary ("test result: ok. 12 passed; 0 failed; 1 ignored; ...").
awk '/^test result:/ {
       for (i = 1; i <= NF; i++) {
         if ($(i) ~ /^passed;?$/) p += $(i-1)
         if ($(i) ~ /^failed;?$/) f += $(i-1)
         if ($(i) ~ /^ignored;?$/) s += $(i-1)
       }
     }
     END { printf "\ntests: %d passed, %d failed, %d skipped\n", p, f, s }' "$test_log"

if [[ $test_rc -ne 0 ]]; then
  echo "make test: FAILED (cargo test or the contract run failed, exit $test_rc; output in .local/test-output.log)"
  exit "$test_rc"
fi
if [[ $validate_rc -ne 0 ]]; then
  echo "make test: FAILED (sam validate --lint exited $validate_rc)"
  exit "$validate_rc"
fi
if grep -q '^contract: OK' "$test_log"; then
  echo "make test: OK (fmt, clippy, tests, contract run, correctness checker and its proof, sam validate)"
else
  echo "make test: OK (fmt, clippy, tests, sam validate; contract run skipped)"
fi
