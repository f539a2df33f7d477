#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml (after changing a dependency):
# requirements/app.lock for the demo, requirements/test.lock for the tests (test, reference, dev).
# Both are pip requirement files with hashes of the whole resolved closure, so installing needs
# nothing but pip, and scripts/setup.sh installs them without resolving again.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
common=(--python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes --quiet)
$uv pip compile pyproject.toml "${common[@]}" -o requirements/app.lock
$uv pip compile pyproject.toml --extra test --extra reference --extra dev "${common[@]}" \
  -o requirements/test.lock
