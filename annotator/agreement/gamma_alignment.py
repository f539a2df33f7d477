"""gamma and gamma-cat of Mathet, Widlöcher and Métivier (2015), exact and fast.

Definitions follow pygamma-agreement 0.5.9 (bootphon), the reference implementation:
combined dissimilarity alpha * d_pos + beta * d_cat with d_pos = ((|s1-s2| + |e1-e2|) /
(l1 + l2))^2 * delta_empty, nominal d_cat = delta_empty * [c1 != c2], and delta_empty against
an empty unit. A unitary alignment takes one unit or the empty unit from each of the n
annotators; its disorder is the mean dissimilarity over its C(n, 2) pairs. The disorder of an
alignment is the sum of its unitary disorders divided by the mean number of units per
annotator; the observed disorder is that of the best (minimal) alignment, solved exactly.

Speed comes from dominance pruning rather than approximation: a unitary alignment of k units
whose summed pair dissimilarities exceed what k lone units would cost, one with a member dearer
than leaving it alone, or one that a split into two makes cheaper can never be optimal; the
bounds are applied while alignments grow annotator by annotator, counting the annotators still
to come (not assuming each adds a unit). Only nearby units are ever compared, the continuum
falls apart into connected components (never across documents), components of up to six
units are solved all at once by trying every partition, and the others in chunks by one LP
relaxation of the set partitioning (integral almost always; milp on the components it leaves
fractional). A GammaBudget bounds memory and time: past it, GammaTooLarge, not a MemoryError.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from annotator.agreement.alpha_u import Unit

EMPTY = -1
# Ties between one unitary alignment and its units left alone are common (a pair exactly as dear
# as two lone units); a tiny charge per unitary alignment breaks them towards fewer, larger
# alignments, the choice pygamma's solver makes, so gamma-cat sees the same alignment.
_TIE = 1e-7


@dataclass(frozen=True, slots=True)
class GammaBudget:
    """Limits of one gamma computation; past any of them the alignment stops with GammaTooLarge.

    Memory is bounded by the largest arrays the solver builds: a component's dense
    dissimilarity matrix ((units + 1)^2 floats, 128 MB at 4,000 units), the candidate pairs of
    the search windows (24 bytes each) and the rows of partial unitary alignments (about
    24 * annotators bytes each, so some 250 MB at 10 annotators and 1,000,000 rows).
    """

    seconds: float = 120.0
    component_units: int = 4_000
    pairs: int = 20_000_000
    candidates: int = 1_000_000


class GammaTooLarge(Exception):
    """The continuum is too large for an exact alignment within the budget (message says why)."""


@dataclass(frozen=True, slots=True)
class Dissimilarity:
    """Weights of the combined positional/categorical dissimilarity (Mathet et al. 2015)."""

    alpha: float = 1.0
    beta: float = 1.0
    delta_empty: float = 1.0


@dataclass(frozen=True, slots=True)
class Units:
    """A continuum as flat arrays: start, end, category code and annotator index per unit."""

    starts: np.ndarray
    ends: np.ndarray
    cats: np.ndarray
    owners: np.ndarray
    n_annotators: int
    # Document index per unit on a corpus continuum: units of different documents never align
    # (None: one document).
    groups: np.ndarray | None = None

    @classmethod
    def from_units(
        cls, units: Sequence[Unit], annotators: Sequence[str], categories: Sequence[str]
    ) -> Units:
        """Arrays of the units whose annotator is listed (categories coded by position)."""
        index = {a: i for i, a in enumerate(annotators)}
        code = {c: i for i, c in enumerate(categories)}
        kept = sorted(
            {
                (index[u.annotator], u.start, u.end, code[u.category])
                for u in units
                if u.annotator in index
            }
        )
        arr = np.array(kept, dtype=np.float64).reshape(-1, 4)
        return cls(
            arr[:, 1],
            arr[:, 2],
            arr[:, 3].astype(np.int64),
            arr[:, 0].astype(np.int64),
            len(annotators),
        )


@dataclass(frozen=True, slots=True)
class Alignment:
    """A best alignment: unitary alignments as rows of unit indices (EMPTY = -1) per annotator."""

    tuples: np.ndarray
    unitary_disorders: np.ndarray
    disorder: float


def pair_dissimilarity(
    s1: np.ndarray,
    e1: np.ndarray,
    c1: np.ndarray,
    s2: np.ndarray,
    e2: np.ndarray,
    c2: np.ndarray,
    diss: Dissimilarity,
) -> tuple[np.ndarray, np.ndarray]:
    """Positional and combined dissimilarity of unit pairs (element-wise, broadcasting)."""
    ratio = (np.abs(s1 - s2) + np.abs(e1 - e2)) / ((e1 - s1) + (e2 - s2))
    positional = ratio * ratio * diss.delta_empty
    categorical = (c1 != c2) * diss.delta_empty
    return positional, diss.alpha * positional + diss.beta * categorical


def _member_limit(k: np.ndarray | int, n: int) -> np.ndarray | int:
    # A unit v of a unitary alignment T of k units may cost at most this much (sum of d(v, w)
    # over the other members, in units of delta_empty): otherwise T without v plus v alone is
    # strictly cheaper, because that swap changes the summed disorder by
    # sum_w d(v, w) - (k - 1) - C(n, 2).
    return n * (n - 1) // 2 + k - 1


def _window_pairs(
    units: Units, ia: np.ndarray, ib: np.ndarray, reach: float, budget: GammaBudget | None = None
) -> tuple[np.ndarray, np.ndarray]:
    # Pairs (u in ia, v in ib) with l_v <= l_u lie within |s_u - s_v| <= 2 * reach * l_u, so each
    # unit searches a window proportional to its own length; the caller runs both directions.
    sb = units.starts[ib]  # sorted: units are sorted by (owner, start)
    window = 2 * reach * (units.ends[ia] - units.starts[ia])
    lo = np.searchsorted(sb, units.starts[ia] - window, side="left")
    hi = np.searchsorted(sb, units.starts[ia] + window, side="right")
    counts = hi - lo
    if budget is not None and counts.sum() > budget.pairs:
        raise GammaTooLarge(
            f"{int(counts.sum()):,} candidate unit pairs exceed the budget of {budget.pairs:,}"
        )
    i = np.repeat(ia, counts)
    j = ib[
        np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        + np.arange(counts.sum())
    ]
    return i, j


def _candidate_edges(
    units: Units, diss: Dissimilarity, budget: GammaBudget | None = None
) -> tuple[np.ndarray, np.ndarray]:
    n = units.n_annotators
    total = len(units.starts)
    limit = _member_limit(n, n) * diss.delta_empty
    # alpha * ratio^2 * delta_empty <= limit bounds |start difference| by reach * (l1 + l2)
    reach = np.sqrt(_member_limit(n, n) / diss.alpha) if diss.alpha > 0 else np.inf
    rows, cols = [], []
    members = [np.flatnonzero(units.owners == a) for a in range(n)]
    for a in range(n):
        for b in range(a + 1, n):
            ia, ib = members[a], members[b]
            if len(ia) == 0 or len(ib) == 0:
                continue
            i1, j1 = _window_pairs(units, ia, ib, reach, budget)
            j2, i2 = _window_pairs(units, ib, ia, reach, budget)
            # each direction finds every pair whose neighbour is no longer than the searcher;
            # keep the two apart (ties to the first) instead of deduplicating, then sort
            lengths = units.ends - units.starts
            one = lengths[j1] <= lengths[i1]
            two = lengths[i2] < lengths[j2]
            keys = np.concatenate((i1[one], i2[two])) * total + np.concatenate((j1[one], j2[two]))
            keys.sort()
            i, j = keys // total, keys % total
            _, d = pair_dissimilarity(
                units.starts[i],
                units.ends[i],
                units.cats[i],
                units.starts[j],
                units.ends[j],
                units.cats[j],
                diss,
            )
            keep = d <= limit * (1 + 1e-9)
            if units.groups is not None:
                keep &= units.groups[i] == units.groups[j]
            rows.append(i[keep])
            cols.append(j[keep])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


_CHUNK_UNITS = 3_000  # components solved together per LP, bounding the arrays of one pass
# A component of this many units is solved alone: its column generation then stops when it
# converges, not when the slowest component of its chunk does, and its LPs stay small (ten
# annotators x 200 units over 10 documents: 5.7 s a sample in one chunk, 4.3 s alone; the
# six-annotator case, about 100 units a document, stays chunked as before).
_ALONE_UNITS = 150


def _chunks(comps: np.ndarray, sizes: np.ndarray) -> list[np.ndarray]:
    """The components `comps` in chunks solved together: the large ones alone, the small ones
    in runs of up to _CHUNK_UNITS units."""
    alone = sizes[comps] >= _ALONE_UNITS
    small = comps[~alone]
    chunk_of = (np.cumsum(sizes[small]) - sizes[small]) // _CHUNK_UNITS
    runs = np.split(small, np.flatnonzero(np.diff(chunk_of)) + 1)
    return list(comps[alone][:, None]) + [r for r in runs if len(r)]


def _neighbours(units: Units, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate edges as lists per (unit, annotator): nbr[ptr[u * n + a] : ptr[u * n + a + 1]]."""
    n = units.n_annotators
    src = np.concatenate((rows, cols))
    dst = np.concatenate((cols, rows))
    key = src * n + units.owners[dst]
    order = np.argsort(key, kind="stable")
    ptr = np.searchsorted(key[order], np.arange(len(units.starts) * n + 1))
    return ptr, dst[order]


def _enumerate_sparse(
    units: Units,
    chosen: np.ndarray,
    ptr: np.ndarray,
    nbr: np.ndarray,
    diss: Dissimilarity,
    limit: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Candidate unitary alignments over the units `chosen` (whole components): rows of unit
    indices (len(units.starts) = empty), summed real-pair dissimilarities, unit counts.

    Grown annotator by annotator from each unit as the row's first real unit (a compiled
    depth-first search, gamma_dp.enumerate_alignments). A partial alignment P of k units with
    r annotators still to come is dropped as soon as no completion can be optimal: a completion
    T has k' <= k + r units, and if a member v costs more than C(n, 2) + k' - 1 against the
    others, T without v plus v alone is strictly cheaper (see _member_limit); member sums only
    grow as units join, so a member of P over C(n, 2) + k + r - 1 already rules out every
    completion. The total likewise must stay within gamma_dp._budget(k + r). A new unit must be a
    candidate neighbour of the row's first unit, so rows only ever meet their neighbours; no
    dense matrix is built. A complete row is dropped when a split into two makes it strictly
    cheaper: splitting T (k units) into T1 and T2 (k1 + k2 = k) changes the summed pair
    costs by C(n, 2) + k1 * k2 - cross(T1, T2) (every pair between the parts becomes two
    empty pairs, and one more all-empty row of C(n, 2) pairs appears); checked for every
    split with a smaller side of up to 3 units. None past `limit` rows (or twenty times as
    many search steps).
    """
    from annotator.agreement.gamma_dp import enumerate_alignments

    parts, sums, ks, ok = enumerate_alignments(
        units.n_annotators,
        units.starts,
        units.ends,
        units.cats,
        units.owners,
        chosen.astype(np.int64, copy=False),
        ptr.astype(np.int64, copy=False),  # the whole continuum's: never copied per chunk
        nbr.astype(np.int64, copy=False),
        float(diss.alpha),
        float(diss.beta),
        float(diss.delta_empty),
        int(limit),
        int(min(limit * _STEPS_PER_CANDIDATE, np.iinfo(np.int64).max)),
    )
    return (parts, sums, ks) if ok else None


_STEPS_PER_CANDIDATE = 20  # partial alignments tried per candidate allowed


def _remaining(deadline: float | None) -> float:
    return np.inf if deadline is None else max(deadline - time.monotonic(), 0.01)


def _unitary_costs(sums: np.ndarray, ks: np.ndarray, n: int, de: float) -> np.ndarray:
    """Unitary disorders of rows with summed real-pair dissimilarities `sums` and `ks` units:
    every pair touching an empty unit costs delta_empty, over C(n, 2) pairs."""
    c2 = n * (n - 1) // 2
    return (sums + (c2 - ks * (ks - 1) // 2) * de) / c2


def _reduced_costs(rows: np.ndarray, costs: np.ndarray, duals: np.ndarray, empty: int):
    """Reduced costs (cost + tie - the duals of their units) of rows of unit indices."""
    members = np.where(rows != empty, duals[np.minimum(rows, empty - 1)], 0.0)
    return costs + _TIE - members.sum(axis=1)


def _solve_chunk(
    units: Units,
    chosen: np.ndarray,
    labels: np.ndarray,
    ptr: np.ndarray,
    nbr: np.ndarray,
    diss: Dissimilarity,
    budget: GammaBudget | None,
    deadline: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best alignments of the components made of the units `chosen`: the exact dynamic
    program where its states stay few, one LP (and milp) for the components it leaves."""
    n = units.n_annotators
    empty = len(units.starts)
    de = diss.delta_empty
    limit = budget.candidates if budget is not None else np.iinfo(np.int64).max
    if n >= _PRICED_FROM_ANNOTATORS:
        return _solve_by_pricing(units, chosen, labels, ptr, nbr, diss, budget, deadline)
    enumerated = _enumerate_sparse(units, chosen, ptr, nbr, diss, min(limit, _ENUMERATED_ROWS))
    if enumerated is None:  # too many to list: generate the columns the LP asks for
        return _solve_by_pricing(units, chosen, labels, ptr, nbr, diss, budget, deadline)
    parts, sums, ks = enumerated
    costs = _unitary_costs(sums, ks, n, de)
    picked = np.zeros(len(parts), dtype=bool)
    by_dp = _solve_by_dp(units, chosen, labels, parts, costs + _TIE)
    left = np.ones(len(parts), dtype=bool)
    if by_dp is not None:
        done_cols, picked_dp = by_dp
        picked |= picked_dp & done_cols
        left = ~done_cols
    if left.any():
        idx = np.flatnonzero(left)
        picked[idx[_solve_by_lp(units, parts[idx], costs[idx], labels, deadline)]] = True
    chosen_parts = parts[picked]
    return np.where(chosen_parts == empty, EMPTY, chosen_parts), costs[picked]


# From this many annotators the columns are always generated: the candidates of a cluster
# grow as 2^annotators, and on eight to ten annotators x 5-7 units listing them took 0.05-20 s
# where generating took 0.03-0.33 s (six annotators: about even)
_PRICED_FROM_ANNOTATORS = 8
# columns priced per anchor and round (CPU on nine ten-annotator continua of 200 units: 2 per
# anchor 7.8 s, 5 6.4 s, 10 2.6-3.2 s, 20 3.3 s)
_PER_ANCHOR = 10
_SMOOTHING = 0.5  # weight of the best-bound duals in the priced mix (Wentges)
# The flat dual of a first pricing, as a share of a lone unit's cost, and the components that
# get it. CPU a sample, ten annotators x 200 units each (components of about 200 units): 1.19 s
# without it, 1.00 s at 0.2 and 0.25, 1.06 s at 0.35 (the LP's value at the end is about 0.19 of
# the lone units' costs); the 200 units in all: 0.10 s, 0.07 s at 0.25. On one component of
# 2,003 units it made the fractional LP's gap larger (0.15-0.61 against 0.02-0.16), and five
# samples took 4.30 s each with it against 2.96 s without: such components start from the units
# alone.
_SEED_SHARE = 0.25
_SEEDED_UNITS = 1_000
_ENUMERATED_ROWS = 20_000  # candidate rows listed per chunk before column generation takes over


def _solve_by_pricing(
    units: Units,
    chosen: np.ndarray,
    labels: np.ndarray,
    ptr: np.ndarray,
    nbr: np.ndarray,
    diss: Dissimilarity,
    budget: GammaBudget | None,
    deadline: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best alignments of the components made of the units `chosen`, by column generation.

    Where the candidate unitary alignments are too many to list (every subset of a cluster of
    ten units that agree is one), the LP relaxation of the set partitioning starts from the
    units alone and grows: the compiled search (gamma_dp.price_alignments) adds, per anchor
    unit, the _PER_ANCHOR candidates of least negative reduced cost, priced at a smoothed mix
    of the LP's duals (see below), until the Lagrangian bound meets the LP value; the LP is
    then optimal over all candidates, and an integral optimum is a best alignment. Where it is
    fractional, _exact_where_fractional finishes exactly: a feasible solution bounds the gap,
    and only candidates whose reduced cost is within it can be in a best alignment; they are
    listed (price_alignments again, with the gap as threshold) and solved by milp.
    """
    from annotator.agreement.gamma_dp import price_alignments

    n = units.n_annotators
    empty = len(units.starts)
    de = diss.delta_empty
    limit = budget.candidates if budget is not None else np.iinfo(np.int64).max
    steps = int(min(limit * _STEPS_PER_CANDIDATE, np.iinfo(np.int64).max))
    row_of = np.full(empty + 1, -1)
    row_of[chosen] = np.arange(len(chosen))
    parts = np.full((len(chosen), n), empty, dtype=np.int64)
    parts[np.arange(len(chosen)), units.owners[chosen]] = chosen
    sums = np.zeros(len(chosen))
    ks = np.ones(len(chosen), dtype=np.int64)
    duals = np.zeros(empty)
    thresholds = np.full(empty, -1e-9)
    args = (n, units.starts, units.ends, units.cats, units.owners, chosen.astype(np.int64),
            ptr.astype(np.int64, copy=False), nbr.astype(np.int64, copy=False),
            float(diss.alpha), float(diss.beta), float(de), _TIE)  # fmt: skip

    if len(chosen) <= _SEEDED_UNITS:
        # The first columns besides the units alone: those priced at one flat dual, a share of
        # a lone unit's cost, for every unit. Priced at the first LP's duals (the lone units'
        # costs), the search favours the largest clusters, most of which no best alignment uses.
        flat = np.zeros(empty)
        lone = _unitary_costs(np.zeros(1), np.ones(1, dtype=np.int64), n, de)[0]
        flat[chosen] = _SEED_SHARE * lone
        seeds, seed_sums, seed_ks, _, ok = price_alignments(
            *args, flat, thresholds, _PER_ANCHOR, _PER_ANCHOR * len(chosen) + 1, steps
        )
        if ok:  # else the search below meets the step budget and says so
            grouped = seed_ks > 1  # the units alone are in already
            parts = np.concatenate((parts, seeds[grouped]))
            sums = np.concatenate((sums, seed_sums[grouped]))
            ks = np.concatenate((ks, seed_ks[grouped]))
    master = _MasterLP(len(chosen), deadline)
    costs = _unitary_costs(sums, ks, n, de)
    master.add(row_of[parts], costs + _TIE)
    # Wentges smoothing against the tailing off of plain column generation (hundreds of
    # degenerate rounds at the same LP value): price at a mix of the LP's duals and the duals
    # of the best Lagrangian bound so far, sum of duals + sum over anchors of their least
    # negative reduced cost (a partition uses at most one column per anchor, so every
    # alignment costs at least that).
    center = np.zeros(empty)
    center_rc = np.zeros(empty)  # least reduced cost per anchor (<= 0) at the center's duals
    # HiGHS holds reduced costs to a tolerance of 1e-7, so a column already in the LP may price
    # slightly negative again: only columns not yet in it count as new
    present = {row.tobytes() for row in parts}
    center_bound = -np.inf
    last_value = np.inf
    while True:
        value, x, lp_duals = master.solve()
        duals[chosen] = lp_duals
        # once the LP value stalls, price at its own duals: the smoothed ones close the gap to
        # the bound only by halves (five more rounds of fourteen on ten-annotator samples),
        # while the LP's prove it optimal at once where no column of negative reduced cost
        # is left
        stalled = value >= last_value - 1e-9 * (1 + abs(value))
        last_value = value
        weight = _SMOOTHING if np.isfinite(center_bound) and not stalled else 0.0
        while True:
            mixed = weight * center + (1 - weight) * duals
            new, new_sums, new_ks, new_rc, ok = price_alignments(
                *args, mixed, thresholds, _PER_ANCHOR, _PER_ANCHOR * len(chosen) + 1, steps
            )
            if not ok:
                raise GammaTooLarge(
                    "the search for unitary alignments of negative reduced cost took over"
                    f" {steps:,} steps (twenty per candidate of the budget of {limit:,})"
                )
            least = np.zeros(empty)  # per anchor (a row's first real unit)
            np.minimum.at(least, new[np.arange(len(new)), np.argmax(new != empty, axis=1)], new_rc)
            bound = float(mixed[chosen].sum() + least.sum())
            if bound > center_bound:
                center, center_bound, center_rc = mixed, bound, least
            new_costs = _unitary_costs(new_sums, new_ks, n, de)
            useful = _reduced_costs(new, new_costs, duals, empty) < -1e-9  # against the LP's
            useful &= np.array([row.tobytes() not in present for row in new], dtype=bool)
            if useful.any() or weight == 0.0:
                break
            weight = max(0.0, weight - (1 - _SMOOTHING))  # mispriced: nearer the LP's duals
        if not useful.any() or value - center_bound <= 1e-9 * (1 + abs(value)):
            break
        if deadline is not None and time.monotonic() > deadline:
            raise GammaTooLarge("the time budget ran out during the alignment")
        # Columns that the LP's duals price far above zero leave it (nonbasic ones: a basic
        # column prices at zero, so the basis stays valid), so that each solve scans fewer;
        # one that pricing finds negative again comes back, as it is no longer `present`.
        # Exact either way.
        if len(parts) > 2 * len(chosen):
            reduced = _reduced_costs(parts, _unitary_costs(sums, ks, n, de), duals, empty)
            drop = reduced > _DROP_ABOVE
            drop[: len(chosen)] = False  # the units alone: the LP stays feasible
            if drop.any():
                master.drop(drop)
                present.difference_update(row.tobytes() for row in parts[drop])
                parts, sums, ks = parts[~drop], sums[~drop], ks[~drop]
        present.update(row.tobytes() for row in new[useful])
        parts = np.concatenate((parts, new[useful]))
        sums = np.concatenate((sums, new_sums[useful]))
        ks = np.concatenate((ks, new_ks[useful]))
        master.add(row_of[new[useful]], new_costs[useful] + _TIE)
        if len(parts) > limit:
            raise GammaTooLarge(
                f"the generated unitary alignments exceed the budget of {limit:,} candidates"
            )
    costs = _unitary_costs(sums, ks, n, de)
    picked = x > 0.5
    fractional = (x > 1e-7) & (x < 1 - 1e-7)
    out_parts, out_costs = parts[picked], costs[picked]
    if fractional.any():
        open_cols, exact_parts, exact_costs = _exact_where_fractional(
            units, chosen, labels, parts, costs, x, (center, center_rc), fractional, args,
            limit, steps, deadline,
        )  # fmt: skip
        kept = picked & ~open_cols
        out_parts = np.concatenate((parts[kept], exact_parts))
        out_costs = np.concatenate((costs[kept], exact_costs))
    return np.where(out_parts == empty, EMPTY, out_parts), out_costs


# reduced cost above which a nonbasic column leaves the master LP (eight ten-annotator
# samples, runs alternated: LP time 2.6-3.1 s at 0.05 to 0.2, 3.1-3.3 s at 0.5, 3.6-3.8 s at 1,
# 4.8 s keeping every column; same disorders)
_DROP_ABOVE = 0.2


class _MasterLP:
    """The LP relaxation of the set partitioning over a growing set of columns (HiGHS through
    highspy): each solve starts from the last basis, where scipy's linprog would start over
    (measured: on ten-annotator continua of 200 units, 199 solves from scratch took 3.5 s)."""

    def __init__(self, rows: int, deadline: float | None) -> None:
        import highspy

        self._highs = _quiet_highs(highspy)
        self._deadline = deadline
        # primal simplex: added columns leave the last basis primal feasible (on eight
        # ten-annotator samples, 884 solves in 4.3-5.4 s CPU against 967 in 5.1-6.5 s for
        # HiGHS's default choice, runs alternated)
        settings = (("output_flag", False), ("presolve", "off"), ("simplex_strategy", 4))
        for option, setting in settings:
            self._highs.setOptionValue(option, setting)
        ones = np.ones(rows)
        nothing = np.zeros(0, dtype=np.int32)
        self._highs.addRows(rows, ones, ones, 0, nothing, nothing, np.zeros(0))
        self._columns = 0

    def add(self, rows_of_columns: np.ndarray, costs: np.ndarray) -> None:
        """Columns given as rows of their row indices (-1: an empty unit), with their costs."""
        real = rows_of_columns >= 0
        starts = np.concatenate(([0], np.cumsum(real.sum(axis=1))[:-1])).astype(np.int32)
        indices = rows_of_columns[real].astype(np.int32)
        count = len(costs)
        self._highs.addCols(
            count, costs, np.zeros(count), np.full(count, np.inf), len(indices), starts,
            indices, np.ones(len(indices)),
        )  # fmt: skip
        self._columns += count

    def drop(self, mask: np.ndarray) -> None:
        """Delete the columns of `mask` (nonbasic ones: the basis stays valid)."""
        idx = np.flatnonzero(mask).astype(np.int32)
        self._highs.deleteCols(len(idx), idx)
        self._columns -= len(idx)

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """The LP value, the column values and the row duals (reduced cost c - A^T y)."""
        import highspy

        spent = self._highs.getRunTime()
        allowed = spent + min(_remaining(self._deadline), 1e6)
        self._highs.setOptionValue("time_limit", float(allowed))
        with _solver_quiet():
            self._highs.run()
        if self._highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise GammaTooLarge("the time budget ran out in the linear program")
        solution = self._highs.getSolution()
        value = self._highs.getInfo().objective_function_value
        return float(value), np.asarray(solution.col_value), np.asarray(solution.row_dual)


_QUIET_LOCK = threading.Lock()
_QUIET_DEPTH = [0, -1]  # uses of _solver_quiet open, and the saved descriptor 1


@contextlib.contextmanager
def _solver_quiet() -> Iterator[None]:
    """File descriptor 1 pointed at /dev/null while HiGHS runs: it prints its banner (the
    first Highs object of a process) and, in some branch-and-bound paths, debug lines
    straight to it from C++, which would land in `annotator agreement --json`. Counted, so
    that a nested use restores the real descriptor only when the outermost one leaves.

    Only in the main thread: the descriptor is the whole process's, and a solve in a web
    worker's request thread (`/api/agreement?gamma=1`) would swallow the other threads' log
    lines for its length. There a stray HiGHS line in the server's log is the lesser harm.
    The CLI, the dashboard's gamma process and the sample workers all solve in their main
    thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _QUIET_LOCK:
        if _QUIET_DEPTH[0] == 0:
            sys.stdout.flush()
            _QUIET_DEPTH[1] = os.dup(1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.close(devnull)
        _QUIET_DEPTH[0] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET_DEPTH[0] -= 1
            if _QUIET_DEPTH[0] == 0:
                os.dup2(_QUIET_DEPTH[1], 1)
                os.close(_QUIET_DEPTH[1])


# HiGHS's presolve pays on sparse set partitionings (many units with few columns each: a
# sample's 1,900 rows of 5 columns each took 0.03 s with it, 0.17 s without) and costs far
# more than it saves on dense ones (a ten-annotator sample's 20,157 columns over rows of a
# hundred each took 6.2 s with it, 0.84 s without; one node either way). Measured on 60
# programs of 300 to 13,000 columns, it was the faster choice below this many per row.
_PRESOLVE_BELOW = 16


def _milp(costs, *, constraints: LinearConstraint, options: dict, **kwargs):
    """scipy's milp, quietly (see _solver_quiet), presolved only where rows are sparse."""
    a_mat = constraints.A
    dense = a_mat.nnz > _PRESOLVE_BELOW * max(a_mat.shape[0], 1)
    options = {**options, "presolve": not dense}
    with _solver_quiet():
        return milp(costs, constraints=constraints, options=options, **kwargs)


def _linprog(*args, **kwargs):
    """scipy's linprog, quietly (see _solver_quiet)."""
    with _solver_quiet():
        return linprog(*args, **kwargs)


def _quiet_highs(highspy):
    """A Highs object (made quietly: the first one of a process prints HiGHS's banner)."""
    with _solver_quiet():
        return highspy.Highs()


def _exact_partition(
    parts: np.ndarray, objective: np.ndarray, empty: int, deadline: float | None
) -> np.ndarray | None:
    """The columns (a mask) of a least-cost exact partition, by milp, of the units these
    columns cover (rows of unit indices, `empty` for none); None where it found none in time."""
    n = parts.shape[1]
    is_real = parts != empty
    covered = np.unique(parts[is_real])
    cols = np.repeat(np.arange(len(parts)), n)[is_real.ravel()]
    a_mat = coo_matrix(
        (np.ones(len(cols)), (np.searchsorted(covered, parts[is_real]), cols)),
        shape=(len(covered), len(parts)),
    ).tocsr()
    result = _milp(
        objective,
        constraints=LinearConstraint(a_mat, 1, 1),
        integrality=np.ones(len(parts)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0, "time_limit": _remaining(deadline)},
    )
    if result.status != 0 or result.x is None:
        return None
    return result.x > 0.5


def _feasible_partition(
    parts: np.ndarray,
    objective: np.ndarray,
    x: np.ndarray,
    open_cols: np.ndarray,
    empty: int,
    deadline: float | None,
) -> np.ndarray | None:
    """A partition of the units of the open components by the columns at hand (a mask over
    `parts`), to bound the gap of a fractional LP optimum x: the LP's integral columns, and the
    units they leave partitioned exactly by the columns that cover only those (the units alone
    are among them); None where that integer program found none in time."""
    integral = open_cols & (x > 1 - 1e-7)
    taken = np.zeros(empty + 1, dtype=bool)
    taken[parts[integral]] = True
    taken[empty] = False
    rest = open_cols & ~integral & ~taken[parts].any(axis=1)
    feasible = integral.copy()
    if rest.any():
        picked = _exact_partition(parts[rest], objective[rest], empty, deadline)
        if picked is None:
            return None
        feasible[np.flatnonzero(rest)[picked]] = True
    return feasible


def _exact_where_fractional(
    units: Units,
    chosen: np.ndarray,
    labels: np.ndarray,
    parts: np.ndarray,
    costs: np.ndarray,
    x: np.ndarray,
    center: tuple[np.ndarray, np.ndarray],
    fractional: np.ndarray,
    args: tuple,
    limit: int,
    steps: int,
    deadline: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best alignments of the components whose column-generation LP optimum is fractional
    (see _solve_by_pricing): a feasible solution from the columns at hand bounds the gap,
    the candidates within it are listed (a part of it first, see below), a milp picks.
    Returns the columns of those components (mask over `parts`) and the rows and costs picked
    for them.

    `center` holds duals y and, per anchor u, the least reduced cost m_u <= 0 of a column
    anchored there. Any alignment of a component costs sum(y) + the reduced costs of its
    columns, at most one per anchor, so at least L = sum(y + m); a column anchored at u with
    reduced cost r is in one of cost at most U only if r + L - m_u <= U. This holds for any
    duals, not only the LP's optimal ones: it is the Lagrangian bound of the set partitioning.
    """
    duals, least = center
    from annotator.agreement.gamma_dp import price_alignments

    empty = len(units.starts)
    n = units.n_annotators
    real = parts != empty
    anchor = parts[np.arange(len(parts)), np.argmax(real, axis=1)]
    comp = labels[anchor]
    open_comps = np.unique(comp[fractional])
    open_cols = np.isin(comp, open_comps)
    open_units = chosen[np.isin(labels[chosen], open_comps)]

    def solve(p: np.ndarray, c: np.ndarray) -> np.ndarray:
        picked = _exact_partition(p, c + _TIE, empty, deadline)
        if picked is None:
            raise GammaTooLarge("the time budget ran out in the integer program")
        return picked

    feasible_cols = _feasible_partition(parts, costs + _TIE, x, open_cols, empty, deadline)
    if feasible_cols is None:
        raise GammaTooLarge("the time budget ran out in the integer program")
    feasible = feasible_cols[open_cols]
    upper = np.bincount(
        np.searchsorted(open_comps, comp[open_cols][feasible]),
        weights=costs[open_cols][feasible] + _TIE,
        minlength=len(open_comps),
    )
    comp_of_unit = np.searchsorted(open_comps, labels[open_units])
    lower = np.bincount(
        comp_of_unit, weights=duals[open_units] + least[open_units], minlength=len(open_comps)
    )
    gap = upper - lower
    tol = 1e-9 * (1 + np.abs(upper))
    # Listing every column within the whole gap can take tens of thousands (a fractional LP
    # whose feasible solution is far from the optimum), so first list those within a part of
    # it: the best partition P of what is listed (with the feasible solution's columns, so
    # that P costs at most `upper`) is optimal where it costs at most lower + that part, since
    # every column of an optimal partition lies within its cost minus lower. Elsewhere the
    # listing widens to P's cost minus lower, which the best partition of the wider listing
    # then meets (it costs at most P's), up to the integer program's tolerance: a third pass,
    # never seen, would list the whole gap as before.
    window = gap * _FIRST_WINDOW
    passes = 0
    feasible_parts = parts[open_cols][feasible]
    feasible_costs = costs[open_cols][feasible]
    feasible_comp = np.searchsorted(open_comps, comp[open_cols][feasible])
    out_parts, out_costs = [], []
    active = np.ones(len(open_comps), dtype=bool)
    while active.any():
        here = active[comp_of_unit]
        thresholds = np.full(empty, -np.inf)
        thresholds[open_units[here]] = (window + tol)[comp_of_unit[here]] + least[open_units[here]]
        pricing = (*args[:5], open_units[here], *args[6:])
        listed, sums, ks, _, ok = price_alignments(*pricing, duals, thresholds, 0, limit, steps)
        if not ok:
            raise GammaTooLarge(
                f"the unitary alignments within the LP's gap exceed the budget of {limit:,}"
            )
        listed_costs = _unitary_costs(sums, ks, n, args[10])
        seen = {row.tobytes() for row in listed}
        extra = active[feasible_comp] & np.array(
            [row.tobytes() not in seen for row in feasible_parts], dtype=bool
        )
        listed = np.concatenate((listed, feasible_parts[extra]))
        listed_costs = np.concatenate((listed_costs, feasible_costs[extra]))
        # A large component's program alone: the programs are independent, and one branch
        # and bound over several large ones searches the product of their trees (ten
        # annotators x 200 units each: 1.6 s of a sample's 5.1 s together, 1.1 s alone).
        # Small ones together, where HiGHS's set-up per call would cost more than the search
        # (see _solve_by_lp).
        listed_comp = np.searchsorted(
            open_comps, labels[listed[np.arange(len(listed)), np.argmax(listed != empty, axis=1)]]
        )
        comp_columns = np.bincount(listed_comp, minlength=len(open_comps))
        alone = comp_columns[listed_comp] >= _MILP_ALONE_COLUMNS
        best = np.zeros(len(listed), dtype=bool)
        groups = [
            np.flatnonzero(listed_comp == k)
            for k in np.flatnonzero(comp_columns >= _MILP_ALONE_COLUMNS)
        ]
        groups.append(np.flatnonzero(~alone))
        for rows in groups:
            if len(rows):
                best[rows[solve(listed[rows], listed_costs[rows])]] = True
        value = np.bincount(
            listed_comp[best], weights=listed_costs[best] + _TIE, minlength=len(open_comps)
        )
        proven = active & ((value - lower <= window + tol) | (window >= gap))
        keep = best & proven[listed_comp]
        out_parts.append(listed[keep])
        out_costs.append(listed_costs[keep])
        active &= ~proven
        passes += 1
        window = np.where(active, value - lower if passes == 1 else gap, window)
    return open_cols, np.concatenate(out_parts), np.concatenate(out_costs)


# The part of the gap listed first. On ten annotators x 200 units each, one sample's fractional
# components listed 80 to 30,464 columns within the whole gap (a milp of 0.9 s for the
# largest); with a quarter first, 30 samples took 45.8 / 41.1 s against 52.3 / 46.4 s for the
# whole gap at once, runs alternated.
_FIRST_WINDOW = 0.25
_MILP_ALONE_COLUMNS = 1_000  # a component with this many candidates gets an integer program alone


def _solve_by_lp(
    units: Units,
    parts: np.ndarray,
    costs: np.ndarray,
    labels: np.ndarray,
    deadline: float | None,
) -> np.ndarray:
    """The columns of a best alignment of the whole components these columns belong to.

    The set partitioning over the candidate unitary alignments decomposes by component; its LP
    relaxation is integral on almost all of them, and an integral LP optimum is an optimum of
    the 0/1 program. Components left fractional go to one milp together: they share no row, so
    the program is block diagonal, and one call costs far less than one per component (HiGHS's
    set-up dominated: 170 calls of ~50 columns took 4.5 s of a 7.8 s sample on the 1,000-document
    case, one call 0.9 s).
    """
    n = units.n_annotators
    empty = len(units.starts)
    flat = parts.ravel()
    real = flat != empty
    members = np.unique(flat[real])
    row_of = np.full(empty + 1, -1)
    row_of[members] = np.arange(len(members))
    cols = np.repeat(np.arange(len(parts)), n)[real]
    a_mat = coo_matrix(
        (np.ones(real.sum()), (row_of[flat[real]], cols)), shape=(len(members), len(parts))
    ).tocsr()
    relaxed = _linprog(
        costs + _TIE,
        A_eq=a_mat,
        b_eq=np.ones(len(members)),
        bounds=(0, None),  # x <= 1 is implied: every column covers a unit whose row sums to 1
        method="highs-ds",
        # presolve costs more than it saves on these small, sparse programs (measured: the
        # six-annotator bench case 2.6 s with it, 1.9 s without)
        options={"time_limit": _remaining(deadline), "presolve": False},
    )
    if relaxed.status != 0:
        raise GammaTooLarge("the time budget ran out in the linear program")
    x = relaxed.x
    fractional = (x > 1e-7) & (x < 1 - 1e-7)
    picked = x > 0.5
    if fractional.any():
        anchor = parts[np.arange(len(parts)), np.argmax(parts != empty, axis=1)]
        comp = labels[anchor]
        fractional_comps = np.isin(comp, np.unique(comp[fractional]))
        bad = fractional_comps & _may_be_optimal(
            a_mat, parts, empty, costs + _TIE, x, relaxed.eqlin.marginals, comp,
            fractional_comps, deadline,
        )  # fmt: skip
        sub_rows = np.unique(row_of[flat[real].reshape(-1)][np.repeat(bad, n)[real]])
        sub = a_mat[sub_rows][:, np.flatnonzero(bad)]
        result = _milp(
            costs[bad] + _TIE,
            constraints=LinearConstraint(sub, 1, 1),
            integrality=np.ones(bad.sum()),
            bounds=Bounds(0, 1),
            options={"mip_rel_gap": 0.0, "time_limit": _remaining(deadline)},
        )
        if result.status != 0 or result.x is None:
            raise GammaTooLarge("the time budget ran out in the integer program")
        picked = picked & ~fractional_comps
        picked[np.flatnonzero(bad)[result.x > 0.5]] = True
    return picked


def _may_be_optimal(
    a_mat,
    parts: np.ndarray,
    empty: int,
    costs: np.ndarray,
    x: np.ndarray,
    duals: np.ndarray,
    comp: np.ndarray,
    open_cols: np.ndarray,
    deadline: float | None = None,
) -> np.ndarray:
    """Columns of the components left fractional that can still be in a best alignment.

    Reduced-cost fixing, exact: with optimal LP duals y, any 0/1 solution of a component costs
    its LP value plus the reduced costs c_j - A_j^T y (all >= 0) of the columns it uses, so a
    column whose reduced cost exceeds the gap between a feasible solution and the LP value is
    never in an optimum. The feasible solution keeps the LP's integral columns and solves the
    few units they leave exactly; the LP is nearly integral here, so the gap is small and few
    columns remain for the integer program.
    """
    reduced = costs - a_mat.T @ duals
    by_col = a_mat.tocsc()
    rows_of_col = np.repeat(np.arange(len(costs)), np.diff(by_col.indptr))
    keep = open_cols.copy()
    solution = _feasible_partition(parts, costs, x, open_cols, empty, deadline)
    if solution is None:  # no solution at hand: rule nothing out
        return keep
    for c in np.unique(comp[open_cols]):
        cols = open_cols & (comp == c)
        rows = np.unique(by_col.indices[np.isin(rows_of_col, np.flatnonzero(cols))])
        upper = float(costs[cols & solution].sum())
        gap = upper - float(duals[rows].sum())
        keep[cols] = reduced[cols] <= gap + 1e-9 * (1 + abs(upper))
    return keep


_DP_UNITS = 100_000  # components up to this many units try the exact dynamic program first
_DP_STATES = 2_000  # states per component before it goes back to the LP (measured: dense
# six-annotator components pass it and the LP is faster there; three-annotator corpora stay under)


def _solve_by_dp(
    units: Units, chosen: np.ndarray, labels: np.ndarray, parts: np.ndarray, costs: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The columns of the components the dynamic program solved, and the ones it picked
    (None without numba: everything goes to the LP)."""
    try:
        from annotator.agreement.gamma_dp import solve_components
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    # everything here is sized by the chunk, not the continuum (a corpus has hundreds of chunks)
    empty = len(units.starts)
    comps_here, comp_of_unit, size_here = np.unique(
        labels[chosen], return_inverse=True, return_counts=True
    )
    order = np.lexsort((units.starts[chosen], comp_of_unit))  # bits in order along the text
    sorted_comp = comp_of_unit[order]
    rank = np.arange(len(chosen)) - np.searchsorted(sorted_comp, sorted_comp)
    by_unit = np.argsort(chosen[order])
    unit_keys, unit_rank = chosen[order][by_unit], rank[by_unit]
    real = parts != empty
    first_real = parts[np.arange(len(parts)), np.argmax(real, axis=1)]
    col_comp = np.searchsorted(comps_here, labels[first_real])  # chunk-local component
    at = np.searchsorted(unit_keys, np.where(real, parts, unit_keys[0]))
    bit = unit_rank[np.minimum(at, len(unit_keys) - 1)]
    lowest = np.where(real, bit, np.iinfo(np.int64).max).min(axis=1)
    highest = np.where(real, bit, -1).max(axis=1)
    relative = np.where(real, bit - lowest[:, None], 0).astype(np.uint64)
    masks = np.bitwise_or.reduce(
        np.where(real, np.left_shift(np.uint64(1), relative), np.uint64(0)), axis=1
    )
    # a component goes to the dynamic program when none of its columns spans over 64 units
    wide = np.zeros(len(comps_here), dtype=bool)
    wide[col_comp[highest - lowest >= 64]] = True
    size_of = size_here
    idx = np.flatnonzero(~wide[col_comp] & (size_of[col_comp] <= _DP_UNITS))
    idx = idx[np.lexsort((lowest[idx], col_comp[idx]))]
    done = np.zeros(len(parts), dtype=bool)
    picked = np.zeros(len(parts), dtype=bool)
    if not len(idx):  # every component of the chunk is too large for the bit masks
        return done, picked
    comps, first = np.unique(col_comp[idx], return_index=True)
    col_ptr = np.append(first, len(idx))
    picked_sorted, solved = solve_components(
        size_of[comps], col_ptr, masks[idx], costs[idx], lowest[idx], _DP_STATES
    )
    ok = np.repeat(solved, np.diff(col_ptr))
    done[idx[ok]] = True
    picked[idx[picked_sorted & ok]] = True
    return done, picked


def best_alignment(
    units: Units,
    diss: Dissimilarity = Dissimilarity(),
    *,
    budget: GammaBudget | None = None,
    deadline: float | None = None,
) -> Alignment | None:
    """The alignment of minimal disorder (None with under two annotators or no units).

    With a budget, raises GammaTooLarge instead of building arrays past it, and past
    `deadline` (a time.monotonic() value) between components.
    """
    n = units.n_annotators
    total = len(units.starts)
    if n < 2 or total == 0:
        return None
    rows, cols = _candidate_edges(units, diss, budget)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(total, total))
    n_comp, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_comp + 1))
    sizes = np.diff(bounds)
    # components of at most _TINY units (most of them on a corpus) are solved all at once by
    # trying every partition; the others in chunks of one LP each
    blocks = [np.zeros((0, n), dtype=np.int64)]
    unitary_parts = [np.zeros(0)]
    for size in range(1, _TINY + 1):
        comps = np.flatnonzero(sizes == size)
        if len(comps):
            members = order[bounds[comps][:, None] + np.arange(size)[None, :]]
            t, dis = _solve_tiny(units, members, diss)
            blocks.append(t)
            unitary_parts.append(dis)
    rest = np.flatnonzero(sizes > _TINY)
    if budget is not None and len(rest) and sizes[rest].max() > budget.component_units:
        raise GammaTooLarge(
            f"a connected component of {int(sizes[rest].max()):,} units exceeds the budget of"
            f" {budget.component_units:,} units"
        )
    ptr, nbr = _neighbours(units, rows, cols)
    tuples: list = []
    disorders: list = []
    for chunk in _chunks(rest, sizes):
        if deadline is not None and time.monotonic() > deadline:
            raise GammaTooLarge("the time budget ran out during the alignment")
        chosen = np.concatenate([order[bounds[c] : bounds[c + 1]] for c in chunk])
        t, dis = _solve_chunk(units, chosen, labels, ptr, nbr, diss, budget, deadline)
        tuples.append(t)
        disorders.append(dis)
    blocks += tuples
    unitary_parts += disorders
    unitary = np.concatenate(unitary_parts)
    disorder = float(unitary.sum()) / (total / n)
    return Alignment(np.concatenate(blocks), unitary, disorder)


