"""Exact set partitioning of alignment components by dynamic programming (compiled).

A component's units in text order, and its candidate unitary alignments (columns, each a bit
mask relative to its lowest unit, with a cost): the best alignment covers every unit exactly
once at least cost. The program always covers the lowest unit not yet covered, with a column
whose lowest unit it is, so a state is that unit and which of the next 64 units are covered
already; every state is reached in order and the search is the exact shortest path over
them. It needs every column to span at most 64 units of the order (checked by the caller);
units lie on a line and columns are local, so the states stay few (a component whose states
pass a cap goes back to the LP). This replaces one LP per chunk and
a milp for the components the LP left fractional: on 1,000 documents x 3 annotators one sample
went from 2-3 s of HiGHS to some 0.1 s here.
"""

from __future__ import annotations

import os

import numpy as np

# numba caches compiled code next to this file; where that is not writable (an installed
# wheel), under the user's cache directory, so only the first process ever compiles
os.environ.setdefault(
    "NUMBA_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "annotator-numba")
)

import numba as nb  # noqa: E402
from numba import types  # noqa: E402
from numba.typed import Dict, List  # noqa: E402

_STATE = types.UniTuple(types.int64, 2)  # (lowest unit not covered, mask of the next 64)


@nb.njit(cache=True)
def _solve_one(m, masks, costs, cptr, max_states):  # pragma: no cover - compiled
    # columns sorted by lowest unit i; cptr[i]:cptr[i + 1] are those whose lowest unit is i,
    # masks relative to it (bit b: unit i + b). A state is (i, mask): units below i covered,
    # i not, the units i..i+63 covered as in mask (no column reaches past 64 units on).
    index = Dict.empty(key_type=_STATE, value_type=types.int64)
    st_mask = List.empty_list(types.uint64)
    st_cost = List.empty_list(types.float64)
    st_parent = List.empty_list(types.int64)
    st_col = List.empty_list(types.int64)
    buckets = List()
    for _ in range(m + 1):
        buckets.append(List.empty_list(types.int64))
    one = np.uint64(1)
    index[(np.int64(0), np.int64(0))] = 0
    st_mask.append(np.uint64(0))
    st_cost.append(0.0)
    st_parent.append(-1)
    st_col.append(-1)
    buckets[0].append(0)
    for i in range(m):
        for s in buckets[i]:
            mask = st_mask[s]
            base = st_cost[s]
            for c in range(cptr[i], cptr[i + 1]):
                if masks[c] & mask:
                    continue
                nm = mask | masks[c]
                shift = 0  # to the next unit not covered
                while shift < 64 and (nm >> np.uint64(shift)) & one:
                    shift += 1
                j = i + shift
                nm = nm >> np.uint64(shift) if shift < 64 else np.uint64(0)
                if j > m:
                    continue  # a column past the last unit: not of this component
                key = (np.int64(j), np.int64(nm))
                nc = base + costs[c]
                if key in index:
                    t = index[key]
                    if nc < st_cost[t]:
                        st_cost[t] = nc
                        st_parent[t] = s
                        st_col[t] = c
                else:
                    t = len(st_mask)
                    if t >= max_states:
                        return np.empty(0, dtype=np.int64)
                    index[key] = t
                    st_mask.append(nm)
                    st_cost.append(nc)
                    st_parent.append(s)
                    st_col.append(c)
                    buckets[j].append(t)
    final = (np.int64(m), np.int64(0))
    if final not in index:
        return np.empty(0, dtype=np.int64)
    t = index[final]
    out = List.empty_list(types.int64)
    while st_parent[t] >= 0:
        out.append(st_col[t])
        t = st_parent[t]
    res = np.empty(len(out), dtype=np.int64)
    for k in range(len(out)):
        res[k] = out[k]
    return res


@nb.njit(cache=True)
def _solve_all(sizes, col_ptr, masks, costs, cptr, cptr_off, max_states):  # pragma: no cover
    picked = np.zeros(len(masks), dtype=np.bool_)
    solved = np.ones(len(sizes), dtype=np.bool_)
    for k in range(len(sizes)):
        lo, hi = col_ptr[k], col_ptr[k + 1]
        local = cptr[cptr_off[k] : cptr_off[k] + sizes[k] + 1]
        res = _solve_one(sizes[k], masks[lo:hi], costs[lo:hi], local, max_states)
        if len(res) == 0:
            solved[k] = False
            continue
        for c in res:
            picked[lo + c] = True
    return picked, solved


