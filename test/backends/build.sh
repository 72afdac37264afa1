#!/usr/bin/env bash
# Builds the two backends the end-to-end tests run, from the Go module proxy, into
# test/backends/bin/ (git-ignored):
#   otelcol  an OpenTelemetry Collector with the components otel-collector.yaml and
#            examples/scale-out/loadbalancer.yaml use (and the debug and otlp_http exporters, for
#            trying things out), every collector module at one release (collector/go.mod)
#   jaeger   Jaeger v2, github.com/jaegertracing/jaeger/cmd/jaeger at the release jaeger/go.mod pins
# go.sum pins every module; -mod=readonly refuses to change them. A binary is rebuilt only when
# its go.mod, go.sum, Go sources, this script or the Go version change (a stamp beside it); Go's
# module and build caches make a rebuild after such a change cheaper still.
set -euo pipefail
cd "$(dirname "$0")"
export GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
mkdir -p bin

build() {
  local name=$1 dir=$2 package=$3 stamp
  local inputs=(build.sh "$dir"/go.mod "$dir"/go.sum)
  for source in "$dir"/*.go; do
    if [[ -e $source ]]; then inputs+=("$source"); fi
  done
  stamp=$( (go version; cat "${inputs[@]}") | sha256sum | cut -c1-64)
  if [[ -x bin/$name && -f bin/.$name.stamp && $(cat "bin/.$name.stamp") == "$stamp" ]]; then
    echo "$name: up to date"
    return
  fi
  local start=$SECONDS
  (cd "$dir" && go build -trimpath -o "../bin/$name" "$package")
  echo "$stamp" >"bin/.$name.stamp"
  echo "$name: built in $((SECONDS - start)) s"
}

build otelcol collector .
build jaeger jaeger github.com/jaegertracing/jaeger/cmd/jaeger
