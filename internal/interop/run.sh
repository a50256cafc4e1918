#!/usr/bin/env bash
# Interop check: a token file written by pprl is read by DuckDB, a real
# analyst's client (@duckdb/node-api from npm). Fails loudly when DuckDB is
# not installed: run `npm ci` in internal/interop first (.ci/run does).
# 1. tokenfile's writer output, against exact expectations (types, widths,
#    NULLs, bytes, manifest);
# 2. what the pprl binary itself writes on a small synthetic run: unsealed
#    token files (tokenize) and links/entities (match);
# 3. an extract written as Parquet by DuckDB tokenizes to exactly the same
#    token file as the CSV it came from (pprl's Parquet input reader).
# Usage: run.sh PPRL_BINARY
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
bin="${1:?usage: run.sh PPRL_BINARY}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go run ./internal/interop/writetokens -o "$tmp/social_work.tokens.parquet" -expect "$tmp/expect.json" -n 5000)
node "$here/check.mjs" "$tmp/social_work.tokens.parquet" "$tmp/expect.json"

# 2. A real run of the CLI on synthetic extracts.
(
  cd "$tmp"
  "$bin" -q synth --people 400 -o ex
  "$bin" -q keygen secret -o project.key
  "$bin" -q schema init -o linkage.json
  for a in health education; do
    "$bin" -q tokenize --schema linkage.json --mapping "ex/mapping/$a.json" --secret project.key \
      --dataset "$a" --no-seal "ex/$a.csv" -o "$a.tokens.parquet"
  done
  "$bin" -q match health.tokens.parquet education.tokens.parquet -o out
)
node "$here/check-cli.mjs" match "$tmp/out" "$tmp/health.tokens.parquet" "$tmp/education.tokens.parquet"

# 3. The same extract as DuckDB-written Parquet gives a byte-identical token file.
node "$here/check-cli.mjs" csv2parquet "$tmp/ex/health.csv" "$tmp/health.parquet"
(
  cd "$tmp"
  export SOURCE_DATE_EPOCH=1700000000
  "$bin" -q tokenize --schema linkage.json --mapping ex/mapping/health.json --secret project.key \
    --dataset health --no-seal ex/health.csv -o from-csv.tokens.parquet
  "$bin" -q tokenize --schema linkage.json --mapping ex/mapping/health.json --secret project.key \
    --dataset health --no-seal health.parquet -o from-parquet.tokens.parquet
  if ! cmp -s from-csv.tokens.parquet from-parquet.tokens.parquet; then
    echo "interop: the DuckDB Parquet extract gave a different token file from its CSV" >&2
    exit 1
  fi
)
echo "interop: a DuckDB-written Parquet extract tokenizes to the same bytes as its CSV"
