"""Writes the extras a locked package is required with into its pin in the lock files.

pip's --require-hashes mode takes ``weasel``'s requirement ``smart-open[http]>=5.2.1`` as a
second, unpinned requirement when the lock pins only ``smart-open==9.0.2``; as soon as PyPI has a
newer smart-open, pip picks it for the extra and refuses the install ("all requirements must have
their versions pinned with =="). uv's lock output drops the extras, so this rewrites the pin to
``smart-open[http]==9.0.2``. The extras come from the metadata of the lock's own packages as
installed in the running environment (scripts/lock.sh installs the new lock first, without
resolving dependencies, which is where pip would stumble).

Usage: python scripts/pin_extras.py requirements/app.lock requirements/test.lock
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[(?P<extras>[^\]]*)\])?==(?P<rest>.*)$")


def pinned(text: str) -> set[str]:
    """The names a lock file pins."""
    return {canonicalize_name(m["name"]) for m in map(PIN.match, text.splitlines()) if m}


def required_extras(requirers: set[str]) -> dict[str, set[str]]:
    """Every extra one of `requirers` (installed) requires of another, whatever extras it was
    itself given."""
    wanted: dict[str, set[str]] = {}
    for dist in distributions():
        if canonicalize_name(dist.metadata["Name"]) not in requirers:
            continue
        for line in dist.requires or []:
            requirement = Requirement(line)
            if not requirement.extras:
                continue
            if requirement.marker is not None and "extra" in str(requirement.marker):
                continue  # only when the requiring package's own extra is asked for
            wanted.setdefault(canonicalize_name(requirement.name), set()).update(requirement.extras)
    return wanted


def pin_extras(text: str, wanted: dict[str, set[str]]) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        match = PIN.match(line)
        if match:
            extras = wanted.get(canonicalize_name(match["name"]), set())
            if match["extras"]:
                extras = extras | {e.strip() for e in match["extras"].split(",")}
            if extras:
                newline = "\n" if line.endswith("\n") else ""
                line = f"{match['name']}[{','.join(sorted(extras))}]=={match['rest']}{newline}"
        lines.append(line)
    return "".join(lines)


def main(paths: list[str]) -> int:
    for path in paths:
        lock = Path(path)
        text = lock.read_text(encoding="utf-8")
        lock.write_text(pin_extras(text, required_extras(pinned(text))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
