#!/usr/bin/env bash
# Installs annotator into .venv and runs the demo: corpus imported, accounts printed, served.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/annotator demo "$@"
