#!/usr/bin/env bash
# The volunteer's phone app (phone/): installed from phone/package-lock.json and built with Vite + Workbox
# into phone/dist, which Django serves at /app/. Rebuilt only when a source is newer than the last build.
set -euo pipefail
cd "$(dirname "$0")/../phone"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --silent
  touch node_modules
fi
stamp=dist/.built
if [ ! -f "$stamp" ] || [ -n "$(find index.html vite.config.js package-lock.json src public scripts -newer "$stamp" -print -quit)" ]; then
  log=$(mktemp)
  npm run --silent build >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
  rm -f "$log"
  touch "$stamp"
fi
