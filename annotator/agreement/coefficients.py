"""Chance-corrected coefficients from plain tables: Krippendorff's alpha (nominal), Cohen's kappa,
Fleiss' kappa.

The general functions take reliability matrices, label vectors or count tables of arbitrary
nominal values, so published examples can be fed in directly. The `binary_*` functions compute the
same coefficients from the sufficient statistics of 0/1 token units, as numpy arrays, which is what
the report engine and its bootstrap use. Undefined values (no variation, no pairable data) are
`None` (or NaN in the array functions), never 0, 1 or an exception.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class AlphaResult:
    """Krippendorff's alpha with its parts: disagreements, pairable values and units."""

    value: float | None
    observed_disagreement: float | None
    expected_disagreement: float | None
    pairable_values: int
    units: int


@dataclass(frozen=True, slots=True)
class KappaResult:
    """Cohen's kappa with observed and expected agreement and the number of items."""

    value: float | None
    p_o: float | None
    p_e: float | None
    items: int


@dataclass(frozen=True, slots=True)
class FleissResult:
    """Fleiss' kappa with mean observed agreement, chance agreement and per-category kappas."""

    value: float | None
    p_bar: float | None
    p_e: float | None
    per_category: list[float | None]
    subjects: int


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def nominal_alpha(reliability_data: Sequence[Sequence[Hashable | None]]) -> AlphaResult:
    """Nominal alpha of a coders x units matrix; None or NaN marks a missing value."""
    codes: dict[Hashable, int] = {}
    rows = [list(row) for row in reliability_data]
    n_units = len(rows[0]) if rows else 0
    if any(len(row) != n_units for row in rows):
        raise ValueError("every coder needs one value (or a missing marker) per unit")
    unit_idx: list[int] = []
    value_idx: list[int] = []
    for row in rows:
        for u, value in enumerate(row):
            if _is_missing(value):
                continue
            unit_idx.append(u)
            value_idx.append(codes.setdefault(value, len(codes)))
    n_values = max(len(codes), 1)
    counts = np.bincount(
        np.asarray(unit_idx, dtype=np.int64) * n_values + np.asarray(value_idx, dtype=np.int64),
        minlength=n_units * n_values,
    ).reshape(n_units, n_values)
    return alpha_from_value_counts(counts)


