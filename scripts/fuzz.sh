#!/usr/bin/env bash
# Runs every fuzz target in the module for a fixed time each.
# Usage: scripts/fuzz.sh [FUZZTIME [PACKAGES]]
#   FUZZTIME: per target (default 10s; e.g. 30s, 1m, 500x)
#   PACKAGES: go package pattern (default ./...), e.g. ./internal/table
# Targets are discovered per package with `go test -list 'Fuzz.*'`. New
# failing inputs are saved under the package's testdata/fuzz/ by go test;
# commit them as regression cases once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-10s}"
packages="${2:-./...}"
GO="${GO:-go}"
total=0
failed=()
for pkg in $($GO list "$packages"); do
  if ! listing=$($GO test -list '^Fuzz' "$pkg" 2>&1); then
    echo "$listing" >&2
    failed+=("$pkg (does not build)")
    continue
  fi
  targets=$(grep '^Fuzz' <<<"$listing" || true)
  for target in $targets; do
    total=$((total + 1))
    echo "=== fuzz $pkg $target ($fuzztime)"
    if ! $GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
      failed+=("$pkg $target")
    fi
  done
done
echo "fuzz: ran $total targets for $fuzztime each"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
  exit 1
fi
if [ "$total" -eq 0 ]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi
