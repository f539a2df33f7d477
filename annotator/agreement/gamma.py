"""gamma's expected disorder by Monte-Carlo sampling, the gamma estimate and its report block.

Two samplers, both from pygamma-agreement 0.5.9: `shuffle` is Mathet et al.'s (2015, section
5.2; pygamma's ShuffleContinuumSampler with integer pivots): each sampled annotator is a randomly
drawn real annotator whose units are shifted circularly by a random pivot, pivots kept at least
half a mean unit length apart. `statistical` (pygamma's default StatisticalContinuumSampler)
draws unit counts, gaps, lengths and categories from normal fits to the observed ones. The
sampler, the number of samples and the seed are parameters and are reported with the value.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, replace
from typing import Literal

import numpy as np

from annotator.agreement.alpha_u import Unit, document_length, merge_overlapping
from annotator.agreement.gamma_alignment import (
    Dissimilarity,
    GammaBudget,
    GammaTooLarge,
    Units,
    best_alignment,
    combine_cat_parts,
    gamma_cat_parts,
)
from annotator.core.records import AgreementDocument

Sampler = Literal["shuffle", "statistical"]
DEFAULT_SEED = 4772  # the seed of pygamma-agreement's own tests
DEFAULT_DISSIMILARITY = Dissimilarity()  # alpha = beta = delta_empty = 1
# The report's sampling: at least 30 samples, then more until the standard error of gamma is
# under 0.01, at most 300.
MIN_SAMPLES = 30
MAX_SAMPLES = 300
TARGET_STANDARD_ERROR = 0.01
OK = "ok"
TOO_LARGE = "too_large"
# below this many seconds for the observed alignment the samples are aligned here, not forked
_PARALLEL_FROM_SECONDS = 0.02


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
    # standard error of gamma from the spread of the sampled disorders (delta method)
    standard_error: float | None = None
    documents: int = 1
    status: str = OK  # or TOO_LARGE: no exact alignment within the budget, see `reason`
    reason: str | None = None


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


@dataclass(frozen=True, slots=True)
class DocumentContinuum:
    """One document's units and the annotators who finished it, on [begin, end)."""

    units: Sequence[Unit]
    annotators: Sequence[str]
    begin: float
    end: float


@dataclass(frozen=True, slots=True)
class _Batch:
    """The documents with one annotator count as one Units (groups = document), plus what the
    per-document shuffle needs: units ordered by (document, owner) and each document's extent."""

    units: Units
    order: np.ndarray  # unit indices sorted by (document, owner, start)
    offsets: np.ndarray  # order[offsets[g * n + a] : offsets[g * n + a + 1]]: document g, owner a
    begins: np.ndarray
    ends: np.ndarray
    gaps: np.ndarray  # half the mean unit length per document: pivots stay this far apart

    @property
    def weight(self) -> float:
        """Mean units per annotator, summed over the documents: the disorder's denominator."""
        return len(self.units.starts) / self.units.n_annotators


def _batches(documents: Sequence[DocumentContinuum], categories: Sequence[str]) -> list[_Batch]:
    code = {c: i for i, c in enumerate(categories)}
    by_n: dict[int, list[DocumentContinuum]] = {}
    for doc in documents:
        if len(doc.annotators) >= 2 and doc.units:
            by_n.setdefault(len(doc.annotators), []).append(doc)
    batches = []
    for n, docs in sorted(by_n.items()):
        rows = []
        for g, doc in enumerate(docs):
            index = {a: i for i, a in enumerate(doc.annotators)}
            rows += sorted(
                {(g, index[u.annotator], u.start, u.end, code[u.category]) for u in doc.units}
            )
        arr = np.array(rows, dtype=np.float64).reshape(-1, 5)
        groups, owners = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64)
        by_owner = np.lexsort((arr[:, 2], owners))  # the aligner wants (owner, start) order
        units = Units(
            arr[by_owner, 2],
            arr[by_owner, 3],
            arr[by_owner, 4].astype(np.int64),
            owners[by_owner],
            n,
            groups[by_owner],
        )
        order = np.lexsort((units.starts, units.owners, units.groups))
        keys = units.groups[order] * n + units.owners[order]
        offsets = np.searchsorted(keys, np.arange(len(docs) * n + 1))
        lengths = np.bincount(units.groups, units.ends - units.starts, minlength=len(docs))
        counts = np.bincount(units.groups, minlength=len(docs))
        batches.append(
            _Batch(
                units,
                order,
                offsets,
                np.array([d.begin for d in docs], dtype=np.float64),
                np.array([d.end for d in docs], dtype=np.float64),
                lengths / np.maximum(counts, 1) / 2,
            )
        )
    return batches


