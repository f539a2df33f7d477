"""Suggestions: training time and held-out F1 per label, and suggestion throughput.

Trains the span model on the Redewiedergabe sample (../shared/data/redewiedergabe_sample, a fixed
split by document: 160 documents to train, 40 held out) with each chosen suggester, scores the
held-out part with spaCy's span scorer (exact boundaries), and sets beside it a baseline of
patterns only. Our shipped patterns are for our three labels, so on the Redewiedergabe labels
they propose nothing; the baseline here is one quotation-mark pattern for DIRECT (in the same
pattern-file format) and nothing for the other labels. Throughput: documents per second for the
shipped patterns and for the trained model.

    .venv/bin/python bench/bench_suggest.py [--suggesters clauses,span_finder,ngram] [--epochs 8]

Measured 2026-12-01 on the shared 2 cores (8 epochs, batch 2, single-label spancat), held out
40 documents, exact-boundary F1: quote rule DIRECT 0.388 (micro 0.079); clauses micro 0.140
(DIRECT 0.237, INDIRECT 0.211, REPORTED 0.067) in 187 s; span_finder 0.000 in 24 s (no
candidates); ngram 1-3 micro 0.005 in 524 s (run beside the test suite). Throughput: patterns
77 documents/s on the demo corpus, 59 on Redewiedergabe; model 18 (clauses), 7 (ngram).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from annotator.core.labels import load_label_scheme
from annotator.suggest.examples import GoldSpan, TrainingExample, split_by_document
from annotator.suggest.model_config import ModelSettings
from annotator.suggest.patterns import DEFAULT_PATTERNS_PATH, load_patterns, suggest_with_patterns
from annotator.suggest.predict import load_span_model, suggest_with_model
from annotator.suggest.scoring import LabelScore, score_proposals
from annotator.suggest.training import train_span_model

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "redewiedergabe_sample"
CORPUS = ROOT / "corpus"
OPEN = ["„", "»", "«", '"']
CLOSE = ["“", "«", "»", '"']
DIRECT_RULE = {
    "id": "quotation",
    "label": "DIRECT",
    "pattern": [
        {"ORTH": {"IN": OPEN}},
        {"ORTH": {"NOT_IN": OPEN + CLOSE}, "OP": "+"},
        {"ORTH": {"IN": CLOSE}},
    ],
}


def read_sample() -> tuple[list[TrainingExample], list[str]]:
    labels = load_label_scheme(SAMPLE / "labels.toml").keys()
    with (SAMPLE / "consensus.jsonl").open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    examples = [
        TrainingExample(
            r["meta"]["source"],
            r["text"],
            tuple(GoldSpan(s["start"], s["end"], s["label"]) for s in r["spans"]),
        )
        for r in records
    ]
    return examples, labels


def row(name: str, by_label: dict[str, LabelScore], micro: LabelScore, seconds: float | None):
    def f(score: LabelScore) -> str:
        return "   n/a" if score.f is None else f"{score.f:6.3f}"

    def prf(score: LabelScore) -> str:
        if score.f is None:
            return "p=n/a r=n/a"
        return f"p={score.p:.2f} r={score.r:.2f}"

    took = "" if seconds is None else f"{seconds:7.1f}s"
    cells = "  ".join(f"{label}={f(s)} ({prf(s)})" for label, s in by_label.items())
    print(f"{name:24s} {took:>8s}  micro F1={f(micro)} ({prf(micro)})  {cells}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suggesters", default="clauses,span_finder,ngram")
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()

    examples, labels = read_sample()
    train, held_out = split_by_document(examples, 0.2)
    print(f"Redewiedergabe sample: {len(train)} documents to train, {len(held_out)} held out")
    print(f"labels: {', '.join(labels)}; exact-boundary P/R/F1, spaCy's span scorer\n")

    with tempfile.TemporaryDirectory() as folder:
        rule_file = Path(folder) / "direct.jsonl"
        rule_file.write_text(json.dumps(DIRECT_RULE, ensure_ascii=False) + "\n", "utf-8")
        rule = load_patterns(rule_file, labels)
        started = time.perf_counter()
        found = suggest_with_patterns([e.text for e in held_out], rule)
        row("baseline: quote rule", *score_proposals(held_out, found, labels), None)
        nothing = [[] for _ in held_out]
        row("baseline: nothing", *score_proposals(held_out, nothing, labels), None)

        models = {}
        for suggester in args.suggesters.split(","):
            settings = ModelSettings(suggester=suggester, epochs=args.epochs)
            out = Path(folder) / f"model-{suggester}"
            started = time.perf_counter()
            result = train_span_model(
                examples,
                labels,
                out,
                settings=settings,
                progress=lambda p: print(
                    f"  {p.epoch}/{p.epochs} loss "
                    + " ".join(f"{k}={v:.0f}" for k, v in p.losses.items())
                    + f" {p.seconds:.0f}s",
                    flush=True,
                ),
            )
            took = time.perf_counter() - started
            row(f"spancat + {suggester}", result.by_label, result.micro, took)
            models[suggester] = out

        print("\nthroughput (documents/s)")
        shipped = load_patterns(DEFAULT_PATTERNS_PATH, load_label_scheme().keys())
        for name, texts in [
            ("demo corpus", [p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))] * 20),
            ("Redewiedergabe", [e.text for e in examples]),
        ]:
            suggest_with_patterns(texts[:2], shipped)  # warm: pipeline built, patterns compiled
            started = time.perf_counter()
            suggest_with_patterns(texts, shipped)
            rate = len(texts) / (time.perf_counter() - started)
            chars = sum(map(len, texts)) / len(texts)
            print(
                f"  patterns on {name:15s} {rate:8.1f} docs/s"
                f"  ({len(texts)} docs, {chars:.0f} chars avg)"
            )
        texts = [e.text for e in held_out]
        for suggester, out in models.items():
            model = load_span_model(out)
            suggest_with_model(texts[:2], model)
            started = time.perf_counter()
            suggest_with_model(texts, model)
            rate = len(texts) / (time.perf_counter() - started)
            print(f"  model ({suggester:11s}) on Redewiedergabe held out {rate:8.1f} docs/s")


if __name__ == "__main__":
    main()
