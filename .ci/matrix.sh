#!/usr/bin/env bash
# The runtime x SDK line matrix, after `npm test` (the unit suite on Node 20, SDK 2):
#   - the unit suite on Node 24 (and Node 22);
#   - consumers installed from the `npm pack` tarball into fresh folders, each with exactly one
#     install line of README.md (no other package), npm's output checked for warnings;
#   - in them, the set-up and register tests (wire, faults, export path, examples, a channel-only
#     host) on SDK 2 with Node 20, SDK 3 with Node 24 and Node 22, and the register (--preload),
#     wire and channel-only host tests on Bun with both lines.
# Runtimes come from npm through tools/runtime.sh. Prints the time of each step and of the whole.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
started=$SECONDS
step() { printf '\n=== matrix: %s (%ss so far)\n' "$1" "$((SECONDS - started))"; }

node24=$(tools/runtime.sh node24)
node22=$(tools/runtime.sh node22)
bun=$(tools/runtime.sh bun)
node20=$(command -v node)

work=$(mktemp -d "${TMPDIR:-/tmp}/osl-matrix.XXXXXX")
trap 'rm -rf "$work"' EXIT

step "npm pack (builds in prepack)"
tarball="$work/$(npm pack --pack-destination "$work" | tail -1)"
[[ -f $tarball ]]

# install DIR NODE LINE [ALLOWED]: runs install line LINE of README.md in DIR, with
# `otel-session-lifecycle` replaced by the tarball, npm run on NODE (so engines are checked against
# it). Any npm warning fails, except lines matching ALLOWED that do not name this package.
install() {
  local dir=$1 node_bin=$2 name=$3 allowed=${4:-} line args warnings log
  line=$(node tools/install-line.mjs "$name")
  read -ra args <<<"$line"
  [[ ${args[0]} == npm && ${args[1]} == install ]]
  for i in "${!args[@]}"; do [[ ${args[$i]} == otel-session-lifecycle ]] && args[i]=$tarball; done
  log="$dir/npm-install-$name.log"
  (cd "$dir" && PATH="$(dirname "$node_bin"):$PATH" "${args[@]}" >"$log" 2>&1) || {
    cat "$log"
    return 1
  }
  warnings=$(grep -i 'npm warn' "$log" || true)
  if [[ -n $allowed ]]; then warnings=$(grep -Ev "$allowed" <<<"$warnings" || true); fi
  if [[ -n ${warnings//[[:space:]]/} ]] || grep -i 'npm warn' "$log" | grep -q otel-session-lifecycle; then
    echo "npm warned while installing $name:" && cat "$log"
    return 1
  fi
  echo "$name (node $("$node_bin" --version)): $(grep -E '^(added|changed|up to date)' "$log")"
}

# consumer NAME NODE ALLOWED LINE...: a fresh folder with these install lines, in order.
consumer() {
  local dir="$work/$1" node_bin=$2 allowed=$3
  shift 3
  mkdir -p "$dir"
  printf '{"name":"consumer","private":true,"type":"module"}\n' >"$dir/package.json"
  for name in "$@"; do install "$dir" "$node_bin" "$name" "$allowed"; done
}

# cell CONSUMER RUNTIME EXAMPLE TEST-FILES...: the tests, with hosts run by RUNTIME in CONSUMER.
cell() {
  local dir="$work/$1" runtime=$2 example=$3
  shift 3
  OSL_CONSUMER=$dir OSL_RUNTIME=$runtime OSL_EXAMPLE=$example node node_modules/vitest/vitest.mjs run "$@"
}

step "consumers from the tarball"
# The set-up line, then the exporters the guide adds for http/json and OTLP metrics (the wire and
# faults tests use both protocols and OTEL_METRICS_EXPORTER=otlp).
consumer sdk2-setup "$node20" '' sdk2-setup sdk2-json
consumer sdk3-setup "$node24" '' sdk3-setup sdk3-json
# NodeSDK brings the gRPC exporters, whose protobufjs has a postinstall script that npm 11 asks
# to approve; that notice is about NodeSDK's dependencies, not this package.
consumer sdk2-node-sdk "$node20" '^npm warn install-scripts' sdk2-node-sdk
consumer sdk3-node-sdk "$node24" '^npm warn install-scripts' sdk3-node-sdk

setup_tests=(test/wire.test.ts test/faults.test.ts test/export-path.test.ts test/examples.test.ts)
# A channel-only host (no import of the package; --import/--preload register hears its channels).
channel_test=test/channel-runtime.test.ts

step "Node 20 x SDK 2: /setup, /register, examples"
cell sdk2-setup "$node20" setup "${setup_tests[@]}" "$channel_test"
cell sdk2-node-sdk "$node20" node-sdk test/examples.test.ts

step "Node 24 x SDK 3: /setup, /register, examples"
cell sdk3-setup "$node24" setup "${setup_tests[@]}" "$channel_test"
cell sdk3-node-sdk "$node24" node-sdk test/examples.test.ts

step "Node 22 x SDK 3: /setup, /register"
cell sdk3-setup "$node22" setup test/wire.test.ts test/export-path.test.ts test/examples.test.ts "$channel_test"

step "Bun x SDK 2 and SDK 3: --preload register, wire, /setup"
cell sdk2-setup "$bun" setup test/wire.test.ts test/export-path.test.ts test/examples.test.ts "$channel_test"
cell sdk3-setup "$bun" setup test/wire.test.ts test/export-path.test.ts test/examples.test.ts "$channel_test"

step "Node 24: the unit suite (SDK 2 of the checkout)"
PATH="$(dirname "$node24"):$PATH" "$node24" node_modules/vitest/vitest.mjs run

step "Node 22: the unit suite"
PATH="$(dirname "$node22"):$PATH" "$node22" node_modules/vitest/vitest.mjs run

step "done"
echo "matrix: every cell passed in $((SECONDS - started)) s"
