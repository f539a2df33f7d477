"""Start-up of the command line (issue 18): `annotator --help` and `annotator agreement
--no-gamma` on the demo database, hyperfine-style: a warm-up run, then --runs runs each in a
fresh process, median and min of the wall time, and the modules that load (`-X importtime`).

Targets: --help under 0.3 s, agreement --no-gamma under 0.6 s; spaCy, scipy, flask and pandas
not imported by either.

    .venv/bin/python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ANNOTATOR = str(Path(sys.executable).with_name("annotator"))
HEAVY = ("spacy", "scipy", "flask", "pandas", "sklearn", "jinja2", "werkzeug")


def timed(command: list[str], runs: int) -> list[float]:
    """Wall seconds of `runs` runs after one warm-up (the page cache), each a new process."""
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def heavy_imports(command: list[str]) -> list[str]:
    """Top-level packages among HEAVY that the command imports."""
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    found = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip().split(".")[0]
            if name in HEAVY:
                found.add(name)
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "demo.db")
        subprocess.run(
            [ANNOTATOR, "demo", "--no-serve", "--db", db], check=True, capture_output=True
        )
        baseline = [sys.executable, "-c", "pass"]
        cases = {
            "python -c pass": (baseline, None),
            "annotator --help": ([ANNOTATOR, "--help"], 0.3),
            "annotator agreement --no-gamma": (
                [ANNOTATOR, "agreement", "--no-gamma", "--db", db],
                0.6,
            ),
        }
        for name, (command, target) in cases.items():
            times = timed(command, args.runs)
            line = (
                f"{name:<32} median {statistics.median(times):.3f} s, "
                f"min {min(times):.3f} s ({args.runs} runs)"
            )
            if target is not None:
                line += f", target {target} s; heavy imports: {heavy_imports(command) or 'none'}"
            print(line)


if __name__ == "__main__":
    main()
