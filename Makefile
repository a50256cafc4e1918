# pprl build, test, demo and benchmarks. See README.md.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/pprl/pprl/internal/buildinfo.version=$(VERSION)
BIN     := bin/pprl
DEMO    ?= demo-out
FUZZTIME ?= 10s
# bash with pipefail, so that a failing `go test` in a pipe fails the target.
SHELL   := /bin/bash
.SHELLFLAGS := -o pipefail -c
# Tools installed with go install (the age CLI for the sealing interop
# tests) are found in GOPATH/bin.
export PATH := $(shell $(GO) env GOPATH)/bin:$(PATH)

.PHONY: build test deps slurm-deps vet unit bench-smoke interop demo bench fuzz clean

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/pprl

vet:
	$(GO) vet ./...

# deps: what the tests need beyond Go's module cache, installed on first use:
# the standard age CLI (sealed files must open with it; age >= 1.3 for hybrid
# keys) and DuckDB from npm for the interop test. PPRL_REQUIRE_TOOLS makes the
# tests that use them fail, not skip, when they are missing.
AGE_VERSION := v1.3.2
deps:
	@command -v age >/dev/null || GOFLAGS= $(GO) install filippo.io/age/cmd/age@$(AGE_VERSION)
	@test -d internal/interop/node_modules/@duckdb/node-api || \
	  (cd internal/interop && npm ci --no-audit --no-fund --loglevel=error)
	@command -v slurmctld >/dev/null || $(MAKE) --no-print-directory slurm-deps || \
	  echo "make deps: Slurm is not installed; TestSlurmArrayAndMerge will skip" >&2

# slurm-deps: Slurm and munge from the distribution's packages (Debian/Ubuntu,
# as root), for TestSlurmArrayAndMerge's single-node cluster. Best effort:
# where it cannot install, that test skips and says why.
slurm-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make deps: installing slurm-wlm and munge (apt-get)" >&2; \
	  timeout 600 apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq slurm-wlm munge >/dev/null; \
	else echo "make slurm-deps: needs root and apt-get" >&2; exit 1; fi

# The packages with assembly kernels are tested again with -tags purego,
# the portable code a machine without AVX-512 or AVX2 runs (a test that
# passed only with the kernels once hid there); about 40 s. The race
# tests of cmd/pprl took 735 s on a 2-core AMD EPYC without AVX-512 (its
# vector kernels run as Go), where all of make test took 28 minutes
# against 12 on a 2-core Xeon with it: the timeout leaves room for a
# slower machine still.
unit: deps
	PPRL_REQUIRE_TOOLS=1 $(GO) test -race -timeout 30m ./...
	$(GO) test -tags purego ./bloom/... ./linkage/...

# bench-smoke: every benchmark once (-benchtime 1x), so that make bench cannot
# break unnoticed (twice it did: a benchmark's own extract or token width
# fell behind the code). Only the packages that have benchmarks are built
# (without the race detector, a second build); about half a minute, and the
# figures mean nothing.
BENCH_PKGS = $(shell grep -rl --include='*_test.go' '^func Benchmark' . | xargs -n1 dirname | sort -u)
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x $(BENCH_PKGS) 2>&1 | { grep -Ev '^(Benchmark|ok |PASS|goos:|goarch:|pkg:|cpu:)' || true; }

# interop: a file written by pprl is read by DuckDB (a real analyst client).
# Needs Node.js and `npm ci` in internal/interop (.ci/run does both); fails
# loudly without them.
interop: build deps
	bash internal/interop/run.sh $(BIN)

test: vet unit interop bench-smoke

demo: build
	bash scripts/demo.sh $(BIN) $(DEMO)

# bench: every Go benchmark (benchmarks/ and beside the code), as one table. BENCH selects
# some (a -bench regexp), e.g. make bench BENCH=CSVRead.
BENCH ?= .
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem ./... | $(GO) run ./benchmarks/cmd/benchtable

fuzz:
	bash scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin $(DEMO)