def batch_shuffle_sample(batch: _Batch, rng: np.random.Generator) -> Units:
    """Mathet's shuffle inside every document at once: each of a document's n sampled annotators
    copies one of its real annotators, shifted circularly within that document by an integer
    pivot; the pivots of a document lie at least half its mean unit length apart (spaced by
    drawing sorted uniform gaps). Units never move to another document."""
    n = batch.units.n_annotators
    g_count = len(batch.begins)
    length = batch.ends - batch.begins
    while True:
        chosen = rng.integers(n, size=(g_count, n))
        room = length - 2 * batch.gaps * n
        spaced = np.sort(rng.uniform(0, 1, size=(g_count, n)), axis=1) * np.maximum(room, 0)[
            :, None
        ] + 2 * batch.gaps[:, None] * np.arange(n)
        plain = rng.uniform(0, 1, size=(g_count, n)) * length[:, None]
        pivots = np.floor(np.where((room > 0)[:, None], rng.permuted(spaced, axis=1), plain))
        cell = np.arange(g_count)[:, None] * n + chosen  # (document, copied annotator)
        lo = batch.offsets[cell.ravel()]
        counts = batch.offsets[cell.ravel() + 1] - lo
        if counts.sum() == 0:
            continue
        first = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        src = batch.order[first + np.arange(counts.sum())]
        slot = np.repeat(np.arange(g_count * n), counts)
        doc, owner = slot // n, slot % n
        shift = pivots.ravel()[slot]
        starts = batch.units.starts[src] + shift
        ends = batch.units.ends[src] + shift
        wrap = np.where(starts > batch.ends[doc], length[doc], 0.0)
        starts, ends = starts - wrap, ends - wrap
        by_owner = np.lexsort((starts, owner))
        return Units(
            starts[by_owner],
            ends[by_owner],
            batch.units.cats[src][by_owner],
            owner[by_owner],
            n,
            doc[by_owner],
        )


