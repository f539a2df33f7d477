"""Krippendorff's alpha_U for unitized continua and the corpus-as-one-continuum adapter.

alpha_U follows Krippendorff (1995, "On the reliability of unitizing contiguous data") and
Content Analysis (2nd ed., 2004) as DKPro Statistics implements it
(`KrippendorffAlphaUnitizingAgreement`): per category, the observed disagreement sums squared
boundary differences of overlapping units and squared lengths of units that fall in the other
rater's gap; the expected disagreement considers every possible unitization of the continuum.
Over all categories alpha_U = 1 - sum D_o / sum D_e (DKPro's mean over categories, same ratio).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import NamedTuple

import numpy as np

from annotator.agreement.continuum_columns import SpanTable
from annotator.agreement.pair_summary import crowd_mode, summarise_pairs
from annotator.core.records import AgreementDocument


class Unit(NamedTuple):
    """One annotated unit on a continuum: half-open [start, end)."""

    annotator: str
    category: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Continuum:
    """Units of several annotators on [begin, begin + length)."""

    units: list[Unit]
    annotators: tuple[str, ...]
    begin: float
    length: float
    documents: int
    # Start of each document on the continuum, ascending (empty: not a corpus continuum).
    boundaries: tuple[float, ...] = ()


def merge_overlapping(units: Iterable[Unit]) -> list[Unit]:
    """Merge overlapping units of one annotator and one category (DESIGN section 3)."""
    groups: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for unit in units:
        if unit.end > unit.start:
            groups.setdefault((unit.annotator, unit.category), []).append((unit.start, unit.end))
    return _merge_groups(groups)


def _merge_groups(groups: dict[tuple[str, str], list[tuple[float, float]]]) -> list[Unit]:
    """Units from (annotator, category) -> [(start, end)], overlapping stretches merged."""
    make = Unit._make  # the class call costs a keyword-handling wrapper per unit
    merged: list[Unit] = []
    for (annotator, category), spans in groups.items():
        spans.sort()
        start, end = spans[0]
        for s, e in spans[1:]:
            if s < end:  # touching units stay two units, as in the raters' own data
                end = max(end, e)
            else:
                merged.append(make((annotator, category, start, end)))
                start, end = s, e
        merged.append(make((annotator, category, start, end)))
    return merged


def _rater_arrays(
    units: Sequence[Unit], annotators: Sequence[str], category: str
) -> list[tuple[np.ndarray, np.ndarray]]:
    by_rater: dict[str, list[tuple[float, float]]] = {a: [] for a in annotators}
    for unit in units:
        if unit.category == category and unit.annotator in by_rater:
            by_rater[unit.annotator].append((unit.start, unit.end))
    arrays = []
    for annotator in annotators:
        spans = np.array(sorted(by_rater[annotator]), dtype=np.float64).reshape(-1, 2)
        arrays.append((spans[:, 0], spans[:, 1]))
    return arrays


def _pair_observed(s1: np.ndarray, e1: np.ndarray, s2: np.ndarray, e2: np.ndarray) -> float:
    # Units of one rater are sorted and disjoint, so the units of rater 2 that overlap a unit of
    # rater 1 form a contiguous run found by two binary searches (no n1 x n2 matrix).
    lo = np.searchsorted(e2, s1, side="right")
    hi = np.searchsorted(s2, e1, side="left")
    counts = np.maximum(hi - lo, 0)
    i = np.repeat(np.arange(len(s1)), counts)
    first = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    j = first + np.arange(len(i))
    total = float(np.sum((s1[i] - s2[j]) ** 2 + (e1[i] - e2[j]) ** 2))
    # a unit overlapping nothing lies in a gap of the other rater: its squared length counts
    total += float(np.sum(((e1 - s1) ** 2)[counts == 0]))
    hits2 = np.zeros(len(s2), dtype=bool)
    hits2[j] = True
    total += float(np.sum(((e2 - s2) ** 2)[~hits2]))
    return total


def _gaps(starts: np.ndarray, ends: np.ndarray, begin: float, length: float) -> np.ndarray:
    edges_start = np.concatenate(([begin], ends))
    edges_end = np.concatenate((starts, [begin + length]))
    gaps = edges_end - edges_start
    return gaps[gaps > 0]


# Below this many units of a category, plain Python beats numpy's per-call overhead (a crowd's
# thousands of small pairs and documents); above it the vectorised path wins.
_SMALL = 48


def _small_disagreements(
    raters: list[list[tuple[float, float]]], length: float, begin: float
) -> tuple[float, float]:
    """`category_disagreements` in plain Python for few units (same formulas, same order)."""
    r = len(raters)
    total = 0.0
    for a, b in combinations(range(r), 2):
        one, two = raters[a], raters[b]
        hit_two = [False] * len(two)
        for s1, e1 in one:
            hit = False
            for j, (s2, e2) in enumerate(two):
                if e2 > s1 and s2 < e1:
                    total += (s1 - s2) ** 2 + (e1 - e2) ** 2
                    hit = hit_two[j] = True
            if not hit:
                total += (e1 - s1) ** 2
        total += sum((e2 - s2) ** 2 for (s2, e2), h in zip(two, hit_two, strict=True) if not h)
    observed = total * 2.0 / (r * (r - 1) * length * length)
    lengths = [e - s for units in raters for s, e in units]
    if not lengths:
        return observed, 0.0
    gaps = []
    for units in raters:
        edge = begin
        for s, e in units:
            if s - edge > 0:
                gaps.append(s - edge)
            edge = e
        if begin + length - edge > 0:
            gaps.append(begin + length - edge)
    n_c = len(lengths)
    per_unit = 0.0
    for ell in lengths:
        fit = sum(g - ell + 1 for g in gaps if g >= ell)
        per_unit += (n_c - 1) * (2 * ell**3 - 3 * ell**2 + ell) / 3 + ell**2 * fit
    denominator = r * length * (r * length - 1) - sum(ell * (ell - 1) for ell in lengths)
    if denominator <= 0:
        return observed, 0.0
    return observed, per_unit * 2.0 / length / denominator


def category_disagreements(
    units: Sequence[Unit], annotators: Sequence[str], category: str, length: float, begin: float = 0
) -> tuple[float, float]:
    """Observed and expected disagreement (D_o, D_e) of alpha_U for one category."""
    by_rater: dict[str, list[tuple[float, float]]] = {a: [] for a in annotators}
    n_units = 0
    for unit in units:
        if unit.category == category and unit.annotator in by_rater:
            by_rater[unit.annotator].append((unit.start, unit.end))
            n_units += 1
    r = len(annotators)
    if r < 2 or length <= 0 or n_units == 0:
        return 0.0, 0.0  # no unit of this category: nothing observed, nothing expected
    if n_units <= _SMALL:
        return _small_disagreements([sorted(by_rater[a]) for a in annotators], length, begin)
    return _large_disagreements(_rater_arrays(units, annotators, category), length, begin)


def rater_disagreements(
    raters: Sequence[tuple[np.ndarray, np.ndarray]], length: int, begin: int = 0
) -> tuple[float, float]:
    """`category_disagreements` of one category given per rater its merged units as sorted
    integer (starts, ends) arrays: the same path (plain Python for few units), the same D_o
    and D_e."""
    r = len(raters)
    n_units = sum(len(starts) for starts, _ in raters)
    if r < 2 or length <= 0 or n_units == 0:
        return 0.0, 0.0
    if n_units <= _SMALL:
        lists = [list(zip(s.tolist(), e.tolist(), strict=True)) for s, e in raters]
        return _small_disagreements(lists, length, begin)
    arrays = [(s.astype(np.float64), e.astype(np.float64)) for s, e in raters]
    return _large_disagreements(arrays, length, begin)


def _large_disagreements(
    raters: list[tuple[np.ndarray, np.ndarray]], length: float, begin: float
) -> tuple[float, float]:
    """D_o and D_e from per-rater sorted float arrays (the vectorised path)."""
    r = len(raters)
    observed = (
        sum(_pair_observed(*raters[a], *raters[b]) for a, b in combinations(range(r), 2))
        * 2.0
        / (r * (r - 1) * length * length)
    )

    lengths = np.concatenate([e - s for s, e in raters])
    if len(lengths) == 0:
        return observed, 0.0
    gaps = np.sort(np.concatenate([_gaps(s, e, begin, length) for s, e in raters]))
    # sum over gaps g >= l of (g - l + 1), for every unit length l, from suffix sums
    suffix = np.concatenate((np.cumsum(gaps[::-1])[::-1], [0.0]))
    first = np.searchsorted(gaps, lengths, side="left")
    count = len(gaps) - first
    fit = suffix[first] - (lengths - 1) * count
    n_c = len(lengths)
    per_unit = (n_c - 1) * (2 * lengths**3 - 3 * lengths**2 + lengths) / 3 + lengths**2 * fit
    denominator = r * length * (r * length - 1) - float(np.sum(lengths * (lengths - 1)))
    if denominator <= 0:
        return observed, 0.0
    expected = float(np.sum(per_unit)) * 2.0 / length / denominator
    return observed, expected


def alpha_u_by_category(
    units: Iterable[Unit],
    annotators: Sequence[str],
    length: float,
    *,
    begin: float = 0,
    categories: Sequence[str] | None = None,
) -> dict[str, tuple[float, float]]:
    """(D_o, D_e) of alpha_U per category; categories default to those present."""
    merged = merge_overlapping(units)
    if categories is None:
        categories = sorted({u.category for u in merged})
    return {c: category_disagreements(merged, annotators, c, length, begin) for c in categories}


def _ratio(observed: float, expected: float) -> float | None:
    return None if expected <= 0 else 1.0 - observed / expected


def alpha_u(
    units: Iterable[Unit],
    annotators: Sequence[str],
    length: float,
    *,
    begin: float = 0,
    categories: Sequence[str] | None = None,
) -> float | None:
    """Krippendorff's alpha_U over the given categories (None when no unit gives D_e > 0)."""
    parts = alpha_u_by_category(units, annotators, length, begin=begin, categories=categories)
    return _ratio(sum(o for o, _ in parts.values()), sum(e for _, e in parts.values()))


