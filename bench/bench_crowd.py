"""Crowd mode (issue 18): the agreement report (token figures, alpha_U, no gamma) for 500
annotators, each finishing 5 documents of a sparse design (500 documents of ~200 tokens, 5
annotators each, 3 spans per annotator and document near shared places), and for the toxic
spans sample (462 workers) from ../shared/data if present. Prints the seconds of the report
and the size of its JSON, with and without --all-pairs: in memory (agreement_report and
unitizing_report) and through `annotator agreement --no-gamma --json` on a real SQLite database
of the same crowd (the whole command: start-up, reading, by_batch, suggestions, 1,000 bootstrap
resamples).

Targets: under 5 s and under 5 MB without --all-pairs.

    .venv/bin/python bench/bench_crowd.py [--annotators 500] [--per-annotator 5]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import write_agreement_database

from annotator.agreement.alpha_u import unitizing_report
from annotator.agreement.report import agreement_report
from annotator.core.records import AgreementDocument, SpanData

LABELS = ["STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING"]
TOXIC = Path(__file__).resolve().parents[2] / "shared" / "data" / "toxic_spans_acl2022_sample"


def crowd(n_annotators: int, per_annotator: int, per_document: int = 5, tokens: int = 200):
    """Documents and names: each annotator finishes `per_annotator` documents."""
    rng = random.Random(18)
    names = [f"w{i:03d}" for i in range(n_annotators)]
    n_docs = n_annotators * per_annotator // per_document
    slots = [name for name in names for _ in range(per_annotator)]
    rng.shuffle(slots)
    docs = []
    for d in range(n_docs):
        done = sorted(set(slots[d * per_document : (d + 1) * per_document]))
        places = [rng.randrange(0, tokens - 10) for _ in range(3)]
        spans = {}
        for name in done:
            mine = []
            for k, p in enumerate(places):
                s = max(0, p + rng.randint(-1, 1))
                e = min(tokens - 1, s + rng.randint(1, 4))
                mine.append(SpanData(s * 6, e * 6 + 5, s, e, LABELS[k % 3]))
            spans[name] = mine
        toks = [(t * 6, t * 6 + 5) for t in range(tokens)]
        docs.append(AgreementDocument(d + 1, f"d{d}", toks, spans))
    return docs, names


def report(docs, names, all_pairs: bool) -> tuple[float, int]:
    """Seconds and JSON bytes of the report (no bootstrap: the crowd part is what is timed)."""
    t0 = time.perf_counter()
    r = agreement_report(docs, names, LABELS, bootstrap=0, all_pairs=all_pairs)
    r["alpha_u"] = unitizing_report(docs, names, LABELS, all_pairs=all_pairs)
    seconds = time.perf_counter() - t0
    return seconds, len(json.dumps(r))


def cli(db: str, extra: list[str]) -> tuple[float, int]:
    """Wall seconds and output bytes of `annotator agreement --no-gamma --json` on `db`."""
    exe = str(Path(sys.executable).with_name("annotator"))
    t0 = time.perf_counter()
    out = subprocess.run(
        [exe, "agreement", "--no-gamma", "--json", "--db", db, *extra],
        check=True,
        capture_output=True,
    ).stdout
    return time.perf_counter() - t0, len(out)


def crowd_cli(docs, names) -> None:
    """The crowd as a real database, and the CLI report on it with and without --all-pairs."""
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "crowd.db")
        write_agreement_database(Path(db), docs, names)
        for extra in ([], ["--all-pairs"]):
            seconds, size = cli(db, extra)
            print(
                f"{len(names)} annotators, CLI {' '.join(extra) or '(summary)':<12}: "
                f"{seconds:5.2f} s (start-up and 1,000 bootstrap resamples included), "
                f"{size / 1e6:6.2f} MB"
            )


def toxic_cli() -> None:
    """`annotator agreement --no-gamma --json` on the toxic spans sample, wall time and size."""
    if not TOXIC.is_dir():
        print("toxic spans sample not found; skipped")
        return
    exe = str(Path(sys.executable).with_name("annotator"))
    mapping = {
        "Insult": "EDITORIAL_FRAMING",
        "Profane/Obscene": "EDITORIAL_FRAMING",
        "Other Toxicity": "EDITORIAL_FRAMING",
        "Identity based Attack": "STATE_PROPAGANDA",
        "Threat": "INTEL_ESTIMATE",
    }
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "toxic.db")
        args = [a for s, t in mapping.items() for a in ("--map-labels", f"{s}={t}")]
        subprocess.run(
            [exe, "import", str(TOXIC), *args, "--lang", "en", "--skip-invalid", "--db", db],
            check=True,
            capture_output=True,
        )
        for extra in ([], ["--all-pairs"]):
            seconds, size = cli(db, extra)
            print(
                f"toxic spans, 462 workers, CLI {' '.join(extra) or '(summary)':<12}: "
                f"{seconds:5.2f} s (start-up and 1,000 bootstrap resamples included), "
                f"{size / 1e6:6.2f} MB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotators", type=int, default=500)
    parser.add_argument("--per-annotator", type=int, default=5)
    args = parser.parse_args()
    docs, names = crowd(args.annotators, args.per_annotator)
    for all_pairs in (False, True):
        seconds, size = report(docs, names, all_pairs)
        print(
            f"{len(names)} annotators, {len(docs)} documents, "
            f"{'all pairs' if all_pairs else 'summary  '}: {seconds:5.2f} s, {size / 1e6:6.2f} MB"
        )
    crowd_cli(docs, names)
    toxic_cli()


if __name__ == "__main__":
    main()
