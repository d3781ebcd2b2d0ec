#!/usr/bin/env bash
# Runs every test: installs missing test components, builds once (debug, with tests), starts OpenBao,
# then runs the Swift suites (SQLite, nginx mTLS, OpenBao), the crash test and a short benchmark smoke
# run on the same build, and stops what it started. Ends with an "N passed, N failed" line for the steps.
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-deps.sh || echo "warning: installing test components failed; tests that need them will fail"
export PATH="$PATH:/usr/sbin"
export LOOKOUT_REQUIRE_COMPONENTS=1

passed=0
failed=0
step() {
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); else echo "=== FAILED: $name"; failed=$((failed + 1)); fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

source scripts/lib/postgres.sh
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; pg_stop; }
trap cleanup EXIT

echo "=== build"
swift build --build-tests || { echo "build failed"; echo "test steps: 0 passed, 1 failed"; exit 1; }
BIN=$(swift build --show-bin-path)/lookout

# OpenBao dev server (in memory) for the Vault backend tests.
BAO=$(command -v bao || echo .venv/bin/bao)
if [ -x "$BAO" ]; then
  bao_port=$(free_port)
  bao_log=$(mktemp)
  "$BAO" server -dev -dev-root-token-id=lookout-test-root -dev-listen-address="127.0.0.1:$bao_port" >"$bao_log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$bao_port/v1/sys/health" >/dev/null && break; sleep 0.1; done
  export LOOKOUT_TEST_VAULT_ADDR="http://127.0.0.1:$bao_port" LOOKOUT_TEST_VAULT_TOKEN=lookout-test-root
fi

# PostgreSQL with SCRAM password auth and TLS, for the second run of the store suites and scale-out.
if ! pg_start; then echo "=== FAILED: PostgreSQL could not be started"; failed=$((failed + 1)); fi

step "openapi.yaml is valid OpenAPI 3" .venv/bin/openapi-spec-validator openapi.yaml
step "swift test (SQLite)" swift test --skip-build
if [ -n "${PG_URL:-}" ]; then
  step "swift test: server and store suites on PostgreSQL (TLS, SCRAM)" \
    env LOOKOUT_TEST_DATABASE_URL="$PG_URL" swift test --skip-build --filter LookoutServerTests
  psql "$PG_URL" -qc "CREATE DATABASE scaleout" >/dev/null
  step "scale-out: 2 API + 2 workers on PostgreSQL, one worker killed" \
    python3 scripts/e2e/scaleout_test.py --binary "$BIN" --database-url "${PG_URL/\/postgres?/\/scaleout?}"
fi
step "crash test (kill -9)" python3 scripts/e2e/crash_test.py --binary "$BIN"
step "MCP: the official Python client drives 'lookout mcp'" .venv/bin/python scripts/e2e/mcp_client_test.py --binary "$BIN"
step "lookout demo fills a fresh Lookout" scripts/e2e/demo_test.sh "$BIN"
if command -v wrk >/dev/null && command -v nginx >/dev/null; then
  step "ingest benchmark (smoke, debug build, SQLite)" python3 scripts/bench/ingest_bench.py --binary "$BIN" --duration 2
  if [ -n "${PG_URL:-}" ]; then
    psql "$PG_URL" -qc "CREATE DATABASE bench" >/dev/null
    step "ingest benchmark (smoke, debug build, PostgreSQL)" \
      python3 scripts/bench/ingest_bench.py --binary "$BIN" --duration 2 --database-url "${PG_URL/\/postgres?/\/bench?}"
  fi
else
  echo "=== FAILED: ingest benchmark smoke needs wrk and nginx"; failed=$((failed + 1))
fi

echo "test steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
