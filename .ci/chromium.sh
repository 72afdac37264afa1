#!/usr/bin/env bash
# The browser tests of the HTML view (test/view-html.test.ts) and `npm run bench:html` drive the
# Debian package `chromium` through playwright-core (which cannot download a browser here).
set -euo pipefail
if command -v chromium >/dev/null; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version
