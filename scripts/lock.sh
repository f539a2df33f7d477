#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml (after changing a dependency):
# requirements/app.lock for the demo, requirements/test.lock for the tests (test, reference, dev).
# Both are pip requirement files with hashes, so installing needs nothing but pip.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
common=(--python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes --quiet)
$uv pip compile pyproject.toml "${common[@]}" -o requirements/app.lock
$uv pip compile pyproject.toml --extra test --extra reference --extra dev "${common[@]}" \
  -o requirements/test.lock
# uv drops the extras a locked package is required with (weasel: smart-open[http]); pip's
# --require-hashes then refuses the install once PyPI has a newer release. Install the new lock
# without resolving (--no-deps, so that trap cannot close yet), then write those extras into
# the pins of both files.
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --no-deps --require-hashes -r requirements/test.lock
.venv/bin/python scripts/pin_extras.py requirements/app.lock requirements/test.lock
