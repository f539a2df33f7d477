#!/usr/bin/env bash
# The whole test suite on a fresh machine: venv and packages, Chromium from Debian's packages,
# the pinned htmx file for the browser tests, lint, then pytest (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
if [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
scripts/fetch-htmx.sh
.venv/bin/ruff check annotator tests bench scripts
.venv/bin/ruff format --check annotator tests bench scripts
.venv/bin/pytest "$@"