def document_length(document: AgreementDocument) -> int:
    """Extent of a document on the corpus continuum: its last token end or span end."""
    ends = [int(document.tokens[-1][1])] if len(document.tokens) else [0]
    ends += [s.end for spans in document.spans.values() for s in spans]
    return max(ends)


def corpus_continuum(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None = None,
) -> Continuum:
    """Concatenate the documents every annotator marked done into one continuum.

    An annotator who did not finish a document is missing there, not empty (DESIGN section 8);
    unitizing measures cannot hold missing stretches, so only documents done by all the given
    annotators enter. Offsets are shifted by the lengths of the documents before.
    """
    wanted = set(labels) if labels is not None else None
    # Grouped straight into (annotator, label) stretches: one Unit per merged stretch only.
    groups: dict[tuple[str, str], list[tuple[float, float]]] = {}
    offset = 0
    boundaries: list[float] = []
    for document in documents:
        if not annotators or any(a not in document.spans for a in annotators):
            continue
        boundaries.append(offset)
        for annotator in annotators:
            for span in document.spans[annotator]:
                if (wanted is None or span.label in wanted) and span.end > span.start:
                    groups.setdefault((annotator, span.label), []).append(
                        (offset + span.start, offset + span.end)
                    )
        offset += document_length(document)
    return Continuum(
        _merge_groups(groups), tuple(annotators), 0, offset, len(boundaries), tuple(boundaries)
    )


