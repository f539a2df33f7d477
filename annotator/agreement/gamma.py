"""gamma's expected disorder by Monte-Carlo sampling, the gamma estimate and its report block.

Two samplers, both from pygamma-agreement 0.5.9: `shuffle` is Mathet et al.'s (2015, section
5.2; pygamma's ShuffleContinuumSampler with integer pivots): each sampled annotator is a randomly
drawn real annotator whose units are shifted circularly by a random pivot, pivots kept at least
half a mean unit length apart. `statistical` (pygamma's default StatisticalContinuumSampler)
draws unit counts, gaps, lengths and categories from normal fits to the observed ones. The
sampler, the number of samples and the seed are parameters and are reported with the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Literal

import numpy as np

from annotator.agreement.alpha_u import Unit, corpus_continuum
from annotator.agreement.gamma_alignment import (
    Dissimilarity,
    Units,
    best_alignment,
    gamma_cat_disorder,
)
from annotator.core.records import AgreementDocument

Sampler = Literal["shuffle", "statistical"]
DEFAULT_SEED = 4772  # the seed of pygamma-agreement's own tests
DEFAULT_DISSIMILARITY = Dissimilarity()  # alpha = beta = delta_empty = 1


@dataclass(frozen=True, slots=True)
class GammaResult:
    """gamma, gamma-cat and the disorders they come from (None where undefined)."""

    gamma: float | None
    gamma_cat: float | None
    gamma_k: dict[str, float | None]
    observed_disorder: float | None
    expected_disorder: float | None
    expected_disorder_sd: float | None
    samples: int
    seed: int
    sampler: str
    units: int
    annotators: int


def _subtract(
    segments: list[tuple[float, float]], lo: float, hi: float
) -> list[tuple[float, float]]:
    out = []
    for s, e in segments:
        if s < lo:
            out.append((s, min(e, lo)))
        if e > hi:
            out.append((max(s, hi), e))
    return [(s, e) for s, e in out if e > s]


def shuffle_sample(units: Units, begin: float, end: float, rng: np.random.Generator) -> Units:
    """One random continuum by Mathet's shuffling of whole annotators (pygamma's int pivots)."""
    n = units.n_annotators
    min_gap = float(np.mean(units.ends - units.starts)) / 2
    members = [np.flatnonzero(units.owners == a) for a in range(n)]
    while True:
        free = [(begin, end)]
        parts = []
        for idx in range(n):
            widths = np.array([e - s for s, e in free])
            if len(free) and widths.sum() > 0:
                s, e = free[rng.choice(len(free), p=widths / widths.sum())]
                pivot = float(int(rng.uniform(s, e)))
                free = _subtract(free, pivot - min_gap, pivot + min_gap)
            else:
                pivot = float(rng.uniform(begin, end))
            chosen = members[rng.integers(n)]
            starts, ends = units.starts[chosen] + pivot, units.ends[chosen] + pivot
            wrap = np.where(starts > end, end - begin, 0.0)  # shifted past the end: wrap around
            parts.append(
                (starts - wrap, ends - wrap, units.cats[chosen], np.full(len(chosen), idx))
            )
        if sum(len(p[0]) for p in parts):
            break
    return _assemble(parts, n)


def _assemble(parts: list, n: int) -> Units:
    starts, ends, cats, owners = (np.concatenate(col) for col in zip(*parts, strict=True))
    order = np.lexsort((starts, owners))
    return Units(
        starts[order], ends[order], cats[order].astype(np.int64), owners[order].astype(np.int64), n
    )


def statistical_sample(units: Units, rng: np.random.Generator) -> Units:
    """One random continuum from normal fits of counts, gaps, lengths and category frequencies."""
    n = units.n_annotators
    counts = np.bincount(units.owners, minlength=n)
    gaps = [0.0]
    for a in range(n):
        s, e = units.starts[units.owners == a], units.ends[units.owners == a]
        gaps += list(s[1:] - e[:-1])
        if len(s) and s[0] > 0:
            gaps.append(float(s[0]))
    lengths = units.ends - units.starts
    weights = np.bincount(units.cats) / len(units.cats)
    parts = []
    total = 0
    for a in range(n):
        k = abs(int(rng.normal(counts.mean(), counts.std())))
        if total == 0:
            k = max(1, k)  # as pygamma: never an empty sample
        last = 0.0
        rows = []
        for _ in range(k):
            start = last + rng.normal(np.mean(gaps), np.std(gaps))
            length = 0.0
            while length < 1e-6:  # pyannote's segment precision
                length = abs(rng.normal(lengths.mean(), lengths.std()))
            rows.append((start, start + length, rng.choice(len(weights), p=weights)))
            last = start + length
        total += k
        arr = np.array(rows, dtype=np.float64).reshape(-1, 3)
        parts.append((arr[:, 0], arr[:, 1], arr[:, 2], np.full(k, a)))
    return _assemble(parts, n)


def _ratio(observed: float, expected: float) -> float | None:
    if observed == 0:
        return 1.0
    return None if expected <= 0 else 1.0 - observed / expected


def gamma(
    units: Sequence[Unit],
    annotators: Sequence[str],
    *,
    begin: float | None = None,
    end: float | None = None,
    dissimilarity: Dissimilarity = DEFAULT_DISSIMILARITY,
    samples: int = 30,
    seed: int = DEFAULT_SEED,
    sampler: Sampler = "shuffle",
    boundaries: Sequence[float] = (),
) -> GammaResult:
    """gamma and gamma-cat of a continuum; bounds default to [min(0, starts), max(ends)].

    `boundaries` (ascending document starts on a corpus continuum) keep the observed alignment
    inside each document: a unit at the end of one document and one at the start of the next
    are not the same unit, however close the concatenation puts them.
    """
    categories = sorted({u.category for u in units})
    arrays = Units.from_units(units, annotators, categories)
    if len(boundaries) > 1:
        groups = np.searchsorted(np.asarray(boundaries, dtype=np.float64), arrays.starts, "right")
        arrays = replace(arrays, groups=groups)
    n_units = len(arrays.starts)
    undefined = GammaResult(
        None,
        None,
        {c: None for c in categories},
        None,
        None,
        None,
        samples,
        seed,
        sampler,
        n_units,
        len(annotators),
    )
    observed = best_alignment(arrays, dissimilarity)
    if observed is None or samples < 1:
        return undefined
    lo = min(0.0, float(arrays.starts.min())) if begin is None else begin
    hi = float(arrays.ends.max()) if end is None else end
    rng = np.random.default_rng(seed)
    codes = [None, *range(len(categories))]  # None: gamma-cat; a code: gamma-k of that category
    chance, chance_cat = [], []
    for _ in range(samples):
        if sampler == "shuffle":
            sample = shuffle_sample(arrays, lo, hi, rng)
        else:
            sample = statistical_sample(arrays, rng)
        aligned = best_alignment(sample, dissimilarity)
        chance.append(aligned.disorder)
        chance_cat.append([gamma_cat_disorder(sample, aligned, dissimilarity, k) for k in codes])
    expected = float(np.mean(chance))
    expected_cat = np.mean(np.array(chance_cat), axis=0)
    observed_cat = [gamma_cat_disorder(arrays, observed, dissimilarity, k) for k in codes]
    cat_values = [_ratio(o, float(e)) for o, e in zip(observed_cat, expected_cat, strict=True)]
    return GammaResult(
        gamma=_ratio(observed.disorder, expected),
        gamma_cat=cat_values[0],
        gamma_k=dict(zip(categories, cat_values[1:], strict=True)),
        observed_disorder=observed.disorder,
        expected_disorder=expected,
        expected_disorder_sd=float(np.std(chance)),
        samples=samples,
        seed=seed,
        sampler=sampler,
        units=n_units,
        annotators=len(annotators),
    )


def gamma_report(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str],
    *,
    samples: int = 30,
    seed: int = DEFAULT_SEED,
    sampler: Sampler = "shuffle",
    dissimilarity: Dissimilarity = DEFAULT_DISSIMILARITY,
) -> dict:
    """The `gamma` key of the agreement report: gamma over the corpus as one continuum.

    The continuum concatenates the documents every annotator marked done (see
    `corpus_continuum`). Keys: gamma, gamma_cat, observed_disorder, expected_disorder,
    expected_disorder_sd (spread over the samples), samples, seed, sampler, units, annotators,
    documents, length, and the dissimilarity weights alpha, beta, delta_empty.
    """
    continuum = corpus_continuum(documents, annotators, labels)
    result = gamma(
        continuum.units,
        annotators,
        begin=continuum.begin,
        end=continuum.begin + continuum.length,
        dissimilarity=dissimilarity,
        samples=samples,
        seed=seed,
        sampler=sampler,
        boundaries=continuum.boundaries,
    )
    report = asdict(result)
    report["annotators"] = list(annotators)
    report["documents"] = continuum.documents
    report["length"] = continuum.length
    report.update(asdict(dissimilarity))
    return report
