"""The lock files install with pip's --require-hashes on a machine that sees only PyPI.

pip takes a locked package's requirement with extras (weasel needs ``smart-open[http]>=5.2.1``) as a
requirement of its own; if the lock pins ``smart-open==9.0.2`` without the extra, pip picks the
newest smart-open on PyPI for it and refuses the whole install as unpinned. That broke CI the day
smart-open 9.0.4 appeared, while this machine's local mirror still had only 9.0.2. So every package
that an installed package requires with extras is pinned with those extras in both locks.
"""

import re
from importlib.metadata import distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?==")


def locked(path: Path) -> dict[str, set[str]]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            extras = {e.strip() for e in (match[2] or "").split(",") if e.strip()}
            pins[canonicalize_name(match[1])] = extras
    return pins


@pytest.mark.parametrize("lock", ["app.lock", "test.lock"])
def test_every_extra_a_locked_package_needs_is_in_its_pin(lock):
    pins = locked(ROOT / "requirements" / lock)
    missing = []
    for dist in distributions():
        requirer = canonicalize_name(dist.metadata["Name"])
        if requirer not in pins:
            continue
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is not None and "extra" in str(requirement.marker):
                continue
            name = canonicalize_name(requirement.name)
            if requirement.extras and name in pins and not requirement.extras <= pins[name]:
                pinned = sorted(pins[name])
                missing.append(f"{requirer} needs {requirement}, {lock} pins {name}{pinned}")
    assert not missing, "; ".join(missing)