def _batch_statistical_sample(batch: _Batch, rng: np.random.Generator) -> Units:
    # pygamma's statistical sampler fitted and drawn per document, placed at the document start
    n = batch.units.n_annotators
    u = batch.units
    parts = []
    for g in range(len(batch.begins)):
        mine = u.groups == g
        local = Units(u.starts[mine] - batch.begins[g], u.ends[mine] - batch.begins[g],
                      u.cats[mine], u.owners[mine], n)  # fmt: skip
        drawn = statistical_sample(local, rng)
        parts.append((drawn.starts + batch.begins[g], drawn.ends + batch.begins[g], drawn.cats,
                      drawn.owners, np.full(len(drawn.starts), g)))  # fmt: skip
    starts, ends, cats, owners, groups = (np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.lexsort((starts, owners))
    return Units(starts[order], ends[order], cats[order].astype(np.int64),
                 owners[order].astype(np.int64), n, groups[order].astype(np.int64))  # fmt: skip


def _ratio(observed: float, expected: float) -> float | None:
    if observed == 0:
        return 1.0
    return None if expected <= 0 else 1.0 - observed / expected


def _aligned(
    continua: Sequence[Units], diss: Dissimilarity, codes: list, budget, deadline
) -> tuple[float, list[float]]:
    """Disorder of several continua aligned alone (summed unitary disorders over summed mean
    units per annotator) and their categorical disorders for every code."""
    unitary = weight = 0.0
    cat_parts: list[list] = [[] for _ in codes]
    for units in continua:
        alignment = best_alignment(units, diss, budget=budget, deadline=deadline)
        if alignment is None:
            continue
        unitary += float(alignment.unitary_disorders.sum())
        weight += len(units.starts) / units.n_annotators
        for parts, k in zip(cat_parts, codes, strict=True):
            parts.append(gamma_cat_parts(units, alignment, diss, k))
    disorder = unitary / weight if weight else 0.0
    return disorder, [combine_cat_parts(p) for p in cat_parts]


def available_cores() -> int:
    """The cores this process may run on (for `workers`)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_WORKER_ARGS: tuple = ()


def _outcome(drawn: list[Units], args: tuple) -> tuple[float, list[float]] | str:
    # (disorder, categorical disorders), or the message of GammaTooLarge
    try:
        return _aligned(drawn, *args)
    except GammaTooLarge as exc:
        return str(exc)


def _align_in_worker(drawn: list[Units]) -> tuple[float, list[float]] | str:
    return _outcome(drawn, _WORKER_ARGS)


class _SampleAligner:
    """Aligns sampled continua in order, here or in `workers` forked processes.

    Forked (not spawned) so the workers start in milliseconds with everything imported; only
    callers that run single-threaded (the CLI, the dashboard's job process) ask for workers: a
    request thread keeps workers = 1. An outcome is (disorder, categorical disorders) or the
    message of GammaTooLarge. A process pool from concurrent.futures, not multiprocessing.Pool:
    a worker killed from outside (the kernel's OOM killer) breaks the pool with an error
    instead of leaving the caller waiting forever.
    """

    def __init__(self, workers: int, args: tuple) -> None:
        self.workers = workers
        self.args = args
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _SampleAligner:
        global _WORKER_ARGS
        if self.workers > 1:
            _WORKER_ARGS = self.args  # inherited by the forked workers
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork")
            )
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def align(self, continua: list[list[Units]]):
        """Outcomes in the order of `continua`."""
        if self.pool is None:
            for drawn in continua:
                yield _outcome(drawn, self.args)
            return
        try:
            yield from self.pool.map(_align_in_worker, continua)
        except BrokenProcessPool:
            yield "a worker process aligning the samples died (out of memory?)"


def _gamma_standard_error(observed: float, chance: list[float]) -> float | None:
    # gamma = 1 - D_o / mean(D_e): its standard error from that of the mean (delta method)
    if len(chance) < 2:
        return None
    expected = float(np.mean(chance))
    if observed == 0:
        return 0.0
    if expected <= 0:
        return None
    return observed * float(np.std(chance, ddof=1)) / float(np.sqrt(len(chance))) / expected**2


def gamma_of_documents(
    documents: Sequence[DocumentContinuum],
    *,
    dissimilarity: Dissimilarity = DEFAULT_DISSIMILARITY,
    samples: int = 30,
    max_samples: int | None = None,
    standard_error: float = TARGET_STANDARD_ERROR,
    seed: int = DEFAULT_SEED,
    sampler: Sampler = "shuffle",
    budget: GammaBudget | None = None,
    single: Units | None = None,
    single_bounds: tuple[float, float] = (0.0, 0.0),
    workers: int = 1,
) -> GammaResult:
    """gamma over documents aligned and sampled each alone, each with its own annotators.

    Observed and expected disorders are summed unitary disorders over the summed mean number of
    units per annotator of the documents (for one document, Mathet's definition). The expected
    disorder takes `samples` Monte-Carlo samples, then more until the standard error of gamma
    is at most `standard_error`, up to `max_samples` (None: exactly `samples`). Past the
    budget the result has status "too_large" with the figures computed until then. With
    `workers` > 1 the samples are aligned in that many forked processes (same figures).
    """
    budget = budget or GammaBudget()
    deadline = time.monotonic() + budget.seconds
    categories = sorted({u.category for doc in documents for u in doc.units})
    codes = [None, *range(len(categories))]  # None: gamma-cat; a code: gamma-k of that category
    batches = [] if single is not None else _batches(documents, categories)
    used = [d for d in documents if len(d.annotators) >= 2 and d.units]
    names = {a for d in used for a in d.annotators}
    n_units = (
        len(single.starts) if single is not None else sum(len(b.units.starts) for b in batches)
    )
    cap = samples if max_samples is None else max(samples, max_samples)
    result = GammaResult(
        gamma=None,
        gamma_cat=None,
        gamma_k={c: None for c in categories},
        observed_disorder=None,
        expected_disorder=None,
        expected_disorder_sd=None,
        samples=samples,
        seed=seed,
        sampler=sampler,
        units=n_units,
        annotators=single.n_annotators if single is not None else len(names),
        documents=1 if single is not None else len(used),
    )
    observed_units = [single] if single is not None else [b.units for b in batches]
    n_annotators = single.n_annotators if single is not None else 2
    if not observed_units or n_annotators < 2 or n_units == 0 or samples < 1:
        return result
    started = time.perf_counter()
    try:
        observed, observed_cat = _aligned(observed_units, dissimilarity, codes, budget, deadline)
    except GammaTooLarge as exc:
        return replace(result, status=TOO_LARGE, reason=f"too large for an exact alignment: {exc}")
    if time.perf_counter() - started < _PARALLEL_FROM_SECONDS:
        workers = 1  # a sample costs about what the observed alignment did: not worth a fork
    result = replace(result, observed_disorder=observed)
    rng = np.random.default_rng(seed)
    chance: list[float] = []
    chance_cat: list[list[float]] = []
    reason = None

    def draw() -> list[Units]:
        if single is not None:
            lo, hi = single_bounds
            if sampler == "shuffle":
                return [shuffle_sample(single, lo, hi, rng)]
            return [statistical_sample(single, rng)]
        return [
            batch_shuffle_sample(b, rng)
            if sampler == "shuffle"
            else _batch_statistical_sample(b, rng)
            for b in batches
        ]

    with _SampleAligner(workers, (dissimilarity, codes, budget, deadline)) as aligner:
        stop = False
        while not stop and len(chance) < cap:
            # samples are drawn in order from one generator and aligned a round at a time (in
            # parallel with workers > 1); the stopping rule then runs sample by sample, so the
            # figures do not depend on the number of workers
            wanted = max(samples - len(chance), 1 if workers <= 1 else 2 * workers)
            wanted = min(wanted, cap - len(chance))
            for outcome in aligner.align([draw() for _ in range(wanted)]):
                if isinstance(outcome, str):
                    if len(chance) < samples:
                        return replace(
                            result,
                            samples=len(chance),
                            expected_disorder=float(np.mean(chance)) if chance else None,
                            status=TOO_LARGE,
                            reason=f"too large for an exact alignment of the samples: {outcome}",
                        )
                    reason = f"stopped after {len(chance)} samples: {outcome}"
                    stop = True
                    break
                chance.append(outcome[0])
                chance_cat.append(outcome[1])
                se = _gamma_standard_error(observed, chance)
                if len(chance) >= samples and se is not None and se <= standard_error:
                    stop = True
                    break
    expected = float(np.mean(chance))
    expected_cat = np.mean(np.array(chance_cat), axis=0)
    cat_values = [_ratio(o, float(e)) for o, e in zip(observed_cat, expected_cat, strict=True)]
    return replace(
        result,
        gamma=_ratio(observed, expected),
        gamma_cat=cat_values[0],
        gamma_k=dict(zip(categories, cat_values[1:], strict=True)),
        expected_disorder=expected,
        expected_disorder_sd=float(np.std(chance)),
        samples=len(chance),
        standard_error=_gamma_standard_error(observed, chance),
        reason=reason,
    )


def gamma(
    units: Sequence[Unit],
    annotators: Sequence[str],
    *,
    begin: float | None = None,
    end: float | None = None,
    dissimilarity: Dissimilarity = DEFAULT_DISSIMILARITY,
    samples: int = 30,
    max_samples: int | None = None,
    standard_error: float = TARGET_STANDARD_ERROR,
    seed: int = DEFAULT_SEED,
    sampler: Sampler = "shuffle",
    boundaries: Sequence[float] = (),
    budget: GammaBudget | None = None,
    workers: int = 1,
) -> GammaResult:
    """gamma and gamma-cat of a continuum; bounds default to [min(0, starts), max(ends)].

    `boundaries` (ascending document starts on a corpus continuum) make each document its own
    continuum, aligned and sampled alone: a unit at the end of one document and one at the
    start of the next are not the same unit, however close the concatenation puts them. All
    annotators count on every document. See gamma_of_documents for the sampling parameters.
    """
    options = dict(
        dissimilarity=dissimilarity,
        samples=samples,
        max_samples=max_samples,
        standard_error=standard_error,
        seed=seed,
        sampler=sampler,
        budget=budget,
        workers=workers,
    )
    if len(boundaries) > 1:
        cuts = np.asarray(boundaries, dtype=np.float64)
        last = end if end is not None else max([u.end for u in units], default=cuts[-1])
        edges = [*cuts.tolist(), max(float(last), float(cuts[-1]))]
        docs: list[list[Unit]] = [[] for _ in cuts]
        wanted = set(annotators)
        kept = [u for u in units if u.annotator in wanted]
        starts = np.fromiter((u.start for u in kept), dtype=np.float64, count=len(kept))
        where = np.maximum(np.searchsorted(cuts, starts, "right") - 1, 0)
        for u, d in zip(kept, where.tolist(), strict=True):
            docs[d].append(u)
        documents = [
            DocumentContinuum(d, annotators, edges[i], edges[i + 1]) for i, d in enumerate(docs)
        ]
        result = gamma_of_documents(documents, **options)
        return replace(result, annotators=len(annotators))
    categories = sorted({u.category for u in units})
    arrays = Units.from_units(units, annotators, categories)
    lo = hi = 0.0
    if len(arrays.starts):
        lo = min(0.0, float(arrays.starts.min())) if begin is None else begin
        hi = float(arrays.ends.max()) if end is None else end
    whole = [DocumentContinuum(units, annotators, lo, hi)]
    return gamma_of_documents(whole, single=arrays, single_bounds=(lo, hi), **options)


def document_continua(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    all_annotators: bool = False,
) -> list[DocumentContinuum]:
    """One continuum per document that at least two of `annotators` marked done, with those
    annotators (or, with `all_annotators`, only the documents every one of them finished)."""
    wanted = set(labels) if labels is not None else None
    continua = []
    for document in documents:
        done = [a for a in annotators if a in document.spans]
        if len(done) < 2 or (all_annotators and len(done) < len(annotators)):
            continue
        units = merge_overlapping(
            Unit(a, s.label, s.start, s.end)
            for a in done
            for s in document.spans[a]
            if wanted is None or s.label in wanted
        )
        continua.append(DocumentContinuum(units, done, 0, document_length(document)))
    return continua


def gamma_report(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str],
    *,
    samples: int = MIN_SAMPLES,
    max_samples: int | None = MAX_SAMPLES,
    standard_error: float = TARGET_STANDARD_ERROR,
    seed: int = DEFAULT_SEED,
    sampler: Sampler = "shuffle",
    dissimilarity: Dissimilarity = DEFAULT_DISSIMILARITY,
    all_annotators: bool = False,
    budget: GammaBudget | None = None,
    workers: int = 1,
) -> dict:
    """The `gamma` key of the agreement report: gamma over the corpus, each document alone.

    By default every document that at least two of the annotators marked done counts, with
    the annotators who finished it; `all_annotators` keeps only documents all of them finished
    (the continuum of Mathet's definition). Keys: gamma, gamma_cat, gamma_k,
    observed_disorder, expected_disorder, expected_disorder_sd (spread over the samples),
    standard_error (of gamma), samples, max_samples, target_standard_error, seed, sampler,
    units, documents and annotators (counts of what was used), annotator_names, coverage,
    length, status ("ok" or "too_large") with its reason, and the weights alpha, beta,
    delta_empty.
    """
    continua = document_continua(documents, annotators, labels, all_annotators=all_annotators)
    result = gamma_of_documents(
        continua,
        dissimilarity=dissimilarity,
        samples=samples,
        max_samples=max_samples,
        standard_error=standard_error,
        seed=seed,
        sampler=sampler,
        budget=budget,
        workers=workers,
    )
    report = asdict(result)
    used = [c for c in continua if c.units]
    report["annotator_names"] = [a for a in annotators if any(a in c.annotators for c in used)]
    report["documents"] = len(continua)
    report["coverage"] = "all_annotators" if all_annotators else "done"
    report["max_samples"] = samples if max_samples is None else max(samples, max_samples)
    report["target_standard_error"] = standard_error
    report["length"] = sum(c.end - c.begin for c in continua)
    report.update(asdict(dissimilarity))
    return report