def alpha_from_value_counts(counts: np.ndarray) -> AlphaResult:
    """Nominal alpha from a units x values table of how many coders gave each value to each unit."""
    counts = np.asarray(counts, dtype=np.float64)
    m = counts.sum(axis=1)
    pairable = counts[m >= 2]
    m = m[m >= 2]
    if len(m) == 0:
        return AlphaResult(None, None, None, 0, 0)
    # Coincidences: each unit contributes its ordered value pairs, weighted 1 / (m_u - 1).
    weighted = pairable / (m - 1)[:, None]
    coincidence = weighted.T @ pairable - np.diag(weighted.sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = float(n_c.sum())
    disagreement = n - float(np.trace(coincidence))
    expected = n * n - float(np.dot(n_c, n_c))
    observed_d = disagreement / n
    if expected <= 0:
        return AlphaResult(None, observed_d, 0.0, int(round(n)), len(m))
    expected_d = expected / (n * (n - 1))
    return AlphaResult(
        1.0 - (n - 1) * disagreement / expected, observed_d, expected_d, int(round(n)), len(m)
    )


def cohen_kappa(labels_a: Sequence[Hashable], labels_b: Sequence[Hashable]) -> KappaResult:
    """Cohen's kappa of two coders' label vectors over the same items."""
    if len(labels_a) != len(labels_b):
        raise ValueError("both coders need a label for every item")
    codes: dict[Hashable, int] = {}
    a = [codes.setdefault(x, len(codes)) for x in labels_a]
    b = [codes.setdefault(x, len(codes)) for x in labels_b]
    k = max(len(codes), 1)
    table = np.bincount(
        np.asarray(a, dtype=np.int64) * k + np.asarray(b, dtype=np.int64), minlength=k * k
    )
    return cohen_kappa_from_table(table.reshape(k, k))


def cohen_kappa_from_table(table: Sequence[Sequence[float]] | np.ndarray) -> KappaResult:
    """Cohen's kappa of a square contingency table (rows: coder A's labels, columns: coder B's)."""
    t = np.asarray(table)
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise ValueError("a contingency table is square")
    if np.issubdtype(t.dtype, np.integer):
        # Integer arithmetic keeps numerator and denominator exact; only the last division rounds.
        rows = [int(x) for x in t.sum(axis=1)]
        cols = [int(x) for x in t.sum(axis=0)]
        n = sum(rows)
        agree = int(np.trace(t))
    else:
        rows = [float(x) for x in t.sum(axis=1)]
        cols = [float(x) for x in t.sum(axis=0)]
        n = sum(rows)
        agree = float(np.trace(t))
    if n == 0:
        return KappaResult(None, None, None, 0)
    chance = sum(r * c for r, c in zip(rows, cols, strict=True))
    p_o = agree / n
    p_e = chance / (n * n)
    denominator = n * n - chance
    value = None if denominator == 0 else (n * agree - chance) / denominator
    return KappaResult(value, p_o, p_e, int(n))


def fleiss_kappa_from_counts(table: Sequence[Sequence[int]] | np.ndarray) -> FleissResult:
    """Fleiss' kappa of a subjects x categories table of rater counts (same raters per subject)."""
    t = np.asarray(table, dtype=np.float64)
    subjects = t.shape[0]
    if subjects == 0:
        return FleissResult(None, None, None, [None] * t.shape[1], 0)
    raters = t.sum(axis=1)
    if not np.all(raters == raters[0]):
        raise ValueError("Fleiss' kappa needs the same number of ratings for every subject")
    r = float(raters[0])
    categories = t.shape[1]
    if r < 2:
        return FleissResult(None, None, None, [None] * categories, subjects)
    p_j = t.sum(axis=0) / (subjects * r)
    p_i = ((t * t).sum(axis=1) - r) / (r * (r - 1))
    p_bar = float(p_i.mean())
    p_e = float(np.dot(p_j, p_j))
    value = None if p_e >= 1.0 else (p_bar - p_e) / (1.0 - p_e)
    per_category: list[float | None] = []
    for j in range(categories):
        spread = p_j[j] * (1.0 - p_j[j])
        if spread <= 0:
            per_category.append(None)
            continue
        disagreement = float((t[:, j] * (r - t[:, j])).sum())
        per_category.append(1.0 - disagreement / (subjects * r * (r - 1) * spread))
    return FleissResult(value, p_bar, p_e, per_category, subjects)


def binary_alpha(disagreement: np.ndarray, ones: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Nominal alpha of 0/1 units from o_01 (one off-diagonal cell), n_1 and n; NaN: undefined."""
    disagreement = np.asarray(disagreement, dtype=np.float64)
    ones = np.asarray(ones, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    spread = ones * (values - ones)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (values - 1.0) * disagreement / spread
    return np.where(spread > 0, alpha, np.nan)


def binary_cohen(both: int, ones_a: int, ones_b: int, items: int) -> float | None:
    """Cohen's kappa of two 0/1 vectors from n_11, the ones of each coder and the item count."""
    both, ones_a, ones_b, items = int(both), int(ones_a), int(ones_b), int(items)
    agree = items - ones_a - ones_b + 2 * both
    chance = ones_a * ones_b + (items - ones_a) * (items - ones_b)
    denominator = items * items - chance
    if items == 0 or denominator == 0:
        return None
    return (items * agree - chance) / denominator


def binary_fleiss(sum_k: int, sum_k2: int, subjects: int, raters: int) -> float | None:
    """Fleiss' kappa of 0/1 ratings from the sums of k and k^2 (k = raters saying 1 per subject)."""
    sum_k, sum_k2, subjects, raters = int(sum_k), int(sum_k2), int(subjects), int(raters)
    if subjects == 0 or raters < 2:
        return None
    total = subjects * raters
    if sum_k == 0 or sum_k == total:
        return None
    # sum_i [(r - k_i)^2 + k_i^2 - r] over subjects, exact in integers.
    pair_agreement = subjects * raters * raters - 2 * raters * sum_k + 2 * sum_k2 - total
    ones, zeros = sum_k, total - sum_k
    # kappa = (P_bar - P_e) / (1 - P_e) with both over the common denominator total^2 (r - 1).
    numerator = pair_agreement * total - (ones * ones + zeros * zeros) * (raters - 1)
    return numerator / (2 * ones * zeros * (raters - 1))


def binary_fleiss_varying(
    sum_k: np.ndarray, sum_k2: np.ndarray, subjects: np.ndarray, raters: np.ndarray
) -> float | None:
    """Fleiss' kappa of 0/1 ratings over groups of subjects with r_g raters each (rows: groups;
    per group the sums of k and k^2 over its subjects). P_bar is the mean over subjects of each
    subject's pair agreement, p_1 the share of 1s over all ratings; with one rater count this is
    `binary_fleiss` exactly."""
    sum_k = np.asarray(sum_k, dtype=np.int64)
    sum_k2 = np.asarray(sum_k2, dtype=np.int64)
    subjects = np.asarray(subjects, dtype=np.int64)
    raters = np.asarray(raters, dtype=np.int64)
    keep = (subjects > 0) & (raters >= 2)
    sum_k, sum_k2, subjects, raters = sum_k[keep], sum_k2[keep], subjects[keep], raters[keep]
    n_subjects = int(subjects.sum())
    if n_subjects == 0:
        return None
    if len(set(raters.tolist())) == 1:
        return binary_fleiss(sum_k.sum(), sum_k2.sum(), n_subjects, int(raters[0]))
    total = int((subjects * raters).sum())
    ones = int(sum_k.sum())
    if ones == 0 or ones == total:
        return None
    # Per group: sum over subjects of [(r - k)^2 + k^2 - r] / (r (r - 1)).
    agreement = subjects * raters * raters - 2 * raters * sum_k + 2 * sum_k2 - subjects * raters
    p_bar = float(np.sum(agreement / (raters * (raters - 1)))) / n_subjects
    p1 = ones / total
    p_e = p1 * p1 + (1 - p1) * (1 - p1)
    return (p_bar - p_e) / (1 - p_e)
