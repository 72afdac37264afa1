#!/usr/bin/env bash
# What `npm test` needs beyond node_modules, provisioned before it runs (npm's `pretest`, and
# .ci/run through `npm test`, so CI and the README run the same steps):
#   prometheus, promtool  a real Prometheus and its rule checker (test/prometheus.test.ts,
#                         test/collector.test.ts, test/backends/)
#   chromium + a font     the HTML view's browser tests (test/view-html.test.ts), through
#                         playwright-core, which never downloads a browser itself
# Present already: nothing is done. Missing, on Debian as root: installed from Debian's packages
# (`prometheus`, `chromium`, `fonts-dejavu-core`), with a policy-rc.d that keeps Debian's
# prometheus service from starting (the tests start their own on free ports). Anywhere else: one
# line saying what to run, and exit 1 before any test starts.
#   tools/provision.sh           check, install what is missing (Debian, root)
#   tools/provision.sh --check   check only; exit 1 with the line when something is missing
set -euo pipefail

chromium_path=${CHROMIUM_PATH:-/usr/bin/chromium}
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
packages=(prometheus chromium fonts-dejavu-core)

missing() {
  local out=()
  command -v prometheus >/dev/null || out+=(prometheus)
  command -v promtool >/dev/null || out+=(promtool)
  [[ -x $chromium_path ]] || out+=(chromium)
  # Any font will do for the layout the tests measure; DejaVu is what the Debian set-up installs.
  if [[ ! -e $font ]] && ! { command -v fc-list >/dev/null && [[ -n $(fc-list 2>/dev/null | head -1) ]]; }; then
    out+=(fonts)
  fi
  echo "${out[*]}"
}

fail() {
  local what=$1
  if [[ -r /etc/debian_version ]]; then
    echo "npm test needs ${what// /, }: run \`sudo bash tools/provision.sh\` (apt-get install ${packages[*]})" >&2
  else
    echo "npm test needs ${what// /, }: put prometheus and promtool (Prometheus 2.42 or later) on PATH" \
      "and set CHROMIUM_PATH to a Chromium binary, then run npm test again" >&2
  fi
  exit 1
}

absent=$(missing)
if [[ -z $absent ]]; then exit 0; fi
if [[ ${1:-} == --check || ! -r /etc/debian_version || $(id -u) -ne 0 || -n ${CHROMIUM_PATH:-} ]]; then
  fail "$absent"
fi

echo "provision: installing ${packages[*]} from Debian (missing: $absent)" >&2
export DEBIAN_FRONTEND=noninteractive
made_policy=
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
cleanup() { if [[ -n $made_policy ]]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT
apt=(apt-get -o DPkg::Lock::Timeout=600 -qq)
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${packages[@]}" >/dev/null

absent=$(missing)
if [[ -n $absent ]]; then fail "$absent"; fi
echo "provision: $(prometheus --version 2>&1 | head -1); $("$chromium_path" --version 2>/dev/null)" >&2
