#!/usr/bin/env bash
# `make contract-long`: the contract run of `make test` (scripts/schemathesis.sh), for longer:
# 20 minutes of generated requests by default, up to 500 per operation and phase, a new random
# seed each time (printed, so a failure can be replayed with SCHEMATHESIS_SEED=<seed>).
#
# Like scripts/test.sh, it installs the tools, builds the functions (the only step that may use
# the network), then runs the stack and schemathesis inside a private network namespace with a
# DynamoDB Local of its own, which it stops again at the end.
#
# Usage: scripts/schemathesis-long.sh
# Environment: SCHEMATHESIS_MAX_TIME (seconds, default 1200), SCHEMATHESIS_MAX_EXAMPLES (default
#   500), SCHEMATHESIS_SEED, LOYALTY_TEST_NO_NETNS=1 to use the host network.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }
trap 'echo "contract-long: interrupted"; exit 130' INT
trap 'echo "contract-long: terminated"; exit 143' TERM

step "tools"
bash scripts/tools.sh

step "cargo build --locked --bin <each function>, --bin devstack"
for bin in member-api earn-points redeem-reward partner-offers; do
  cargo build --locked --bin "$bin"
done
cargo build --locked -p loyalty-tests --bin devstack

run=(bash scripts/schemathesis.sh --long)
if [[ "${LOYALTY_TEST_NO_NETNS:-}" == 1 ]]; then
  echo "contract-long: WARNING: LOYALTY_TEST_NO_NETNS=1, DynamoDB Local will listen on the host network (all interfaces)"
elif unshare --net true 2>/dev/null && command -v ip >/dev/null; then
  run=(unshare --net env LOYALTY_TEST_NETNS=1 "${run[@]}")
else
  echo "contract-long: WARNING: cannot create a network namespace (unshare --net not permitted or 'ip' missing);"
  echo "contract-long: WARNING: DynamoDB Local will listen on the host network (all interfaces) for this run"
fi

step "schemathesis against the local stack (long run)"
"${run[@]}"
