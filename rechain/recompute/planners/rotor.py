"""``optimal``: the dynamic program of Beaumont et al. 2019 (Rotor).

Note "top level". The backward pass frees what each item keeps once the
item's backward is done (memory model, rule 4), so a top-level schedule
composes like a re-run (note "optimal"): its first item keeps what it keeps
while the rest runs forward and backward, then frees it. Two things differ
from a re-run: no gradient exists during the forward pass, and the chain's
output ``h_n`` stays alive through the backward pass (the loss holds it), so
a stored block ``j`` costs ``S_j + A_n + G[j+1] + R_j`` above what the items
before it keep, and a region ``l..b-1`` its forgetting pass, then ``A_n +
G[b]`` plus the peak of its re-run; the forward pass also runs a trailing
region, which a re-run does not (note "early stop"). ``optimal`` fills a
top-level table from the re-run table, O(n^2 * slots) more work.

Note "optimal". A re-run range ``l..r-1`` starts with a stored block ``l`` or
with a region ``l..m-1`` (``m < r``) whose own re-run follows a schedule of
``l..m-1``; the rest of the range follows. The first item keeps what it
keeps while the rest runs, then frees it, so the peak of a re-run is a max of
the first item's own moments and the rest's peak shifted by what the first
item keeps, and the time is a sum: optimal substructure in (range, memory
left). A stored block's backward in a re-run costs its ``R_i``
(``rerun_bwd_bytes``, memory model rule 6) above ``S_i`` and what backward
holds, where a top-level stored block costs ``A_i + W_i + T_i`` (or its
``top_bwd_bytes``); inside a re-run a stored block keeps ``S'_i``
(``rerun_saved_bytes``) and, as the last block of a range, costs its one
peak ``L_i`` (``rerun_last_bytes``), rule 9 of the memory model. The ranges of the table end with a stored block: a re-run does not
run its trailing region (note "early stop" in ``plan.py``), which then costs
exactly what its inner items spliced in its place cost, so leaving trailing
regions out loses nothing (a region covering a whole re-run range is one of
them). The re-run table counts ``G[r]`` inside
the budget of range ``l..r-1``, so that a region's re-run gets the budget of
the range it starts whatever ``r``; it is filled with NumPy over the memory
axis and the range ends, O(n^3 * slots) work, and the top level (note "top
level") is filled from it.

Memory is counted in slots of ``u`` bytes, each size rounded to the nearest
whole slot. When the budget left after the constant and the input (the
room) is at most ``slots`` bytes, a slot is one byte and the program is exact.
Otherwise the slots span 1.5 times the room; the tables give the fastest plan
for every slot budget, and a binary search takes the largest slot budget whose
plan's peak, recomputed in bytes, fits. Rounding to the nearest slot keeps
the error of a sum of sizes small, where rounding up would overcount every
array by up to a slot (with 500 slots for 200 blocks, an array is a slot or
two). Near the least feasible budget rounding weighs most: there, and when no
slot budget gives a plan that fits, the plan of least peak (exact in bytes:
the same recurrences with (max, +) replaced by a min over peaks) is tried
too; if even that does not fit, the budget is infeasible. Chains longer than
``max_blocks`` are first coarsened by merging neighbours into blocks whose
costs bound those of their parts (note "coarsening"). Times are tabulated in
float64 for chains of up to 64 blocks and in float32 beyond: half the memory
traffic, and the plan found is then optimal to within about 1e-6 relative. A
plan's predicted peak and time are always recomputed exactly from its
schedule.

Note "coarsening". Two neighbouring blocks x, y merge into one block with
x's input, y's output, the sum of their times and of their parameter
gradients, saved bytes ``S_x + S_y + A_mid`` (the middle activation is kept
when the merged block is stored) and temp bytes ``max(0, T_y, A_mid + T_y -
A_in, T_x + A_mid - A_out)``: with these, every moment of running the merged
block, in any mode, holds at least what the same moment of running x then y
holds (backward inside a re-run: ``R = max(R_y, R_x + W_y - S_y - A_out)``
when either is known, the moments of y's then x's backward, exactly), so the peak of a coarse plan bounds the peak of the same plan on the
"""

