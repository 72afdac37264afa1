#!/usr/bin/env bash
# Builds the OpenTelemetry Collector and Jaeger that `npm run test:backends` runs, from the Go
# module proxy (test/backends/build.sh; binaries cached in test/backends/bin/, modules and build
# results in Go's own caches). Needs Go 1.26, which the project's machines have.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null; then
  echo "backends: Go is not installed; test:backends needs it to build the Collector and Jaeger" >&2
  exit 1
fi
go version
start=$SECONDS
bash test/backends/build.sh
echo "backends: ready in $((SECONDS - start)) s"
