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
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ANNOTATOR = str(Path(sys.executable).with_name("annotator"))
HEAVY = ("spacy", "scipy", "flask", "pandas", "sklearn", "jinja2", "werkzeug")


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `runs` runs after one warm-up (the page cache), each a new
    process (CPU time too: on a shared machine the wall time includes waiting for a core)."""
    subprocess.run(command, check=True, capture_output=True)
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), _child_cpu()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
        cpu.append(_child_cpu() - c0)
    return times, cpu


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
            times, cpu = timed(command, args.runs)
            line = (
                f"{name:<32} median {statistics.median(times):.3f} s, "
                f"min {min(times):.3f} s, CPU median {statistics.median(cpu):.3f} s "
                f"({args.runs} runs)"
            )
            if target is not None:
                line += f", target {target} s; heavy imports: {heavy_imports(command) or 'none'}"
            print(line)


if __name__ == "__main__":
    main()
