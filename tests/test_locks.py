"""The lock files install on a fresh machine however far PyPI has moved past them.

CI failed twice on the day a package the lock pins got a newer release on PyPI: pip, asked to
resolve the lock's requirements again in --require-hashes mode, matched a locked package's
requirement on another (weasel: ``smart-open[http]>=5.2.1``; htmldate: ``lxml>=6.1.3``) against
that newest release instead of the lock's pin (the pin and the requirement differ in their extras
both times) and refused the whole install as unpinned. scripts/setup.sh installs the lock
as the closed set it is (``--no-deps``), and this checks that every lock is closed, which is what
makes not resolving safe. (The trap itself needs PyPI's index to close: a wheelhouse of our own with
the same shape of requirements, tried with pip 26.3, installed fine either way. scripts/setup.sh,
which every CI run starts with, is where it would show again.)
"""

import re
from importlib.metadata import distribution
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?==([^\s;\\]+)")


def locked(path: Path) -> dict[str, tuple[Version, set[str]]]:
    """name -> (pinned version, extras the pin names)."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            extras = {e.strip() for e in (match[2] or "").split(",") if e.strip()}
            pins[canonicalize_name(match[1])] = (Version(match[3]), extras)
    return pins


@pytest.mark.parametrize("lock", ["app.lock", "test.lock"])
def test_every_lock_is_closed(lock):
    """Every requirement of every locked package (with the extras its pin names) is met by a pin in
    the same lock, so installing it without resolving leaves nothing out. The metadata comes from
    this environment, which test.lock installed and whose versions app.lock shares."""
    pins = locked(ROOT / "requirements" / lock)
    unmet = []
    for name, (version, extras) in pins.items():
        dist = distribution(name)
        installed = Version(dist.version)
        assert installed == version, f"{name} {installed} is installed, {lock} pins {version}"
        for line in dist.requires or []:
            requirement = Requirement(line)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({**default_environment(), "extra": extra})
                for extra in extras | {""}
            )
            if not wanted:
                continue
            needed = canonicalize_name(requirement.name)
            have = pins[needed][0] if needed in pins else None
            if have is None or not requirement.specifier.contains(have, prereleases=True):
                unmet.append(f"{name} needs {requirement}, {lock} pins {have or 'nothing'}")
    assert not unmet, "; ".join(unmet)