def _label_parts(continuum: Continuum, labels: Sequence[str]) -> dict[str, tuple[float, float]]:
    """(D_o, D_e) per label of one continuum (its units are merged already: no second merge)."""
    return {
        label: category_disagreements(
            continuum.units, continuum.annotators, label, continuum.length, continuum.begin
        )
        for label in labels
    }


def _block(parts: dict[str, tuple[float, float]], counts: dict[str, int]) -> dict:
    observed = sum(o for o, _ in parts.values())
    expected = sum(e for _, e in parts.values())
    return {
        "pooled": {"value": _ratio(observed, expected), "units": sum(counts.values())},
        "by_label": {
            label: {"value": _ratio(*parts[label]), "units": counts[label]} for label in parts
        },
    }


def _unit_counts(continuum: Continuum, labels: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(labels, 0)
    for unit in continuum.units:
        if unit.category in counts:
            counts[unit.category] += 1
    return counts


def coverage_groups(
    documents: Sequence[AgreementDocument], annotators: Sequence[str]
) -> dict[tuple[str, ...], list[AgreementDocument]]:
    """Documents with at least two done annotators, grouped by who finished them."""
    groups: dict[tuple[str, ...], list[AgreementDocument]] = {}
    for document in documents:
        done = tuple(a for a in annotators if a in document.spans)
        if len(done) >= 2:
            groups.setdefault(done, []).append(document)
    return groups


# From this many documents on, a continuum is built from span columns (continuum_columns)
# rather than Unit objects: same figures, without a Python pass over its spans.
_COLUMNS_FROM = 32


class _Continua:
    """alpha_U parts of the continua of one corpus: small ones from Unit objects, large ones
    from the corpus's span columns (built once, when first needed)."""

    def __init__(
        self,
        documents: Sequence[AgreementDocument],
        annotators: Sequence[str],
        labels: Sequence[str],
    ) -> None:
        self.documents, self.annotators, self.labels = documents, list(annotators), labels
        self.index = {name: i for i, name in enumerate(annotators)}
        self._table: SpanTable | None = None

    def parts(
        self, rows: Sequence[int], group: Sequence[str]
    ) -> tuple[dict[str, tuple[float, float]], dict[str, int], int, int]:
        """(D_o, D_e) and units per label, length and documents of the continuum of the
        documents `rows` (in order, every one finished by all of `group`)."""
        if len(rows) < _COLUMNS_FROM:
            continuum = corpus_continuum([self.documents[r] for r in rows], group, self.labels)
            parts = _label_parts(continuum, self.labels)
            return (
                parts,
                _unit_counts(continuum, self.labels),
                continuum.length,
                continuum.documents,
            )
        if self._table is None:
            self._table = SpanTable(self.documents, self.annotators, self.labels)
        columns = self._table.continuum(np.asarray(rows), [self.index[a] for a in group])
        parts = {
            label: rater_disagreements(columns.raters[i], columns.length)
            for i, label in enumerate(self.labels)
        }
        counts = dict(zip(self.labels, columns.counts, strict=True))
        return parts, counts, columns.length, columns.documents

    def block(self, rows: Sequence[int], group: Sequence[str]) -> tuple[dict, int, int]:
        """The pooled and per-label block of one continuum, its length and documents."""
        parts, counts, length, documents = self.parts(rows, group)
        return _block(parts, counts), length, documents


def _done_block(continua: _Continua) -> dict:
    """alpha_U over every document with two or more done annotators, each with its own.

    Documents finished by the same annotators form one continuum; each continuum's D_o and D_e
    (per label) enter weighted by its pairable values, annotators x length, so alpha_U =
    1 - sum w D_o / sum w D_e. With one group (everyone finished everything) the weight cancels
    and this is alpha_U of the one continuum.
    """
    labels = continua.labels
    observed = dict.fromkeys(labels, 0.0)
    expected = dict.fromkeys(labels, 0.0)
    counts = dict.fromkeys(labels, 0)
    n_docs, length, names = 0, 0.0, set()
    groups: dict[tuple[str, ...], list[int]] = {}
    for row, document in enumerate(continua.documents):
        done = tuple(a for a in continua.annotators if a in document.spans)
        if len(done) >= 2:
            groups.setdefault(done, []).append(row)
    for group, rows in groups.items():
        parts, group_counts, group_length, documents = continua.parts(rows, group)
        weight = len(group) * group_length
        for label, (o, e) in parts.items():
            observed[label] += weight * o
            expected[label] += weight * e
        for label, c in group_counts.items():
            counts[label] += c
        n_docs += documents
        length += group_length
        names.update(group)
    block = _block({k: (observed[k], expected[k]) for k in labels}, counts)
    return {"documents": n_docs, "annotators": len(names), "length": length, **block}


def _empty_pair(a: str, b: str, labels: Sequence[str]) -> dict:
    return {"a": a, "b": b, "documents": 0, "pooled": None, "by_label": dict.fromkeys(labels)}


def unitizing_report(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str],
    *,
    all_pairs: bool = False,
) -> dict:
    """The `alpha_u` key of the agreement report (documents concatenated into continua).

    `pooled` and `by_label` use every document that at least two of the annotators marked done,
    each with the annotators who finished it (`coverage: "done"`); `all_annotators` holds the
    same figures over only the documents all of them finished. `pairs` gives alpha_U per
    annotator pair over the documents both marked done (in crowd mode a `pair_summary`
    instead, unless `all_pairs`). `units` counts units (spans after merging overlaps),
    `length` the continuum in characters, `documents`/`annotators` what each figure used.
    """
    report: dict = {"coverage": "done"}
    continua = _Continua(documents, annotators, labels)
    report.update(_done_block(continua))
    everyone = [
        row
        for row, document in enumerate(documents)
        if annotators and all(a in document.spans for a in annotators)
    ]
    block, length, n_docs = continua.block(everyone, annotators)
    report["all_annotators"] = {
        "documents": n_docs,
        "annotators": len(annotators) if n_docs else 0,
        "length": length,
        **block,
    }
    crowd = crowd_mode(len(annotators), all_pairs)
    # Shared documents per pair, from each document's done annotators (a sparse crowd's pairs
    # that share nothing are never visited).
    shared_by_pair: dict[tuple[str, str], list[int]] = {}
    for i, document in enumerate(documents):
        done = [a for a in annotators if a in document.spans]
        for pair in combinations(done, 2):
            shared_by_pair.setdefault(pair, []).append(i)
    wanted = shared_by_pair if crowd else combinations(annotators, 2)
    pairs = []
    for a, b in wanted:
        shared = shared_by_pair.get((a, b))
        if not shared:
            pairs.append(_empty_pair(a, b, labels))
            continue
        block, _, n_docs = continua.block(shared, (a, b))
        pairs.append(
            {
                "a": a,
                "b": b,
                "documents": n_docs,
                "pooled": block["pooled"]["value"],
                "by_label": {k: v["value"] for k, v in block["by_label"].items()},
            }
        )
    if crowd:
        report["pairs"] = []
        report["pair_summary"] = summarise_pairs(
            annotators, pairs, {"alpha_u": lambda p: p["pooled"]}, "alpha_u"
        )
    else:
        report["pairs"] = pairs
    return report
