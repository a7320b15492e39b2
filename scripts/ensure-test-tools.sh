#!/usr/bin/env bash
# What the tests need from Debian beyond Python: chromium, driven through the playwright PyPI package (never a
# browser download), and faketime, which runs the SQLite pass with the whole clock a year ahead (Python,
# SQLite and Chromium alike) so that no test can depend on today's date.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
sudo=""
if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
