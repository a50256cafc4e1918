#!/usr/bin/env bash
# Interop check: a token file written by pprl is read by DuckDB, a real
# analyst's client (@duckdb/node-api from npm). Fails loudly when DuckDB is
# not installed: run `npm ci` in internal/interop first (.ci/run does).
# Usage: run.sh [PPRL_BINARY]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! command -v node >/dev/null; then
  echo "interop: node is not installed; install Node.js 18+ and run 'npm ci' in internal/interop" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/@duckdb/node-api" ]; then
  echo "interop: DuckDB (@duckdb/node-api) is not installed; run: (cd internal/interop && npm ci)" >&2
  exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go run ./internal/interop/writetokens -o "$tmp/social_work.tokens.parquet" -expect "$tmp/expect.json" -n 5000)
node "$here/check.mjs" "$tmp/social_work.tokens.parquet" "$tmp/expect.json"
