#!/usr/bin/env bash
# The operator console (console/): build it, serve it locally, test it in a real browser.
#   build                     console/src + uPlot's dist files (console/node_modules, installed by
#                             scripts/tools.sh) -> console/dist, plus a local config.json
#                             (dev sign-in). Run by `make dev` and `make test`. Offline, ~0 s.
#   serve PORT API_URL        scripts/console_serve.py on 127.0.0.1:PORT, /v1/* proxied to API_URL.
#   browser-test API_URL ADMIN_TOKEN MEMBER_TOKEN
#                             scripts/console_browser_test.py: headless Debian Chromium driven by
#                             Playwright against the stack at API_URL (run by scripts/schemathesis.sh
#                             inside `make test`); screenshots in .local/console/. Bounded by
#                             CONSOLE_TEST_TIMEOUT seconds (default 180).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

log() { echo "console: $*"; }
die() {
  echo "console: ERROR: $*" >&2
  exit 1
}

build() {
  local dist="$root/console/dist" vendor="$root/console/node_modules/uplot/dist"
  [[ -f "$vendor/uPlot.iife.min.js" ]] || die "uPlot missing from console/node_modules (run scripts/tools.sh)"
  rm -rf "$dist.tmp"
  mkdir -p "$dist.tmp/vendor"
  cp "$root"/console/src/* "$dist.tmp/"
  cp "$vendor/uPlot.iife.min.js" "$vendor/uPlot.min.css" "$dist.tmp/vendor/"
  cp "$root/console/node_modules/uplot/LICENSE" "$dist.tmp/vendor/uPlot.LICENSE" 2>/dev/null || true
  # Local sign-in: the dev token from the link `make dev` prints. (In AWS, scripts/console_deploy.py
  # uploads a config.json naming the Cognito hosted UI instead.)
  echo '{"auth": "dev"}' >"$dist.tmp/config.json"
  rm -rf "$dist"
  mv "$dist.tmp" "$dist"
  log "built console/dist"
}

case "${1:-}" in
  build) build ;;
  serve)
    [[ $# -eq 3 ]] || die "usage: scripts/console.sh serve PORT API_URL"
    [[ -f "$root/console/dist/index.html" ]] || build
    exec "$root/.local/venv/bin/python" "$root/scripts/console_serve.py" --port "$2" --api "$3"
    ;;
  browser-test)
    [[ $# -eq 4 ]] || die "usage: scripts/console.sh browser-test API_URL ADMIN_TOKEN MEMBER_TOKEN"
    build
    start=$SECONDS
    set +e
    CONSOLE_API_URL="$2" CONSOLE_ADMIN_TOKEN="$3" CONSOLE_MEMBER_TOKEN="$4" \
      timeout --kill-after=10 "${CONSOLE_TEST_TIMEOUT:-180}" \
      "$root/.local/venv/bin/python" "$root/scripts/console_browser_test.py"
    rc=$?
    set -e
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
      die "the browser test did not finish within ${CONSOLE_TEST_TIMEOUT:-180}s"
    fi
    [[ $rc -eq 0 ]] || die "the browser test failed (exit $rc; screenshots in .local/console/)"
    log "browser test OK in $((SECONDS - start))s (screenshots in .local/console/)"
    ;;
  *)
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
