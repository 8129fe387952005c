#!/usr/bin/env bash
# Runs every test of eddy from a fresh clone. It installs what the tests need (today:
# only Go modules, fetched by the go command) and prints go test's summary per package.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
go version
go vet ./...
go test -count=1 ./...
