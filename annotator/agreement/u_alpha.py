"""The u-alpha family (Krippendorff, Mathet, Bouvry and Widlöcher 2016; Krippendorff 2019, 12).

For continua that each observer partitions into disjoint valued units and gaps: u-alpha
(unitizing and coding, nominal), |u-alpha (relevant matter versus gaps), cu-alpha (coding of
intersecting valued units) and (k)u-alpha (one value). Coincidences are lengths of
intersections between the segments of two observers; the cu expected coincidences follow the
pairwise reading of equation 10 (as lindanna/unitized_alpha computes it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import permutations

from annotator.agreement.alpha_u import Unit

GAP = None


def _segments(
    units: Sequence[Unit], annotator: str, length: float
) -> list[tuple[str | None, float, float]]:
    own = sorted((u.start, u.end, u.category) for u in units if u.annotator == annotator)
    segments, last = [], 0.0
    for start, end, category in own:
        if start > last:
            segments.append((GAP, last, start))
        segments.append((category, start, end))
        last = end
    if last < length:
        segments.append((GAP, last, length))
    return segments


def _overlap(a: tuple, b: tuple) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[1], b[1]))


def u_alpha_family(units: Sequence[Unit], annotators: Sequence[str], length: float) -> dict:
    """u-alpha, |u-alpha, cu-alpha and (k)u-alpha (nominal) of a partitioned [0, length)."""
    m = len(annotators)
    result: dict = {"u_alpha": None, "bar_u_alpha": None, "cu_alpha": None, "k_u_alpha": {}}
    if m < 2 or length <= 0:
        return result
    parts = {a: _segments(units, a, length) for a in annotators}
    observed: dict[tuple, float] = defaultdict(float)
    cu_squares: dict = defaultdict(float)
    for i, j in permutations(annotators, 2):
        for g in parts[i]:
            valued = 0.0
            for h in parts[j]:
                shared = _overlap(g, h)
                if shared > 0:
                    observed[(g[0], h[0])] += shared / (m - 1)
                    if g[0] is not GAP and h[0] is not GAP:
                        valued += shared
            if g[0] is not GAP:
                cu_squares[g[0]] += valued * valued
    values = sorted({c for c, _ in observed} - {GAP})
    margin = defaultdict(float)
    for (c, _), v in observed.items():
        margin[c] += v
    squares = defaultdict(float)
    for segments in parts.values():
        for value, start, end in segments:
            squares[value] += (end - start) if value is GAP else (end - start) ** 2
    total = m * length
    denominator = total * total - sum(squares.values())

    def expected(c, k):
        return total * (margin[c] * margin[k] - (squares[c] if c == k else 0.0)) / denominator

    everything = [GAP, *values]
    agree = sum(observed[(c, c)] for c in everything)
    chance = sum(expected(c, c) for c in everything)
    if total - chance > 0:
        result["u_alpha"] = 1 - (total - agree) / (total - chance)
    # the expected margin of gaps, not the observed one: e_0. = sum over k of e_0k
    bar_chance = sum(expected(GAP, k) for k in values)
    if bar_chance > 0:
        result["bar_u_alpha"] = 1 - (margin[GAP] - observed[(GAP, GAP)]) / bar_chance

    cu_margin = {c: margin[c] - observed[(c, GAP)] for c in values}
    cu_total = sum(cu_margin.values())
    if cu_total <= 0:
        result["k_u_alpha"] = {c: None for c in values}
        return result
    cu_denominator = cu_total - sum(cu_squares.values()) / (cu_total * (m - 1))

    def cu_expected(c, k):
        same = cu_squares[c] / (m - 1) if c == k else 0.0
        return (cu_margin[c] * cu_margin[k] - same) / cu_denominator

    if len(values) > 1:
        chance = cu_total - sum(cu_expected(c, c) for c in values)
        if chance > 0:
            result["cu_alpha"] = 1 - (cu_total - sum(observed[(c, c)] for c in values)) / chance
    for k in values:
        e_k = sum(cu_expected(k, c) for c in values)
        l_k, e_kk = cu_margin[k], cu_expected(k, k)
        ok = l_k > 0 and e_k - e_kk > 0 and len(values) > 1
        value = 1 - e_k / l_k * (l_k - observed[(k, k)]) / (e_k - e_kk) if ok else None
        result["k_u_alpha"][k] = value
    return result
