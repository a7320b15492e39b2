#!/usr/bin/env bash
# What the tests need beyond Python. From Debian: chromium, driven through the playwright PyPI package (never a
# browser download), and faketime, which runs the SQLite pass with the whole clock a year ahead (Python,
# SQLite and Chromium alike) so that no test can depend on today's date. From the npm registry, pinned by
# tests/js/package-lock.json (never a CDN): the tools the browser tests inject into pages (axe-core).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
cd "$(dirname "$0")/../tests/js"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --silent
fi
