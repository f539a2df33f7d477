#!/usr/bin/env bash
# Creates .venv and installs annotator into it from the lock file: requirements/app.lock, or
# requirements/test.lock (the test, reference and dev tools too) when called with --test.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
lock=requirements/app.lock
[ "${1:-}" = "--test" ] && lock=requirements/test.lock
.venv/bin/python -m pip install -q --require-hashes -r "$lock"
.venv/bin/python -m pip install -q --no-deps -e .
