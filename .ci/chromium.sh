#!/usr/bin/env bash
# Kept for the messages that still name it: Chromium (and the rest of what `npm test` needs) is
# provisioned by tools/provision.sh, which `npm test` runs first.
set -euo pipefail
exec bash "$(dirname "$0")/../tools/provision.sh" "$@"
