#!/usr/bin/env bash
# Front-end assets for the maps come from the npm registry, pinned by maps/package-lock.json, and are
# served as our own static files (no CDN at run time). Nothing to do until the maps need them.
set -euo pipefail
cd "$(dirname "$0")/../maps"
[ -f package.json ] || exit 0
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --silent
fi
