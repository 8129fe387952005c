#!/usr/bin/env bash
# Runs every test of eddy from a fresh clone. It installs what the tests need (Go modules,
# fetched by the go command; Debian's kcat, the Kafka client the Kafka tests check eddy
# against) and prints go test's summary per package.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
go version
if ! command -v kcat >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -q kcat >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q kcat >/dev/null; } || echo "note: kcat not installed; tests that need it will say so"
fi
go vet ./...
go test -count=1 ./...
