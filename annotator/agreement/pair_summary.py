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


def _distribution(values: np.ndarray) -> dict:
    """Count, mean and quantiles of the defined values (None figures when there are none)."""
    if len(values) == 0:
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
    """The `pair_summary` of pair entries (each with "a", "b", "documents"): see
    `summarise_table`, whose worst pairs are these entries."""
    index = {name: i for i, name in enumerate(annotators)}
    first = np.array([index[p["a"]] for p in pairs], dtype=np.int64)
    second = np.array([index[p["b"]] for p in pairs], dtype=np.int64)
    documents = np.array([p["documents"] for p in pairs], dtype=np.int64)
    values = {
        key: np.array([np.nan if (v := get(p)) is None else v for p in pairs], dtype=np.float64)
        for key, get in figures.items()
    }
    return summarise_table(annotators, first, second, documents, values, rank_by, pairs.__getitem__)


def summarise_table(
    annotators: Sequence[str],
    first: np.ndarray,
    second: np.ndarray,
    documents: np.ndarray,
    figures: dict[str, np.ndarray],
    rank_by: str,
    entry_of: Callable[[int], dict],
) -> dict:
    """The `pair_summary` of pairs given as columns (annotator indices, shared documents, one
    float array per figure with NaN where undefined): per figure its distribution over the
    pairs where it is defined, per annotator the mean against the others (one table) and the
    WORST_PAIRS pairs lowest on `rank_by` (`entry_of(row)` entries, the figure as "value").
    Only those few entries are built, whatever the number of pairs."""
    n = len(annotators)
    shared = np.flatnonzero(documents > 0)
    first, second, documents = first[shared], second[shared], documents[shared]
    values = {key: column[shared] for key, column in figures.items()}
    # Each pair counts for both its annotators; a stable sort by annotator keeps pair order.
    side = np.stack([first, second], axis=1).ravel()
    by_side = np.argsort(side, kind="stable")
    bounds = np.searchsorted(side[by_side], np.arange(n + 1))
    partners = np.diff(bounds)
    shared_documents = np.bincount(side, weights=np.repeat(documents, 2), minlength=n)
    means = {}
    for key, column in values.items():
        mine = np.repeat(column, 2)[by_side]
        means[key] = [_mean(mine[bounds[a] : bounds[a + 1]]) for a in range(n)]
    table = [
        {
            "annotator": name,
            "partners": int(partners[a]),
            "shared_documents": int(shared_documents[a]),
            **{key: means[key][a] for key in figures},
        }
        for a, name in enumerate(annotators)
    ]
    ranked = values[rank_by]
    defined = np.flatnonzero(~np.isnan(ranked))
    name_rank = np.empty(n, dtype=np.int64)
    name_rank[np.argsort(np.array(annotators, dtype=str), kind="stable")] = np.arange(n)
    order = defined[
        np.lexsort(
            (
                name_rank[second[defined]],
                name_rank[first[defined]],
                -documents[defined],
                ranked[defined],
            )
        )
    ]
    return {
        "annotators": n,
        "threshold": CROWD_ANNOTATORS,
        "pairs": n * (n - 1) // 2,
        "pairs_with_shared_documents": len(shared),
        "distribution": {
            key: _distribution(column[~np.isnan(column)]) for key, column in values.items()
        },
        "by_annotator": table,
        "worst_by": rank_by,
        "worst_pairs": [
            {**entry_of(int(shared[r])), "value": float(ranked[r])} for r in order[:WORST_PAIRS]
        ],
    }


def _mean(values: np.ndarray) -> float | None:
    """The mean of the defined values, None when there are none."""
    values = values[~np.isnan(values)]
    return float(np.mean(values)) if len(values) else None