_TINY = 6  # components up to this many units are solved by trying every partition


def _set_partitions(items: tuple[int, ...]) -> list[list[tuple[int, ...]]]:
    if not items:
        return [[]]
    first, rest = items[0], items[1:]
    out = []
    for partition in _set_partitions(rest):
        out.append([(first,), *partition])
        for i, block in enumerate(partition):
            out.append([*partition[:i], (first, *block), *partition[i + 1 :]])
    return out


def _solve_tiny(
    units: Units, members: np.ndarray, diss: Dissimilarity
) -> tuple[np.ndarray, np.ndarray]:
    """Best alignments of many components at once, each of a few units (members: components x
    size): every partition into blocks of distinct annotators is tried, so it is exact."""
    n = units.n_annotators
    count, size = members.shape
    c2 = n * (n - 1) // 2
    de = diss.delta_empty
    s, e, c = units.starts[members], units.ends[members], units.cats[members]
    owners = units.owners[members]
    _, d = pair_dissimilarity(
        s[:, :, None], e[:, :, None], c[:, :, None], s[:, None, :], e[:, None, :], c[:, None, :],
        diss,
    )  # fmt: skip
    # cost of every block (a subset of the positions) per component; inf with a repeated owner
    block_cost = {}
    for k in range(1, size + 1):
        for block in combinations(range(size), k):
            inner = np.zeros(count)
            valid = np.ones(count, dtype=bool)
            for i, j in combinations(block, 2):
                inner = inner + d[:, i, j]
                valid &= owners[:, i] != owners[:, j]
            unitary = (inner + (c2 - k * (k - 1) // 2) * de) / c2
            block_cost[block] = (np.where(valid, unitary + _TIE, np.inf), unitary)
    partitions = _partitions_by_size(size)
    costs = np.column_stack([sum(block_cost[b][0] for b in p) for p in partitions])
    best = np.argmin(costs, axis=1)  # the first minimum: fewest unitary alignments on ties
    rows, disorders = [], []
    for p, partition in enumerate(partitions):
        chosen = np.flatnonzero(best == p)
        if not len(chosen):
            continue
        for block in partition:
            row = np.full((len(chosen), n), EMPTY, dtype=np.int64)
            for i in block:
                row[np.arange(len(chosen)), owners[chosen, i]] = members[chosen, i]
            rows.append(row)
            disorders.append(block_cost[block][1][chosen])
    return np.concatenate(rows), np.concatenate(disorders)


_PARTITIONS: dict[int, list] = {}


def _partitions_by_size(size: int) -> list[list[tuple[int, ...]]]:
    # every set partition of range(size), blocks sorted, fewest blocks first
    if size not in _PARTITIONS:
        found = [[tuple(sorted(b)) for b in p] for p in _set_partitions(tuple(range(size)))]
        _PARTITIONS[size] = sorted(found, key=len)
    return _PARTITIONS[size]


def gamma_cat_disorder(
    units: Units,
    alignment: Alignment,
    diss: Dissimilarity = Dissimilarity(),
    category: int | None = None,
) -> float:
    """Categorical disorder of an alignment (gamma-cat, or gamma-k for one category code)."""
    return combine_cat_parts([gamma_cat_parts(units, alignment, diss, category)])


def combine_cat_parts(parts: Sequence[tuple[float, float, bool, bool]]) -> float:
    """Categorical disorder of several aligned continua from their gamma_cat_parts."""
    disorder = sum(p[0] for p in parts)
    weight = sum(p[1] for p in parts)
    if not any(p[3] for p in parts):
        return 0.0 if any(p[2] for p in parts) else 1.0
    return 0.0 if disorder == 0 else disorder / weight


def gamma_cat_parts(
    units: Units,
    alignment: Alignment,
    diss: Dissimilarity = Dissimilarity(),
    category: int | None = None,
) -> tuple[float, float, bool, bool]:
    """Weighted categorical disorder, its weight, and whether any pair / real pair counted.

    As pygamma-agreement 0.5.9 computes it: pairs of aligned units count their categorical
    dissimilarity, weighted by positional confidence max(0, 1 - alpha * d_pos) and by
    1 / (units in the unitary alignment - 1); a unit paired with an empty one counts
    delta_empty^2 with weight delta_empty (pygamma's "experimental" handling of unaligned
    units, kept so that values match it). For gamma-k only pairs touching category k count.
    """
    t = alignment.tuples
    n = units.n_annotators
    real = t != EMPTY
    cats = np.where(real, units.cats[np.maximum(t, 0)], -1)
    nv = real.sum(axis=1)
    base = np.where(nv >= 2, 1.0 / np.maximum(nv - 1, 1), 0.0)
    de = diss.delta_empty
    disorder = weight = 0.0
    any_pair = any_real_pair = False
    for i in range(n):
        for j in range(i + 1, n):
            if category is None:
                counted = np.ones(len(t), dtype=bool)
            else:
                counted = (cats[:, i] == category) | (cats[:, j] == category)
            any_pair = any_pair or bool(counted.any())
            one_empty = counted & (real[:, i] ^ real[:, j])
            disorder += float(one_empty.sum()) * de * de
            weight += float(one_empty.sum()) * de
            both = counted & real[:, i] & real[:, j]
            if not both.any():
                continue
            any_real_pair = True
            u, v = t[both, i], t[both, j]
            positional, _ = pair_dissimilarity(
                units.starts[u],
                units.ends[u],
                units.cats[u],
                units.starts[v],
                units.ends[v],
                units.cats[v],
                diss,
            )
            w = base[both] * np.maximum(0.0, 1.0 - diss.alpha * positional)
            disorder += float(np.sum((units.cats[u] != units.cats[v]) * de * w))
            weight += float(np.sum(w))
    return disorder, weight, any_pair, any_real_pair
