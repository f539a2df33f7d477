"""Crowd mode: past CROWD_ANNOTATORS annotators a report summarises its annotator pairs
(distribution, per-annotator mean against the others, the worst pairs) instead of listing the
n (n - 1) / 2 of them, most of which share no document in a sparse crowd design."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["CROWD_ANNOTATORS", "WORST_PAIRS", "crowd_mode", "summarise_pairs"]

# Above this many selected annotators the pair list gives way to the summary (30 annotators are
# 435 pairs: still a table a lead reads; 462 crowd workers are 106,491 pairs: not).
CROWD_ANNOTATORS = 30
WORST_PAIRS = 20


def crowd_mode(n_annotators: int, all_pairs: bool) -> bool:
    """True when the pairs are summarised rather than listed."""
    return n_annotators > CROWD_ANNOTATORS and not all_pairs


def _distribution(values: list[float]) -> dict:
    """Count, mean and quantiles of the defined values (None figures when there are none)."""
    if not values:
        keys = ("mean", "min", "p10", "p25", "median", "p75", "p90", "max")
        return {"count": 0, **dict.fromkeys(keys, None)}
    x = np.asarray(values, dtype=np.float64)
    q = np.percentile(x, [0, 10, 25, 50, 75, 90, 100])
    return {
        "count": len(x),
        "mean": float(x.mean()),
        "min": float(q[0]),
        "p10": float(q[1]),
        "p25": float(q[2]),
        "median": float(q[3]),
        "p75": float(q[4]),
        "p90": float(q[5]),
        "max": float(q[6]),
    }


def summarise_pairs(
    annotators: Sequence[str],
    pairs: Sequence[dict],
    figures: dict[str, Callable[[dict], float | None]],
    rank_by: str,
) -> dict:
    """The `pair_summary` of pair entries (each with "a", "b", "documents"): per figure its
    distribution over the pairs where it is defined, per annotator the mean against the others
    (one table) and the WORST_PAIRS pairs lowest on `rank_by` (full entries, the ranked figure
    as "value")."""
    n = len(annotators)
    shared = [p for p in pairs if p["documents"] > 0]
    values = {key: [(p, get(p)) for p in shared] for key, get in figures.items()}
    per_annotator: dict[str, dict] = {
        a: {"partners": 0, "shared_documents": 0, **{k: [] for k in figures}} for a in annotators
    }
    for p in shared:
        for side in (p["a"], p["b"]):
            row = per_annotator[side]
            row["partners"] += 1
            row["shared_documents"] += p["documents"]
    for key, rows in values.items():
        for p, v in rows:
            if v is not None:
                per_annotator[p["a"]][key].append(v)
                per_annotator[p["b"]][key].append(v)
    table = [
        {
            "annotator": a,
            "partners": row["partners"],
            "shared_documents": row["shared_documents"],
            **{k: (float(np.mean(row[k])) if row[k] else None) for k in figures},
        }
        for a, row in per_annotator.items()
    ]
    ranked = sorted(
        ((v, p) for p, v in values[rank_by] if v is not None),
        key=lambda item: (item[0], -item[1]["documents"], item[1]["a"], item[1]["b"]),
    )
    return {
        "annotators": n,
        "threshold": CROWD_ANNOTATORS,
        "pairs": n * (n - 1) // 2,
        "pairs_with_shared_documents": len(shared),
        "distribution": {
            k: _distribution([v for _, v in rows if v is not None]) for k, rows in values.items()
        },
        "by_annotator": table,
        "worst_by": rank_by,
        "worst_pairs": [{**p, "value": v} for v, p in ranked[:WORST_PAIRS]],
    }