import numbers

import numpy

from rechain.recompute import costs as costs_lib
from rechain.recompute.planners.evaluation import (InfeasibleBudget, _Chain, _evaluate,
                                                   _gradient_totals, _plan, _prune, _Region,
                                                   _start, dominant)

_INF = float("inf")
#: Chains up to this many blocks are tabulated in float64, longer ones in
#: float32 (note "optimal").
_FLOAT64_BLOCKS = 64
#: The slot grid of ``optimal`` spans this many times the budget (note "optimal").
_HEADROOM = 1.5
#: With a per-byte time (Note [time model]) ``optimal`` also evaluates the
#: plans of this many slot budgets below the largest that fits.
_PEAK_PROBES = 8
#: ``optimal`` also tries the plan of least peak when the budget is below this
#: many times the least slot budget with a plan.
_NEAR_LEAST = 1.25
#: ``revolve`` skips snapshot counts whose schedule re-runs a block more often

def _slot_grid(room, slots):
    """Bytes per slot and the largest slot budget tabulated (note "optimal").

    Exact (one byte per slot) when ``room`` fits in ``slots``; otherwise the
    ``slots`` slots span ``_HEADROOM`` times ``room``.
    """
    if room <= slots:
        return 1, room
    span = int(room * _HEADROOM)
    unit = -(-span // slots)
    return unit, span // unit


class _SlotDP:
    """The dynamic programs of notes "optimal" and "top level", in slots.

    ``R[l][r - l - 1, M]``: the least time to re-run and backprop the range
    l..r-1 when ``M`` slots are free above its input ``h_l``, what backward
    holds when it starts (``G[r]``: ``g_r`` and the parameter gradients of
    blocks r..n-1) counting against ``M``. Counting ``G[r]`` inside ``M`` makes
    the budget of a region's re-run equal to the budget of the range it
    starts, whatever ``r``: one NumPy operation then serves every range end
    ``r`` at once. ``R[l]`` are views into one array (``table``), so that
    rebuilding a schedule can gather across ranges.
    """

    def __init__(self, ch, unit, cap):
        n = self.n = ch.n
        self.cap = cap
        slot = lambda x: (2 * x + unit) // (2 * unit)  # noqa: E731  nearest
        self.A = [slot(x) for x in ch.A]
        self.S = [slot(x) for x in ch.S]
        self.T = [slot(x) for x in ch.T]
        self.W = [slot(x) for x in ch.W]
        # backward transient of a block stored in a re-run (rule 6), in slots;
        # the plain rule is summed from the rounded sizes
        self.Rb = [self.A[i] + self.W[i] + self.T[i] if given is None
                   else max(slot(given), self.A[i] + self.W[i])
                   for i, given in enumerate(ch.R_given)]
        top = [b.top_bwd_bytes for b in ch.costs.blocks]
        rerun = self.Rb               # stored in a re-run (rule 6)
        # at top level (rule 9): top_bwd_bytes where known
        self.Rb = [rerun[i] if given is None else max(slot(given), self.A[i] + self.W[i])
                   for i, given in enumerate(top)]
        # a stored block inside a re-run (rule 9): what it keeps, its backward
        # transient, its peak as the last item; the rules summed in slots
        self.Sr = [slot(x) for x in ch.Sr]
        self.Rr = rerun
        self.L = [max(self.A[i + 1] + self.Sr[i] + self.T[i], self.Sr[i] + self.Rr[i])
                  if b.rerun_last_bytes is None
                  else max(slot(b.rerun_last_bytes), self.Sr[i],
                           self.A[i] + self.W[i] - self.A[i + 1])
                  for i, b in enumerate(ch.costs.blocks)]
        self.G = _gradient_totals(self.A, self.W)
        self.G_np = numpy.array(self.G, dtype=numpy.int64)
        self.F = ch.F
        self.B = ch.B
        self.cumF = [0.0]
        for f in ch.F:
            self.cumF.append(self.cumF[-1] + f)
        self.dtype = numpy.float64 if n <= _FLOAT64_BLOCKS else numpy.float32
        A, S, T = (numpy.array(v, dtype=numpy.int64) for v in (self.A, self.S, self.T))
        self.A_np = A
        # phi[l, m]: forgetting pass over l..m-1 (see _Chain.phi), in slots
        first = A[1:] + S + T
        step = A[:-1] + A[1:] + S + T
        self.phi = numpy.full((n + 1, n + 1), numpy.iinfo(numpy.int64).max // 4, dtype=numpy.int64)
        for l in range(n):
            self.phi[l, l + 1:] = numpy.maximum.accumulate(
                numpy.concatenate(([first[l]], step[l + 1:])))
        # row of range l..r-1 in the packed table: offset[l] + r - l - 1
        self.offset = numpy.zeros(n + 1, dtype=numpy.int64)
        for l in range(1, n + 1):
            self.offset[l] = self.offset[l - 1] + n - l + 1

    def solve(self):
        """Fill the re-run table ``R`` (note "optimal")."""
        n, cap, ncol = self.n, self.cap, self.cap + 1
        # S: what a stored block keeps inside a re-run (rule 9)
        A, S, T, F, B, cumF, phi = self.A, self.Sr, self.T, self.F, self.B, self.cumF, self.phi
        G, G_np, dtype = self.G, self.G_np, self.dtype
        # at_least[k, M] = M >= k: row k masks the columns below k
        at_least = numpy.arange(ncol)[None, :] >= numpy.arange(ncol + 1)[:, None]
        buf = numpy.empty(n * ncol, dtype=dtype)
        # least and largest G[r] over the range ends r > m
        end_min = numpy.minimum.accumulate(G_np[::-1])[::-1].tolist()
        end_max = numpy.maximum.accumulate(G_np[::-1])[::-1].tolist()
        self.table = numpy.full((int(self.offset[n]), ncol), _INF, dtype=dtype)
        R = self.R = [self.table[self.offset[l]:self.offset[l] + n - l] for l in range(n)] + [None]
        rest_from = [ncol] * (n + 1)      # columns every range l..r-1 leaves infinite
        for l in range(n - 1, -1, -1):
            row = R[l]                                   # row[r - l - 1]: range l..r-1
            fb = F[l] + B[l]
            bwd = self.Rr[l]
            need = self.L[l] + G[l + 1]                  # block l last (rule 9)
            if need <= cap:
                row[0, need:] = fb
            shift = S[l] + A[l + 1]
            if n - l > 1:                                # stored block l, then the rest
                need = numpy.maximum(A[l + 1] + S[l] + T[l] + G_np[l + 2:],
                                     S[l] + G[l + 1] + bwd)
                lo = int(need.min())
                if lo <= cap:
                    target = row[1:, lo:]
                    numpy.add(R[l + 1][:, lo - shift:ncol - shift], fb, out=target)
                    target[~at_least[need - lo, :ncol - lo]] = _INF
            for m in range(l + 1, n):                    # region l..m-1, then the rest
                ph = int(phi[l, m])
                if ph > cap:
                    break
                inner = row[m - l - 1]                   # final by now
                # tables fall with M: skip the columns where the forgetting
                # pass, the re-run or every rest is still infinite
                lo = max(ph + end_min[m + 1], int(numpy.count_nonzero(inner == _INF)),
                         rest_from[m] + A[m])
                if lo > cap:
                    continue
                am = A[m]
                width = ncol - lo
                inner = inner[lo:] + (cumF[m] - cumF[l])
                cand = buf[:(n - m) * width].reshape(n - m, width)
                numpy.add(R[m][:, lo - am:ncol - am], inner, out=cand)
                target = row[m - l:, lo:]
                # the forgetting pass needs M >= phi + G[r]: a band of columns
                # where that depends on r, then all rows valid
                band = min(end_max[m + 1] - (lo - ph), width)
                if band > 0:
                    starts = numpy.maximum(G_np[m + 1:] - (lo - ph), 0)
                    numpy.minimum(target[:, :band], cand[:, :band], out=target[:, :band],
                                  where=at_least[starts, :band])
                else:
                    band = 0
                numpy.minimum(target[:, band:], cand[:, band:], out=target[:, band:])
            rest_from[l] = int(numpy.count_nonzero(row == _INF, axis=1).min())

    def solve_top(self):
        """Fill the top-level table ``Top`` (note "top level") from ``R``.

        ``Top[l, M]``: the least time of top-level items covering l..n-1 with
        ``M`` slots free above ``h_l`` (what the items before keep is below).
        A stored block ``l`` needs its forward moment and its backward moment
        ``S_l + A_n + G[l+1] + R_l`` (``h_n`` stays alive); a region ``l..m-1``
        its forgetting pass and its re-run with ``A_n`` slots less.
        """
        n, cap, ncol, dtype = self.n, self.cap, self.cap + 1, self.dtype
        A, S, T, F, B, G, R, cumF = self.A, self.S, self.T, self.F, self.B, self.G, self.R, self.cumF
        an = A[n]
        top = self.Top = numpy.full((n + 1, ncol), _INF, dtype=dtype)
        if G[n] <= cap:
            top[n, G[n]:] = 0.0
        for l in range(n - 1, -1, -1):
            row = top[l]
            shift = S[l] + A[l + 1]
            need = max(A[l + 1] + S[l] + T[l], S[l] + an + G[l + 1] + self.Rb[l], shift)
            if need <= cap:
                row[need:] = top[l + 1, need - shift:ncol - shift] + dtype(F[l] + B[l])
            for m in range(l + 1, n + 1):
                lo = max(int(self.phi[l, m]), an, A[m])
                if lo > cap:
                    continue
                inner = R[l][m - l - 1, lo - an:ncol - an]
                rest = top[m, lo - A[m]:ncol - A[m]]
                cand = inner + rest + dtype(cumF[m] - cumF[l])
                numpy.minimum(row[lo:], cand, out=row[lo:])

    def top_items(self, M):
        """Rebuild the top-level schedule for ``M`` slots above ``h_0``."""
        n, A, S, T, F, B, G, R, cumF = (self.n, self.A, self.S, self.T, self.F, self.B,
                                        self.G, self.R, self.cumF)
        an = A[n]
        items, l = [], 0
        while l < n:
            best, choice = _INF, None
            shift = S[l] + A[l + 1]
            if M >= max(A[l + 1] + S[l] + T[l], S[l] + an + G[l + 1] + self.Rb[l], shift):
                best, choice = self.Top[l + 1, M - shift] + self.dtype(F[l] + B[l]), l
            for m in range(l + 1, n + 1):
                if M < max(self.phi[l, m], an, A[m]):
                    continue
                value = (R[l][m - l - 1, M - an] + self.Top[m, M - A[m]]
                         + self.dtype(cumF[m] - cumF[l]))
                if value < best:
                    best, choice = value, m
            if choice is None or best == _INF:
                raise RuntimeError(f"optimal: no option runs blocks {l}..{n - 1} with {M} "
                                   f"slots (internal error)")
            if choice == l:
                items.append(l)
                M -= shift
                l += 1
            else:
                items.append(_Region(l, choice, self._rec_items(l, choice, M - an)))
                M -= A[choice]
                l = choice
        return items

    def _region_times(self, l, ms):
        """Forward time of regions l..m-1, in the table's float type."""
        return (numpy.array([self.cumF[m] for m in ms]) - self.cumF[l]).astype(self.dtype)

    def _rec_items(self, l, r, M):
        """Rebuild the schedule of a re-run range l..r-1 with M slots."""
        A, S, T, F, B, R, G = self.A, self.Sr, self.T, self.F, self.B, self.R, self.G
        items = []
        while r - l > 1:
            best = _INF
            if M >= max(A[l + 1] + S[l] + T[l] + G[r], S[l] + G[l + 1] + self.Rr[l]):
                best = R[l + 1][r - l - 2, M - S[l] - A[l + 1]] + self.dtype(F[l] + B[l])
            ms = numpy.arange(l + 1, r)
            cols = M - self.A_np[ms]
            values = self.table[self.offset[ms] + r - ms - 1, numpy.maximum(cols, 0)] \
                + (R[l][ms - l - 1, M] + self._region_times(l, ms))
            values[M < self.phi[l, ms] + G[r]] = _INF
            k = int(numpy.argmin(values))
            if best <= values[k]:
                if best == _INF:
                    raise RuntimeError(f"optimal: no option rebuilds blocks {l}..{r - 1} "
                                       f"with {M} slots (internal error)")
                items.append(l)
                M -= S[l] + A[l + 1]
                l += 1
            else:
                m = l + 1 + k
                items.append(_Region(l, m, self._rec_items(l, m, M)))
                M -= A[m]
                l = m
        items.append(l)
        return items


def _min_peak_schedule(ch):
    """A schedule of least peak, exact in bytes.

    Re-run ranges: the recurrences of ``_SlotDP`` with (max, +) replaced by a
    min over peaks (ties: least time), O(n^3) with NumPy over the range end.
    Top level: the range of the whole chain (note "top level").
    """
    n, A, S, T, G, F, B = ch.n, ch.A, ch.S, ch.T, ch.G, ch.F, ch.B
    Sr = ch.Sr                          # what a stored block keeps in a re-run (rule 9)
    G_np = numpy.array(G, dtype=numpy.float64)
    phi = numpy.full((n + 1, n + 1), _INF)
    for l in range(n):
        terms = [A[l + 1] + S[l] + T[l]] + [A[j] + A[j + 1] + S[j] + T[j] for j in range(l + 1, n)]
        phi[l, l + 1:] = numpy.maximum.accumulate(numpy.array(terms, dtype=numpy.float64))
    cumF = numpy.concatenate(([0.0], numpy.cumsum(F)))
    peak = numpy.full((n + 1, n + 1), _INF)   # re-run range l..r-1
    time = numpy.full((n + 1, n + 1), _INF)
    split = numpy.zeros((n + 1, n + 1), dtype=numpy.int64)    # l: stored block; m: region
    for l in range(n - 1, -1, -1):
        bwd = ch.Rr[l]                  # a stored block in a re-run (rules 6, 9)
        peak[l, l + 1] = ch.L[l]
        time[l, l + 1] = F[l] + B[l]
        split[l, l + 1] = l
        rr = slice(l + 2, n + 1)
        peak[l, rr] = numpy.maximum(
            numpy.maximum(A[l + 1] + Sr[l] + T[l], Sr[l] + A[l + 1] + peak[l + 1, rr]),
            Sr[l] + G[l + 1] + bwd - G_np[rr])
        time[l, rr] = time[l + 1, rr] + (F[l] + B[l])
        split[l, rr] = l
        for m in range(l + 1, n):
            rr = slice(m + 1, n + 1)
            p = numpy.maximum(numpy.maximum(phi[l, m], A[m] + peak[m, rr]),
                              G[m] - G_np[rr] + peak[l, m])
            t = time[m, rr] + time[l, m] + (cumF[m] - cumF[l])
            better = (p < peak[l, rr]) | ((p == peak[l, rr]) & (t < time[l, rr]))
            peak[l, rr] = numpy.where(better, p, peak[l, rr])
            time[l, rr] = numpy.where(better, t, time[l, rr])
            split[l, rr] = numpy.where(better, m, split[l, rr])

    def rec_items(l, r):
        items = []
        while r - l > 1:
            m = int(split[l, r])
            if m == l:
                items.append(l)
                l += 1
            else:
                items.append(_Region(l, m, rec_items(l, m)))
                l = m
        items.append(l)
        return items

    # top level (note "top level"): top_peak[l], the least peak above h_l of
    # the items covering l..n-1; h_n stays alive through the backward pass
    top_peak = [_INF] * n + [G[n]]
    top_time = [_INF] * n + [0.0]
    top_split = [0] * (n + 1)
    for l in range(n - 1, -1, -1):
        p = max(A[l + 1] + S[l] + T[l], S[l] + A[l + 1] + top_peak[l + 1],
                S[l] + A[n] + G[l + 1] + ch.R[l])
        t = top_time[l + 1] + F[l] + B[l]
        top_peak[l], top_time[l], top_split[l] = p, t, l
        for m in range(l + 1, n + 1):
            p = max(phi[l, m], A[m] + top_peak[m], A[n] + G[m] + peak[l, m])
            t = top_time[m] + time[l, m] + (cumF[m] - cumF[l])
            if p < top_peak[l] or (p == top_peak[l] and t < top_time[l]):
                top_peak[l], top_time[l], top_split[l] = p, t, m
    items, l = [], 0
    while l < n:
        m = top_split[l]
        if m == l:
            items.append(l)
            l += 1
        else:
            items.append(_Region(l, m, rec_items(l, m)))
            l = m
    return items


def _merge(x, y, x_in):
    """One block doing ``x`` then ``y`` (note "coarsening").

    Its output is y's; it keeps both saved sets and the middle activation; its
    temp bound makes every moment of the merged block cover the same moment
    of the pair, so a coarse plan's peak bounds the fine plan's peak.
    """
    mid, out = x.out_bytes, y.out_bytes
    temp = max(0, y.temp_bytes, mid + y.temp_bytes - x_in, x.temp_bytes + mid - out)
    rerun = None
    if x.rerun_bwd_bytes is not None or y.rerun_bwd_bytes is not None:
        # stored in a re-run: y's backward starts with everything the merged
        # block holds; x's starts once y has freed S_y, h_mid and g_out and
        # made g_mid and W_y
        rerun = max(y.rerun_backward(mid),
                    x.rerun_backward(x_in) + y.grad_bytes - y.rerun_saved() - out)
    rerun_saved = rerun_last = None
    if any(b.rerun_saved_bytes is not None or b.rerun_last_bytes is not None for b in (x, y)):
        # in a re-run (rule 9): x stored, then y; as the last item, x's
        # forward, y's peak as the last item, then x's backward once y has
        # freed what it keeps and g_out and made g_mid and W_y
        rerun_saved = x.rerun_saved() + mid + y.rerun_saved()
        rerun_last = max(mid + x.rerun_saved() + x.temp_bytes,
                         x.rerun_saved() + mid + y.rerun_last(mid),
                         x.rerun_saved() + mid + y.grad_bytes - out
                         + x.rerun_backward(x_in), 0)
    top = None
    if x.top_bwd_bytes is not None or y.top_bwd_bytes is not None:
        top = max(y.top_backward(mid),
                  x.top_backward(x_in) + y.grad_bytes - y.saved_bytes - out)
    return costs_lib.BlockCost(x.fwd_time + y.fwd_time, x.bwd_time + y.bwd_time, out,
                               x.saved_bytes + y.saved_bytes + mid, temp,
                               x.grad_bytes + y.grad_bytes, rerun, rerun_saved, rerun_last,
                               top)


def _coarsen(costs, max_blocks):
    """Merge neighbours into ``max_blocks`` groups of balanced length.

    Returns:
        The coarse ``ChainCosts`` and the fine ``(start, stop)`` of each
        coarse block.
    """
    n = costs.n
    size, extra = divmod(n, max_blocks)
    groups, start = [], 0
    for g in range(max_blocks):
        stop = start + size + (1 if g < extra else 0)
        groups.append((start, stop))
        start = stop
    blocks = []
    for start, stop in groups:
        merged = costs.blocks[start]
        x_in = costs.input_bytes if start == 0 else costs.blocks[start - 1].out_bytes
        for j in range(start + 1, stop):
            merged = _merge(merged, costs.blocks[j], x_in)
        blocks.append(merged)
    return costs_lib.ChainCosts(costs.input_bytes, blocks, costs.const_bytes), groups


def _expand(items, groups):
    """Map a coarse schedule back to the fine blocks."""
    out = []
    for item in items:
        if isinstance(item, int):
            out.extend(range(*groups[item]))
        else:
            out.append(_Region(groups[item.start][0], groups[item.stop - 1][1],
                               _expand(item.inner, groups)))
    return out


def optimal(costs, budget_bytes, *, slots=500, max_blocks=200):
    """The fastest persistent schedule within the budget (Rotor).

    Beaumont, Eyraud-Dubois, Herrmann, Joly, Shilova 2019, "Optimal
    checkpointing for heterogeneous chains": a dynamic program over every
    schedule of nested forget regions (note "optimal"). It is exact when the
    budget left after the constant and the input is at most ``slots`` bytes,
    and optimal for sizes rounded to slots otherwise; the plan's peak is
    always checked in bytes. When rounding leaves no plan although one exists
    in bytes, the plan of least peak is used.

    Args:
        costs: A ``ChainCosts``.
        budget_bytes: Bytes, a string such as ``"300MiB"``, or None.
        slots: Memory resolution: the number of slots of the memory axis.
            Work and table memory grow linearly with it.
        max_blocks: Longer chains are first coarsened to this many blocks by
            merging neighbours (note "coarsening").

    Returns:
        A ``Plan``.

    Raises:
        InfeasibleBudget: No schedule fits; the message gives the smallest
            budget that does (exact for chains of up to ``max_blocks``
            blocks; for longer ones, the smallest at that coarsening).

    Example:
        >>> plan = optimal(costs, "300MiB")
        >>> print(plan)
    """
    if isinstance(slots, bool) or not isinstance(slots, numbers.Integral) or slots < 1:
        raise ValueError(f"optimal: slots must be an int >= 1, got {slots!r}")
    if isinstance(max_blocks, bool) or not isinstance(max_blocks, numbers.Integral) \
            or max_blocks < 2:
        raise ValueError(f"optimal: max_blocks must be an int >= 2, got {max_blocks!r}")
    ch, budget, base, fits = _start("optimal", costs, budget_bytes)
    if fits:
        return base
    if ch.n > max_blocks:
        coarse, groups = _coarsen(costs, int(max_blocks))
        work = _Chain(coarse)
        to_fine = lambda items: _expand(items, groups)  # noqa: E731
    else:
        work, to_fine = ch, (lambda items: items)
    best, near_least = None, False
    room = budget - work.const - work.A[0]
    if room >= 0:
        unit, cap = _slot_grid(room, int(slots))
        dp = _SlotDP(work, unit, cap)
        dp.solve()
        target = min(cap, room // unit)
        dp.solve_top()
        times = dp.Top[0]
        # the times fall with the budget: search the largest slot budget whose
        # plan fits in bytes, from the least one that has a plan
        least = int(numpy.count_nonzero(times == _INF))
        low, high = least - 1, cap + 1
        while high - low > 1:
            mid = (low + high) // 2
            candidate = to_fine(dp.top_items(mid))
            if _evaluate(ch, candidate)[0] <= budget:
                low, best = mid, candidate
            else:
                high = mid
        if best is not None and ch.per_byte > 0:
            # Note [time model]: a step pays per byte of its peak, so a plan
            # for fewer slots may be faster in all; try a few below the largest
            best_time = _evaluate(ch, best)[1]
            for k in range(1, _PEAK_PROBES + 1):
                m = least + (low - least) * k // (_PEAK_PROBES + 1)
                if m < least or m >= low:
                    continue
                candidate = to_fine(dp.top_items(m))
                peak, time = _evaluate(ch, candidate)
                if peak <= budget and time < best_time:
                    best, best_time = candidate, time
        near_least = target < _NEAR_LEAST * least
    if best is not None:
        best = _prune(ch, best, limit=budget)
    if best is None or near_least:
        # rounding weighs most near the least budget: the plan of least peak
        # (exact in bytes), with what fits of its regions removed, may win
        candidate = to_fine(_min_peak_schedule(work))
        peak, time = _evaluate(ch, candidate)
        if peak > budget:
            if best is None:
                raise InfeasibleBudget("optimal", budget, peak)
        else:
            candidate = _prune(ch, candidate, limit=budget)
            if best is None or _evaluate(ch, candidate)[1] < _evaluate(ch, best)[1]:
                best = candidate
    return _plan("optimal", ch, dominant(ch, best, budget), budget)

