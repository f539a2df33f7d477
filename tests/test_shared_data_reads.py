"""House rule: ../shared/data is read inside tests and fixtures, never when a module is imported
(a missing or changed data folder must fail the tests that use it, not the whole collection)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

PROBE = r"""
import importlib.util, sys
from pathlib import Path

import pytest

def refuse(event, args):
    if event == "open" and args and "shared/data" in str(args[0]):
        raise RuntimeError(f"read at import time: {args[0]}")

tests = Path(sys.argv[1])
sys.path.insert(0, str(tests))
sys.addaudithook(refuse)
failures = []
for path in sorted(tests.glob("*.py")):
    if "shared" not in path.read_text(encoding="utf-8"):
        continue  # never names the shared folder, so it cannot read it when imported
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    except RuntimeError as exc:
        if "read at import time" in str(exc):
            failures.append(f"{path.name}: {exc}")
print("\n".join(failures))
"""


@pytest.mark.slow
def test_no_test_module_reads_shared_data_when_imported() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(TESTS)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=TESTS.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""
