#!/usr/bin/env bash
# Signs a webhook the way POST /v1/partners/{partnerId}/webhooks checks it (Standard Webhooks)
# and sends it, with nothing but bash, openssl and curl (plus od/tr/date from coreutils).
#
# Usage:
#   scripts/sign-webhook.sh <whsec_secret> <url> <json-body-file>
#       sends the file's exact bytes with fresh webhook-id / webhook-timestamp headers
#   scripts/sign-webhook.sh --print-signature <id> <timestamp> <whsec_secret> <json-body-file>
#       prints only the webhook-signature value for the given id and timestamp (for checks)
#
# Signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>, key = base64-decoded part
# after whsec_. The secret is never printed, but like every argument it is visible to other local
# users in the process list while the script runs: use it on a machine you trust.
set -euo pipefail

usage() {
  sed -n '5,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "sign-webhook: $*" >&2
  exit 1
}

# Prints the header value v1,<base64> for secret ($1), id ($2), timestamp ($3), body file ($4).
signature() {
  local secret="$1" id="$2" timestamp="$3" file="$4" encoded hexkey
  [[ "$secret" == whsec_* ]] || die "the secret must start with whsec_"
  encoded="${secret#whsec_}"
  # openssl's decoder skips characters it does not know, so check the alphabet first.
  [[ "$encoded" =~ ^[A-Za-z0-9+/]+={0,2}$ && $(( ${#encoded} % 4 )) -eq 0 ]] \
    || die "the part after whsec_ must be standard base64"
  # The key is binary (may hold NUL bytes), so hand it to openssl as hex; -v stops od from
  # collapsing repeated lines into '*'.
  hexkey="$(printf '%s' "$encoded" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')"
  (( ${#hexkey} >= 48 )) || die "the secret must hold at least 24 key bytes"
  [[ "$id" =~ ^[!-~]{1,256}$ ]] || die "the id must be 1 to 256 printable ASCII characters, no spaces"
  [[ "$timestamp" =~ ^[0-9]+$ ]] || die "the timestamp must be unix seconds"
  [[ -f "$file" && -r "$file" ]] || die "cannot read body file: $file"

  printf 'v1,'
  { printf '%s.%s.' "$id" "$timestamp"; cat -- "$file"; } \
    | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary \
    | openssl base64 -A
  printf '\n'
}

if [[ "${1:-}" == "--print-signature" ]]; then
  (( $# == 5 )) || usage
  signature "$4" "$2" "$3" "$5"
  exit 0
fi

(( $# == 3 )) || usage
secret="$1"
url="$2"
file="$3"

id="msg_$(openssl rand -hex 16)"
timestamp="${EPOCHSECONDS:-$(date +%s)}"
sig="$(signature "$secret" "$id" "$timestamp" "$file")"

{
  echo "POST $url"
  echo "webhook-id: $id"
  echo "webhook-timestamp: $timestamp"
  echo "webhook-signature: $sig"
  echo "content-type: application/json"
  echo
} >&2

curl --silent --show-error -X POST "$url" \
  -H "webhook-id: $id" \
  -H "webhook-timestamp: $timestamp" \
  -H "webhook-signature: $sig" \
  -H "content-type: application/json" \
  --data-binary "@$file" \
  --write-out '\nHTTP %{http_code}\n'
