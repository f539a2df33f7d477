#!/usr/bin/env bash
# Creates .venv and installs annotator into it from the lock file: requirements/app.lock, or
# requirements/test.lock (the test, reference and dev tools too) when called with --test.
#
# The lock is the whole resolved closure (uv wrote it, with hashes), so pip installs it with
# --no-deps and resolves nothing. Letting pip resolve again in --require-hashes mode broke CI
# twice, the day PyPI had a release newer than a pin: pip matched a locked package's requirement
# on another (weasel: smart-open[http]>=5.2.1; htmldate: lxml>=6.1.3, against the pin
# lxml[html_clean]==6.1.3) against that newest release and refused the whole install as
# unpinned. `pip check` then fails the install if the lock is not closed after all
# (tests/test_locks.py checks that it is).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
lock=requirements/app.lock
[ "${1:-}" = "--test" ] && lock=requirements/test.lock
.venv/bin/python -m pip install -q --no-deps --require-hashes -r "$lock"
.venv/bin/python -m pip install -q --no-deps -e .
.venv/bin/python -m pip check