def solve_components(
    sizes: np.ndarray,
    col_ptr: np.ndarray,
    masks: np.ndarray,
    costs: np.ndarray,
    lowest: np.ndarray,
    max_states: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Best partitions of many components: component k has sizes[k] units and the columns
    col_ptr[k]:col_ptr[k + 1] (sorted by their lowest unit `lowest`, bit masks `masks`).
    Returns the picked columns and which components were solved (not past `max_states`)."""
    counts = np.diff(col_ptr)
    comp = np.repeat(np.arange(len(sizes)), counts)
    stride = int(sizes.max()) + 2 if len(sizes) else 1
    keys = comp * stride + lowest
    cptr_off = np.concatenate(([0], np.cumsum(sizes + 1)[:-1])).astype(np.int64)
    grid_comp = np.repeat(np.arange(len(sizes)), sizes + 1)
    grid_i = np.arange(int((sizes + 1).sum())) - np.repeat(cptr_off, sizes + 1)
    cptr = np.searchsorted(keys, grid_comp * stride + grid_i) - col_ptr[grid_comp]
    return _solve_all(
        sizes.astype(np.int64, copy=False),
        col_ptr.astype(np.int64, copy=False),
        masks.astype(np.uint64, copy=False),
        costs.astype(np.float64, copy=False),
        cptr.astype(np.int64, copy=False),
        cptr_off,
        max_states,
    )


@nb.njit(cache=True)
def _diss(i, j, starts, ends, cats, alpha, beta, de):  # pragma: no cover - compiled
    ratio = (abs(starts[i] - starts[j]) + abs(ends[i] - ends[j])) / (
        (ends[i] - starts[i]) + (ends[j] - starts[j])
    )
    positional = ratio * ratio * de
    return alpha * positional + (beta * de if cats[i] != cats[j] else 0.0)


@nb.njit(cache=True)
def _budget(k, n):  # pragma: no cover - compiled
    # Largest sum of real-pair dissimilarities (in units of delta_empty) for which a unitary
    # alignment of k units is no worse than k lone units. Every pair touching an empty unit
    # (empty-empty too, as in pygamma) costs delta_empty, so a lone unit costs delta_empty and
    # the condition is sum + (C(n,2) - C(k,2)) <= k C(n,2).
    return (k - 1) * (n * (n - 1) // 2) + k * (k - 1) // 2


@nb.njit(cache=True)
def _row_may_be_optimal(  # pragma: no cover - compiled
    k, total, members, msum, starts, ends, cats, alpha, beta, de, n, side, tol
):
    # the bounds on a complete row: its total within _budget, no member dearer than being
    # alone (gamma_alignment._member_limit), no split into two cheaper (_split_free)
    c2 = n * (n - 1) // 2
    if total > _budget(k, n) * de * tol:
        return False
    for m in range(k):
        if msum[m] > (c2 + k - 1) * de * tol:
            return False
    return _split_free(k, members, msum, starts, ends, cats, alpha, beta, de, c2, side, tol)


@nb.njit(cache=True)
def _split_free(  # pragma: no cover - compiled
    k, members, msum, starts, ends, cats, alpha, beta, de, c2, side, tol
):
    # the split rule of gamma_alignment._enumerate_sparse, for every smaller side of up to
    # `side` members: cross(S) = sum of member sums over S - 2 * pair costs inside S
    for i in range(k):
        if side >= 1 and k >= 2:
            if msum[i] > (c2 + (k - 1)) * de * tol:
                return False
        for j in range(i + 1, k):
            if side >= 2 and k >= 3:
                dij = _diss(members[i], members[j], starts, ends, cats, alpha, beta, de)
                cross = msum[i] + msum[j] - 2 * dij
                if cross > (c2 + 2 * (k - 2)) * de * tol:
                    return False
                for m in range(j + 1, k):
                    if side >= 3 and k >= 4:
                        dim = _diss(members[i], members[m], starts, ends, cats, alpha, beta, de)
                        djm = _diss(members[j], members[m], starts, ends, cats, alpha, beta, de)
                        cross = msum[i] + msum[j] + msum[m] - 2 * (dij + dim + djm)
                        if cross > (c2 + 3 * (k - 3)) * de * tol:
                            return False
    return True


@nb.njit(cache=True)
def enumerate_alignments(
    n, starts, ends, cats, owners, chosen, ptr, nbr, alpha, beta, de, max_rows, max_steps
):  # pragma: no cover - compiled
    """Candidate unitary alignments anchored at each unit of `chosen` (see
    gamma_alignment._enumerate_sparse for the bounds): rows of unit indices (len(starts) =
    empty), summed pair costs, unit counts; an empty result with ok=False past max_rows."""
    empty = len(starts)
    c2 = n * (n - 1) // 2
    tol = 1 + 1e-9
    side = min(3, n // 2)
    cap = 1024
    rows = np.empty((cap, n), dtype=np.int64)
    sums = np.empty(cap)
    ks = np.empty(cap, dtype=np.int64)
    count = 0
    steps = 0
    members = np.empty(n, dtype=np.int64)
    msum = np.empty(n)
    pos = np.empty(n, dtype=np.int64)
    choice = np.empty(n, dtype=np.int64)
    added = np.zeros(n, dtype=np.bool_)
    dlev = np.empty((n, n))
    msum_at = np.empty((n, n))
    total_at = np.empty(n)
    for u in chosen:
        a0 = owners[u]
        pos[:] = empty
        pos[a0] = u
        members[0] = u
        msum[0] = 0.0
        k = 1
        total = 0.0
        level = a0 + 1
        if level < n:
            choice[level] = -1
            added[level] = False
        while True:
            steps += 1
            if steps > max_steps:
                return rows[:0], sums[:0], ks[:0], False
            if level >= n:  # a complete row: the last level's choice is in place
                ok = k >= 1 and _row_may_be_optimal(
                    k, total, members, msum, starts, ends, cats, alpha, beta, de, n, side, tol
                )
                if ok:
                    if count == cap:
                        if cap >= max_rows:
                            return rows[:0], sums[:0], ks[:0], False
                        cap = min(cap * 2, max_rows)
                        rows, sums = _grown(rows, count, cap), _grown(sums, count, cap)
                        ks = _grown(ks, count, cap)
                    rows[count] = pos
                    sums[count] = total
                    ks[count] = k
                    count += 1
                level -= 1
                if level <= a0:
                    break
                continue
            # undo this level's previous choice
            if added[level]:  # restored from copies: subtracting would leave rounding behind
                k -= 1
                total = total_at[level]
                for m in range(k):
                    msum[m] = msum_at[level, m]
                added[level] = False
                pos[level] = empty
            choice[level] += 1
            lo = ptr[u * n + level]
            cnt = ptr[u * n + level + 1] - lo
            if choice[level] > cnt:  # every neighbour and the empty unit tried
                level -= 1
                if level <= a0:
                    break
                continue
            r = n - 1 - level
            if choice[level] < cnt:
                v = nbr[lo + choice[level]]
                new_k = k + 1
                limit = (c2 + new_k - 1 + r) * de * tol
                own = 0.0
                for m in range(k):
                    d = _diss(v, members[m], starts, ends, cats, alpha, beta, de)
                    dlev[level, m] = d
                    own += d
                if own > limit or total + own > _budget(new_k + r, n) * de * tol:
                    continue
                fits = True
                for m in range(k):
                    if msum[m] + dlev[level, m] > limit:
                        fits = False
                        break
                if not fits:
                    continue
                total_at[level] = total
                for m in range(k):
                    msum_at[level, m] = msum[m]
                    msum[m] += dlev[level, m]
                members[k] = v
                msum[k] = own
                k = new_k
                total += own
                added[level] = True
                pos[level] = v
            else:  # the empty unit: the bounds only tighten as annotators run out
                limit = (c2 + k - 1 + r) * de * tol
                if total > _budget(k + r, n) * de * tol:
                    continue
                fits = True
                for m in range(k):
                    if msum[m] > limit:
                        fits = False
                        break
                if not fits:
                    continue
            level += 1
            if level < n:
                choice[level] = -1
                added[level] = False
    return rows[:count], sums[:count], ks[:count], True


@nb.njit(cache=True)
def _future_bound(level, n, gmin, c2, de, g):  # pragma: no cover - compiled
    # Least change of the reduced cost that the levels level..n-1 can still bring: adding the
    # candidate v changes it by (sum of d(t, v) over the members t - k * de) / c2 - pi_v, and
    # every pair among the units added later by at least -de / c2 (d >= 0); so with g the best
    # change per level (gmin[lv], inf for a level without candidates; computed where the
    # candidates' sums are updated), sorted, j more units bring at least
    # g_1 + ... + g_j - C(j, 2) de / c2. (g: scratch of n floats, sorted in place by
    # insertion, a few levels at most: a node of the search allocates nothing)
    count = 0
    for lv in range(level, n):
        best = gmin[lv]
        if best < np.inf:
            j = count
            while j > 0 and g[j - 1] > best:
                g[j] = g[j - 1]
                j -= 1
            g[j] = best
            count += 1
    least = 0.0
    prefix = 0.0
    for j in range(count):
        prefix += g[j]
        value = prefix - (j + 1) * j / 2 * de / c2
        if value < least:
            least = value
    return least


@nb.njit(cache=True)
def _next_sums(acc, nxt, dmat, i, level, n, lvl_ptr, pi_local, k, c2, de, gmin):  # pragma: no cover
    # the candidates' summed dissimilarities to the members once candidate i joined (i < 0: the
    # empty unit, nothing joined), and per later level the best change of the reduced cost that
    # one of its candidates brings (for _future_bound): one pass over them
    joined = i >= 0
    i = max(i, 0)
    for lv in range(level + 1, n):
        best = np.inf
        for j in range(lvl_ptr[lv], lvl_ptr[lv + 1]):
            v = acc[j] + dmat[i, j] if joined else acc[j]
            nxt[j] = v
            step = (v - k * de) / c2 - pi_local[j]
            if step < best:
                best = step
        gmin[lv] = best


@nb.njit(cache=True)
def _order_level(order, level, lvl_ptr, acc, pi_local, k, c2, de, change):  # pragma: no cover
    # this level's candidates, the one that lowers the reduced cost most first (a stable
    # insertion sort into order[level], with `change` as scratch: no allocation per node)
    lo, hi = lvl_ptr[level], lvl_ptr[level + 1]
    for i in range(lo, hi):
        c = (acc[i] - k * de) / c2 - pi_local[i]
        j = i - lo
        while j > 0 and change[j - 1] > c:
            change[j] = change[j - 1]
            order[level, j] = order[level, j - 1]
            j -= 1
        change[j] = c
        order[level, j] = i


@nb.njit(cache=True)
def _keep_best(best_pos, best_total, best_k, best_rc, found, kept, pos, total, k, rc, threshold):
    # keep the row among the `kept` best so far (rc is below the threshold); the new threshold
    # is the worst kept once all places are taken  # pragma: no cover - compiled
    if found < kept:
        slot = found
    else:
        slot = np.argmax(best_rc)
    best_pos[slot] = pos
    best_total[slot] = total
    best_k[slot] = k
    best_rc[slot] = rc
    if found + 1 < kept:
        return threshold
    return best_rc[: min(found + 1, kept)].max()


@nb.njit(cache=True)
def _grown(a, count, cap):  # pragma: no cover - compiled
    # a copy of a's first `count` rows with room for `cap`
    out = np.empty((cap,) + a.shape[1:], dtype=a.dtype)
    out[:count] = a[:count]
    return out


@nb.njit(cache=True)
def price_alignments(
    n,
    starts,
    ends,
    cats,
    owners,
    chosen,
    ptr,
    nbr,
    alpha,
    beta,
    de,
    tie,
    duals,
    thresholds,
    per_anchor,
    max_rows,
    max_steps,
):  # pragma: no cover - compiled
    """Unitary alignments anchored at each unit u of `chosen` (u their first real unit) whose
    reduced cost (cost + tie - the duals of their units) is below thresholds[u]: per anchor
    the per_anchor ones of least reduced cost, or (per_anchor = 0) every one at most
    thresholds[u] (for the exact program).
    The dominance bounds of enumerate_alignments hold as there, and a partial alignment is
    dropped once _future_bound shows that no completion reaches the threshold. Rows, summed
    pair costs and unit counts as enumerate_alignments returns them, plus the reduced costs;
    ok=False past max_rows rows or max_steps steps."""
    empty = len(starts)
    c2 = n * (n - 1) // 2
    tol = 1 + 1e-9
    slack = 1e-12
    side = min(3, n // 2)
    cap = 1024
    rows = np.empty((cap, n), dtype=np.int64)
    sums = np.empty(cap)
    ks = np.empty(cap, dtype=np.int64)
    rcs = np.empty(cap)
    count = 0
    steps = 0
    members = np.empty(n, dtype=np.int64)  # continuum unit indices
    local_of = np.empty(n, dtype=np.int64)  # their candidate indices (the anchor's unused)
    msum = np.empty(n)
    pos = np.empty(n, dtype=np.int64)
    best_only = per_anchor > 0
    kept = max(per_anchor, 1)
    best_pos = np.empty((kept, n), dtype=np.int64)
    best_total = np.empty(kept)
    best_k = np.empty(kept, dtype=np.int64)
    best_rc = np.empty(kept)
    choice = np.empty(n, dtype=np.int64)
    added = np.zeros(n, dtype=np.bool_)
    msum_at = np.empty((n, n))
    total_at = np.empty(n)
    psum_at = np.empty(n)
    lvl_ptr = np.empty(n + 1, dtype=np.int64)
    g = np.empty(n)
    gmin = np.empty(n)
    for u in chosen:
        a0 = owners[u]
        # the anchor's candidates level by level, and all their dissimilarities
        size = 0
        for lv in range(n):
            lvl_ptr[lv] = size
            if lv > a0:
                size += ptr[u * n + lv + 1] - ptr[u * n + lv]
        lvl_ptr[n] = size
        cand = np.empty(size, dtype=np.int64)
        for lv in range(a0 + 1, n):
            lo = ptr[u * n + lv]
            for i in range(ptr[u * n + lv + 1] - lo):
                cand[lvl_ptr[lv] + i] = nbr[lo + i]
        pi_local = np.empty(size)
        d_anchor = np.empty(size)
        dmat = np.empty((size, size))
        for i in range(size):
            pi_local[i] = duals[cand[i]]
            d_anchor[i] = _diss(u, cand[i], starts, ends, cats, alpha, beta, de)
            for j in range(i):
                d = _diss(cand[i], cand[j], starts, ends, cats, alpha, beta, de)
                dmat[i, j] = d
                dmat[j, i] = d
        # accs[level, i]: summed dissimilarity of candidate i to the members chosen before
        # `level` (copied level to level, so never a rounding residue)
        accs = np.empty((n + 1, max(size, 1)))
        for i in range(size):
            accs[a0 + 1, i] = d_anchor[i]
        order = np.empty((n, max(size, 1)), dtype=np.int64)
        change = np.empty(max(size, 1))
        threshold = thresholds[u]
        found = 0
        pos[:] = empty
        pos[a0] = u
        members[0] = u
        msum[0] = 0.0
        k = 1
        total = 0.0
        psum = duals[u]
        lone = de + tie - psum  # the anchor alone: every one of its C(n, 2) pairs costs de
        if lone <= threshold:
            if best_only:
                threshold = _keep_best(best_pos, best_total, best_k, best_rc, found, kept,
                                       pos, 0.0, 1, lone, threshold)  # fmt: skip
                found = min(found + 1, kept)
            else:
                if count == cap:
                    if cap >= max_rows:
                        return rows[:0], sums[:0], ks[:0], rcs[:0], False
                    cap = min(cap * 2, max_rows)
                    rows, sums = _grown(rows, count, cap), _grown(sums, count, cap)
                    ks, rcs = _grown(ks, count, cap), _grown(rcs, count, cap)
                rows[count] = pos
                sums[count] = 0.0
                ks[count] = 1
                rcs[count] = lone
                count += 1
        level = a0 + 1
        if level < n:
            choice[level] = -1
            added[level] = False
            _order_level(order, level, lvl_ptr, accs[level], pi_local, k, c2, de, change)
        while level > a0:
            steps += 1
            if steps > max_steps:
                return rows[:0], sums[:0], ks[:0], rcs[:0], False
            if level >= n:  # a complete row (the anchor alone was counted above)
                level -= 1
                if k < 2:
                    continue
                rc = (total + (c2 - k * (k - 1) // 2) * de) / c2 + tie - psum
                keep = rc < threshold if best_only else rc <= threshold
                if keep:
                    keep = _row_may_be_optimal(
                        k, total, members, msum, starts, ends, cats, alpha, beta, de, n, side, tol
                    )
                if keep and best_only:
                    threshold = _keep_best(best_pos, best_total, best_k, best_rc, found, kept,
                                           pos, total, k, rc, threshold)  # fmt: skip
                    found = min(found + 1, kept)
                elif keep:
                    if count == cap:
                        if cap >= max_rows:
                            return rows[:0], sums[:0], ks[:0], rcs[:0], False
                        cap = min(cap * 2, max_rows)
                        rows, sums = _grown(rows, count, cap), _grown(sums, count, cap)
                        ks, rcs = _grown(ks, count, cap), _grown(rcs, count, cap)
                    rows[count] = pos
                    sums[count] = total
                    ks[count] = k
                    rcs[count] = rc
                    count += 1
                continue
            if added[level]:  # undo this level's previous choice, restored from copies
                k -= 1
                total = total_at[level]
                psum = psum_at[level]
                for m in range(k):
                    msum[m] = msum_at[level, m]
                added[level] = False
                pos[level] = empty
            choice[level] += 1
            cnt = lvl_ptr[level + 1] - lvl_ptr[level]
            if choice[level] > cnt:  # every candidate and the empty unit tried
                level -= 1
                continue
            r = n - 1 - level
            acc = accs[level]
            nxt = accs[level + 1]
            if choice[level] < cnt:
                i = order[level, choice[level]]
                new_k = k + 1
                limit = (c2 + new_k - 1 + r) * de * tol
                own = acc[i]  # summed in member order, as enumerate_alignments sums it
                if own > limit or total + own > _budget(new_k + r, n) * de * tol:
                    continue
                fits = msum[0] + d_anchor[i] <= limit
                m = 1
                while fits and m < k:
                    fits = msum[m] + dmat[i, local_of[m]] <= limit
                    m += 1
                if not fits:
                    continue
                total_at[level] = total
                psum_at[level] = psum
                for m in range(k):
                    msum_at[level, m] = msum[m]
                msum[0] += d_anchor[i]
                for m in range(1, k):
                    msum[m] += dmat[i, local_of[m]]
                members[k] = cand[i]
                local_of[k] = i
                msum[k] = own
                k = new_k
                total += own
                psum += pi_local[i]
                added[level] = True
                pos[level] = cand[i]
                _next_sums(acc, nxt, dmat, i, level, n, lvl_ptr, pi_local, k, c2, de, gmin)
            else:  # the empty unit: the bounds only tighten as annotators run out
                if total > _budget(k + r, n) * de * tol:
                    continue
                limit = (c2 + k - 1 + r) * de * tol
                fits = True
                for m in range(k):
                    if msum[m] > limit:
                        fits = False
                        break
                if not fits:
                    continue
                _next_sums(acc, nxt, dmat, -1, level, n, lvl_ptr, pi_local, k, c2, de, gmin)
            level += 1
            if level < n:
                now = (total + (c2 - k * (k - 1) // 2) * de) / c2 + tie - psum
                bound = now + _future_bound(level, n, gmin, c2, de, g)
                if bound > threshold + slack:
                    level -= 1  # no completion reaches the threshold: the next choice
                    continue
                choice[level] = -1
                added[level] = False
                _order_level(order, level, lvl_ptr, nxt, pi_local, k, c2, de, change)
        for b in range(found if best_only else 0):
            if count == cap:
                cap = cap * 2
                rows, sums = _grown(rows, count, cap), _grown(sums, count, cap)
                ks, rcs = _grown(ks, count, cap), _grown(rcs, count, cap)
            rows[count] = best_pos[b]
            sums[count] = best_total[b]
            ks[count] = best_k[b]
            rcs[count] = best_rc[b]
            count += 1
    return rows[:count], sums[:count], ks[:count], rcs[:count], True
