#!/usr/bin/env bash
# Runs every test of eddy from a fresh clone. It installs what the tests need (Go modules,
# fetched by the go command; Debian's kcat, the Kafka client the Kafka tests check eddy
# against; kinesalite from npm, the Kinesis peer) and prints go test's summary per package.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
go version
if ! command -v kcat >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -q kcat >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q kcat >/dev/null; } || echo "note: kcat not installed; tests that need it will say so"
fi
# kinesalite (npm), the Kinesis peer of the Kinesis tests; they skip, saying so, only without node.
KINESALITE_DIR="${EDDY_KINESALITE_DIR:-$HOME/.cache/eddy-kinesalite}"
if ! command -v node >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -q nodejs npm >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q nodejs npm >/dev/null; } || echo "note: node not installed; the Kinesis tests will say so"
fi
if command -v node >/dev/null 2>&1 && [ ! -f "$KINESALITE_DIR/node_modules/kinesalite/package.json" ]; then
  npm install --no-audit --no-fund --prefix "$KINESALITE_DIR" kinesalite@3.3.3 >/dev/null 2>&1 || echo "note: npm could not install kinesalite; the Kinesis tests will try again"
fi
go vet ./...
go test -count=1 ./...
