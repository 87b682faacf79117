#!/usr/bin/env bash
# The clients apps and partners generate from docs/openapi.yaml, generated and driven here the
# way they would be:
#   generate   Python (openapi-python-client, pinned in requirements-dev.txt) into
#              .local/clients/python/loyalty_client, TypeScript types (openapi-typescript, pinned
#              in package.json) into .local/clients/typescript/schema.d.ts, the TypeScript flow
#              compiled against them (tsc, strict). Fails on any generator warning (an operation
#              or a schema a generator skips), on a type error, and unless every operation in the
#              document has a generated function (tests/clients/complete.py).
#   flows URL  against the stack at URL (run by scripts/schemathesis.sh inside `make test`):
#              tests/clients/flow.py and flow.mts, each as a new member, a till and an operator
#              (dev tokens from `devstack token`), and each must call every operation.
# Needs scripts/tools.sh first; compiles nothing in Rust except, for `flows`, the devstack binary
# (`cargo build --bin devstack`, as scripts/test.sh does beforehand). Works offline.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
out="$root/.local/clients"
python="$root/.local/venv/bin/python"
bin="$root/node_modules/.bin"

log() { echo "clients: $*"; }
die() {
  echo "clients: ERROR: $*" >&2
  exit 1
}
[[ -x "$python" && -x "$bin/openapi-typescript" && -x "$bin/tsc" ]] ||
  die "the generators are missing from .local/venv or node_modules (run scripts/tools.sh)"

generate() {
  local start=$SECONDS
  rm -rf "$out"
  mkdir -p "$out/python" "$out/typescript"
  "$python" -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"))' \
    docs/openapi.yaml "$out/openapi.json"

  # openapi-python-client skips what it cannot model with a warning, and reports even its own
  # errors with exit status 0: any warning or error fails here, so that a skipped operation or
  # schema is seen the day it appears.
  PATH="$root/.local/venv/bin:$PATH" "$root/.local/venv/bin/openapi-python-client" generate \
    --path docs/openapi.yaml --output-path "$out/python/loyalty_client" --meta none \
    >"$out/python.log" 2>&1 || {
    cat "$out/python.log" >&2
    die "openapi-python-client failed"
  }
  if grep -qiE 'warning|error|fail|will not be generated|unable to' "$out/python.log" ||
    [[ ! -f "$out/python/loyalty_client/client.py" ]]; then
    cat "$out/python.log" >&2
    die "openapi-python-client skipped part of the document (above)"
  fi

  # --default-non-nullable false: a property with a default stays optional in a request (the
  # server fills the default in), as the document means.
  "$bin/openapi-typescript" docs/openapi.yaml --default-non-nullable false \
    -o "$out/typescript/schema.d.ts" >"$out/typescript.log" 2>&1 || {
    cat "$out/typescript.log" >&2
    die "openapi-typescript failed"
  }
  "$bin/tsc" -p tests/clients/tsconfig.json || die "the TypeScript flow does not type-check against the generated client"

  "$python" tests/clients/complete.py generated "$out/openapi.json" \
    "$out/python/loyalty_client" "$out/typescript/schema.d.ts"
  log "generated the Python and TypeScript clients ($((SECONDS - start))s; ${out#"$root"/})"
}

flows() {
  local base_url="$1" start=$SECONDS devstack flow member called
  [[ -f "$out/typescript/out/flow.mjs" ]] || die "no generated clients: run scripts/clients.sh generate first"
  devstack=(cargo run --quiet --locked --offline -p loyalty-tests --bin devstack --)
  export BASE_URL="$base_url" OPENAPI_JSON="$out/openapi.json"
  TILL_TOKEN="$("${devstack[@]}" token client-flow-till loyalty/earn)"
  ADMIN_TOKEN="$("${devstack[@]}" token client-flow-operator loyalty/admin)"
  export TILL_TOKEN ADMIN_TOKEN
  for flow in python typescript; do
    # A member nobody has enrolled yet, so the flow starts at enrolment.
    member="client-flow-$flow-$$-$RANDOM"
    called="$out/$flow.called"
    rm -f "$called"
    log "$flow flow as member $member"
    case "$flow" in
      python)
        MEMBER_ID="$member" MEMBER_TOKEN="$("${devstack[@]}" token "$member")" CLIENT_FLOW_CALLED="$called" \
          PYTHONPATH="$out/python" "$python" tests/clients/flow.py || die "the Python client's flow failed"
        ;;
      typescript)
        MEMBER_ID="$member" MEMBER_TOKEN="$("${devstack[@]}" token "$member")" CLIENT_FLOW_CALLED="$called" \
          node "$out/typescript/out/flow.mjs" || die "the TypeScript client's flow failed"
        ;;
    esac
    "$python" tests/clients/complete.py called "$out/openapi.json" "$called" ||
      die "the $flow flow left operations out"
  done
  log "OK: both clients' flows passed, each calling every operation ($((SECONDS - start))s)"
}

case "${1:-}" in
  generate) generate ;;
  flows)
    [[ -n "${2:-}" ]] || die "usage: scripts/clients.sh flows <base URL>"
    flows "$2"
    ;;
  *) die "usage: scripts/clients.sh generate | flows <base URL>" ;;
esac
