#!/usr/bin/env bash
# Runs every test: builds once (debug, with tests), then the Swift suites, the crash test and a short
# benchmark smoke run on the same build. Prints a closing "N passed, N failed" line for the steps.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
step() {
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); else echo "=== FAILED: $name"; failed=$((failed + 1)); fi
}

echo "=== build"
swift build --build-tests || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
BIN=$(swift build --show-bin-path)/lookout

step "swift test" swift test --skip-build
step "crash test (kill -9)" python3 scripts/e2e/crash_test.py --binary "$BIN"
if command -v wrk >/dev/null && command -v nginx >/dev/null; then
  step "ingest benchmark (smoke, debug build)" python3 scripts/bench/ingest_bench.py --binary "$BIN" --duration 2
else
  echo "=== skipped: ingest benchmark smoke (wrk and nginx not installed)"
fi

echo "test steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
