#!/usr/bin/env bash
# `make daily-run [AT=<RFC 3339 time>]`: runs evaluate-tier's daily run against the dev stack's
# DynamoDB Local (started by `make dev`), now or as if at AT, and prints what it did: lots
# expired, expiry warnings, tier reviews. AT lets a developer travel to expiry and review dates.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TABLE_NAME="${TABLE_NAME:-loyalty}"
export DYNAMODB_ENDPOINT="${DYNAMODB_ENDPOINT:-http://127.0.0.1:${DYNAMODB_PORT:-8000}}"
export LOYALTY_DEV_JWT_SECRET="${LOYALTY_DEV_JWT_SECRET:-local-dev-secret-change-me}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_EC2_METADATA_DISABLED=true
exec cargo run --quiet -p loyalty-tests --bin devstack -- daily ${AT:+"$AT"}
