"""A memory budget for any model, and selective recomputation, at the op level.

Note [op-level budget]. ``with budget("300MiB"):`` keeps the bytes of the
arrays the graph saves for backward under a limit while any model runs: a
Chain with its own ``forward``, skips, branches, attention, RNNs over batches
of varying length. It is a saved-array handler (function_node Note [saved
arrays]) that sees every node entering the graph, accounts for the arrays the
node saves, and when the total exceeds the limit *evicts* some: it drops them
from the nodes that hold them, exactly as a freeing backward pass does
(Note [freeing backward]), so the nodes' rematerializer rebuilds them on demand
by re-running the recorded ops that made them. One mechanism serves
``F.forget``'s freed inputs, a second backward through a freed graph, and this
budget; the rebuild is exact, so gradients are bitwise those of the plain run.

What is accounted: every array a node recorded under the budget saves, once
per memory block (views count as their base), except Parameter data (the
model holds it anyway). An entry leaves the account when its memory is freed
(a weak reference tells) or when it is evicted.

What may be evicted: an array made by a node recorded under the budget and no
longer held by its Variable (evicting what a live Variable holds frees
nothing). Arrays that nothing could rebuild -- leaves such as the batch or a
dropout mask, and arrays made before the budget started -- are *pinned*: each
node that reads one keeps a reference to it (as long as the node lives, so as
long as a rebuild could re-run it), and those it saves count against the limit
but are never evicted.

Which array goes (the heuristic). During the forward pass the future is
unknown, and the budget evicts as Dynamic Tensor Rematerialization does
(Kirisame et al., ICLR 2021): the entry with the smallest

    h = (cost of its op + cost of its op's inputs that are evicted too)
        / (bytes x staleness)

goes first: cheap to rebuild, large, and not used for long. Sweeps: once
over the limit, a forward sweep evicts in that order until the total is a
32nd of the limit *under* it, not merely at it: stopping at the limit, nearly
every later op started a sweep of its own (each a walk of every candidate),
which cost the zoo's LSTM at half its saved bytes 0.18 of its plain forward
pass; with the slack a sweep comes every few ops, for slightly more re-run
work (that LSTM re-runs 0.27 of a forward pass a step, 0.24 before). ``cost`` is a
deterministic estimate, not a timing -- the flops of a matrix product or
convolution, the elements touched by anything else (weighted by what an
element costs NumPy against a matmul flop), and a fixed cost per re-run (see
``account.op_cost``) -- so the same model and budget evict the same arrays on every
run. Staleness counts recorded ops since
the entry was last saved or used. The second term (DTR's evicted
neighbourhood, followed transitively, each op once) keeps the budget from
evicting a long run of neighbours whose rebuild would be a long chain of
re-runs. An input counts as at hand exactly when a rebuild would find it
(function_node._input_array): saved by the op re-run itself, saved as its
op's output, held by a live Variable or the account, rebuilt in the pass's
memo, or the source of a view that some node saves (the budget links the
source's node to it, ``function_node.link_data``; a view whose source a live
Variable holds is never a candidate: evicting it frees nothing).

During backward the order of future uses *is* known: nodes run in decreasing
rank. Rebuilt arrays are accounted as well, and when a rebuild takes the total
over the limit the budget evicts the entries needed last (the smallest highest
rank among the nodes holding them: Belady's rule).

Room is made before a rebuild (for the arrays it will make) and before each
re-run (for its outputs), so during backward the total stays under the limit
whenever the arrays one op needs at once fit. In the forward pass the budget
sees an op only after it ran; its evictions follow at once, before any user
code runs, and ``stats['peak_saved_bytes']`` is taken after them: the op's
own outputs exist for that instant beside what is kept (tracemalloc sees
them; they are live results, not saved ones). What can exceed the limit:
pinned arrays, arrays live Variables hold, the arrays one op needs at once,
and rebuilt arrays backward keeps once a step's re-runs have cost twice its
forward pass (below a limit a long chain cannot meet, dropping them would
re-run the chain for every node); ``stats['over_budget']`` counts how often
the total was over the limit, and a ``BudgetWarning`` says so once. Once the
limit could not be kept, backward makes room only down to the peak already
reached (less the gradients it holds): up to there, saved arrays cost no
memory beyond what the step took anyway, and dropping arrays it needs next
would only re-run them (the zoo's U-Net at a third of its saved bytes, whose
own live Variables exceed the limit, re-ran its down path twice a step).
"""

from heapq import heapify, heappop, heappush
import warnings

import numpy

from rechain import _backprop
from rechain.recompute.account import (Parameter, _Account, _getrefcount, _nbytes,
                                       _remat_state)
from rechain.recompute.plan import parse_bytes


class BudgetError(RuntimeError):
    """A memory budget too small for a single op's inputs and outputs."""


class BudgetWarning(UserWarning):
    """A memory budget exceeded by arrays it may not evict (told once per budget)."""


def _mib(n):
    return f"{n / 2 ** 20:.2f} MiB"


def _protected(f):
    stack = _remat_state.stack or ()
    keep = set(stack)
    if f is not None:
        keep.add(f)
        stack = list(stack) + [f]
    for g in stack:
        for n in g.inputs or ():
            c = n.creator
            if c is not None:
                keep.add(c)
    return keep


class Budget(_Account):
    """Keep the saved arrays of whatever runs inside under ``limit`` bytes
    (Note [op-level budget]); made by :func:`budget`.

    Attributes:
        limit (int): The budget in bytes.
        gradients (bool): Whether the gradients the backward pass holds count
            against the limit too (see :func:`budget`).
        stats (dict): ``peak_saved_bytes`` (the largest accounted total seen,
            rebuilt arrays included), ``saved_bytes`` (accounted now),
            ``evicted_bytes``/``evictions``, ``recomputed_bytes``/
            ``recomputations`` (ops re-run by backward), ``recompute_seconds``
            (time spent rebuilding), ``pinned_bytes`` (arrays kept because nothing
            could rebuild them), ``over_budget`` (how often the total was over
            the limit: eviction could not bring it under, and once it could
            not, backward lets the total reach that peak again rather than
            drop arrays it needs next).
    """

    def __init__(self, limit, gradients=False):
        if isinstance(limit, bool):
            raise TypeError("budget: limit must be a byte count such as 300 * 2**20 or "
                            "'300MiB', not bool")
        if isinstance(limit, float) and (limit != limit or limit < 1 or limit != int(limit)):
            raise ValueError(
                f"budget: limit {limit!r} is not a whole number of bytes; pass bytes "
                f"(an int or a string such as '300MiB'). A fraction has no reference "
                f"here: measure the plain step with rechain.memory and pass a size")
        try:
            self.limit = parse_bytes(limit)
        except (TypeError, ValueError) as e:
            msg = str(e).replace("parse_bytes", "budget")
            raise type(e)(msg) from None
        if self.limit <= 0:
            raise ValueError(f"budget: limit must be positive, got {limit!r}")
        if not isinstance(gradients, (bool, numpy.bool_)):
            raise TypeError(f"budget: gradients must be True or False, not "
                            f"{type(gradients).__name__}")
        self.gradients = bool(gradients)
        super().__init__()

    def _room(self):
        """The bytes saved arrays may take now: the limit, less (with
        ``gradients=True``) the gradients the running backward pass holds, but
        at least half the limit."""
        if not self.gradients:
            return self.limit
        # gradients take at most half the limit; beyond that they come on top
        # (room left to nothing would drop every rebuilt array and re-run a
        # chain for each node)
        return max(self.limit - _held_gradients(), self.limit // 2)

    def __repr__(self):
        return (f"<Budget limit={self.limit} peak={self.stats['peak_saved_bytes']} "
                f"evicted={self.stats['evicted_bytes']}>")

    def _after_record(self, f, in_vars, in_data, out_data):
        # what its backward will need at once: every array it saves
        need = 0
        idx = f._in_retain
        if idx is not None:
            for i in idx:
                if not isinstance(in_vars[i], Parameter):
                    need += int(in_data[i].nbytes)
        idx = f._out_retain
        if idx is not None:
            for i in idx:
                need += int(out_data[i].nbytes)
        if need > self.limit:
            raise BudgetError(
                f"budget: {f.label} saves {_mib(need)} for its backward, which needs all of "
                f"it at once: more than the limit of {_mib(self.limit)}; raise the limit (or "
                f"make the batch smaller)")
        if self.resident > self.limit:
            self._prune()
        if self.resident > self.limit:
            self._sweep.clear()
            stale = self.clock + 1
            heap = []
            epoch = self._epoch
            for i, e in enumerate(self._candidates()):
                denom = max(1, e.nbytes) * (stale - e.last)
                heap.append(((e.bound if e.epoch == epoch else e.cost) / denom, i, 0, e,
                             denom))
            self._evict_lazily(heap, self.limit - (self.limit >> _SLACK_SHIFT))
            self._sweep.clear()
            if self.resident > self.limit:
                self._over()
        self.stats["saved_bytes"] = self.resident

    def _over(self, backward=False, room=None):
        st = self.stats
        st["over_budget"] += 1
        if st["over_budget"] == 1:
            why = ("in backward: the arrays the running rebuild reads, or rebuilt arrays "
                   "kept once re-runs cost twice the forward pass (a long chain)"
                   if backward else
                   "what is left is held by live Variables (a skip connection, a result "
                   "still in use) or pinned (the batch, dropout masks)")
            bound = (f"the limit of {_mib(self.limit)}" if room is None or room >= self.limit
                     else f"the {_mib(room)} the limit of {_mib(self.limit)} leaves beside the "
                          f"gradients backward holds")
            warnings.warn(
                f"budget: {_mib(self.resident)} of saved arrays cannot go under {bound}: "
                f"{why}; stats['over_budget'] counts such moments",
                BudgetWarning, stacklevel=4)

    _now = 0

    def _make_room(self, f):
        """Before ``f``'s arrays are rebuilt: evict until they fit."""
        self._now = f.rank
        self._fit(f, _missing_bytes(f))

    def _fit(self, f, need):
        try:
            self._fit_now(f, need)
        finally:
            self._sweep.clear()   # it holds VariableNodes: no graph may outlive a step in it

    def _fit_now(self, f, need):
        """Make room for ``need`` more bytes in backward. Backward runs nodes in
        decreasing rank, so the distance to each array's next use is known
        (the rank of the node backward is at, less the highest rank of a node
        holding the array; for a rebuilt array in the pass's memo, less its
        node's rank). Evict by DTR's h with that distance as staleness --
        rebuild cost / (bytes x distance): cheap, large and used last goes
        first, which for equal costs is Belady's rule. A rebuilt array in the
        memo is next used by the first node still to run that saves it; one
        that no such node saves is read again only should what it feeds be
        re-run again, and goes first (unless a view keeps it: dropping it then
        frees nothing). Otherwise it
        costs what it would cost to rebuild again: its op and whatever of
        that op's inputs is no longer at hand (the memo counts as at hand), so
        the arrays far from the nearest kept one stay, as new checkpoints, and
        those next to it go (with its own op's cost alone the budget dropped
        them all and re-ran each segment once per node: the transformer at 1/3
        re-ran 2.2 forward passes a step, 1.2 now). Never what the running
        rebuild reads. With ``gradients=True`` the room is the limit less the
        gradients the pass holds (:meth:`_room`)."""
        limit = self._room()
        if self.stats["over_budget"]:
            # the limit could not be kept already (live Variables, one op's
            # needs): saved arrays and gradients together up to the peak reached
            # cost no memory beyond it, and dropping arrays backward needs next
            # would only re-run them
            limit = max(limit, self.stats["peak_saved_bytes"] - _held_gradients())
        if self.resident + need <= limit:
            return
        self._prune(backward=True)
        if self.resident + need <= limit:
            return
        keep = _protected(f if f is not None else self._rebuilding)
        memo = _remat_state.memo
        if memo:
            # a rebuilt array is read by the nodes its op's outputs feed, all of a
            # higher rank than the op's: once backward is at or below that rank
            # (it has done them all) nothing will read it again
            # (the node being rebuilt reads its own outputs from the memo only if
            # it saves some)
            now = self._now
            me = f if f is not None else self._rebuilding
            stack = _remat_state.stack or ()
            dead = [g for g in memo if g.rank >= now and (
                g not in keep or (g is me and g._out_retain is None and g not in stack))]
            for g in dead:
                del memo[g]
            if dead and self.resident + need <= limit:
                return
        reads = {n for g in keep for n in (g.inputs or ())}
        now = self._now + 1
        cache = self._sweep
        cache.clear()
        # Scored once, before any of these evictions (re-scoring after each, as
        # the forward pass does, re-ran more on the zoo's transformer and LSTM
        # when tried), and lazily: an entry is walked only when the cost its
        # last walk found (or its own op's, before any) could put it among
        # those evicted. That cost is an estimate, not a bound -- a rebuild in
        # between may have brought part of its walk to hand -- so an entry
        # whose rebuild became cheaper may be passed over; scoring all of them
        # at every call was most of an LSTM step's bookkeeping.
        pending = []
        for i, e in enumerate(self._candidates()):
            if not _holds_any(e, keep) and (e.vnode is None or e.vnode() not in reads):
                denom = max(1, e.nbytes) * max(1, now - _latest_use(e))
                est = e.est if e.est is not None else e.bound
                pending.append((est / denom, 0, i, e, denom, e.nbytes))
        scored = []
        # Rebuilt arrays are dropped only while the re-runs of this step cost
        # less than twice its forward pass: below a budget the graph's shape
        # cannot meet (a long recurrent chain), dropping them would re-run
        # the chain for every node -- quadratic -- and the budget is exceeded
        # instead (and says so) than the step slowed without bound.
        if memo and self._rerun_cost <= _RERUN_CAP * self._fwd_cost:
            mine = self._mine
            savers = self._savers
            for i, g in enumerate(memo):
                if g not in keep:
                    # its next use: the first of the nodes saving one of its
                    # outputs that backward has still to run; with none, it is
                    # read only should a re-run of what it feeds be needed
                    # again, and goes first
                    nxt = _next_saver(savers, g, now - 1)
                    if nxt is None:
                        if _memo_only(memo[g]):
                            scored.append((0.0, 1, i, g, 0, 0))
                            continue
                        nxt = g.rank   # (a view of it is kept: dropping frees nothing)
                    nbytes = sum(int(y.nbytes) for y in memo[g]) or 1
                    cost = mine.get(g, 1) + self._inputs_cost(g, cache)
                    scored.append((cost / (nbytes * max(1, now - nxt)), 1, i, g, 0, 0))
        heapify(pending)
        heapify(scored)

        def take():
            """The next candidate in increasing score (score, kind, position)."""
            while pending and (not scored or pending[0][:3] < scored[0][:3]):
                _, kind, i, e, denom, nbytes = heappop(pending)
                cost = self._rebuild_cost(e, cache)
                e.est = cost
                heappush(scored, (cost / denom, kind, i, e, denom, nbytes))
            return heappop(scored) if scored else None

        # first as many candidates as make room by the evicted entries' bytes
        # alone (dropping a rebuilt array from the memo may free nothing: a
        # refilled node holds it too), all scored before the first eviction;
        # then, should that not be enough, one at a time
        order, room = [], self.resident + need - limit
        while room > 0:
            t = take()
            if t is None:
                break
            order.append(t)
            if t[1] == 0:
                room -= t[5]
        while True:
            for _, kind, _, c, _, _ in order:
                if self.resident + need <= limit:
                    return
                if kind == 0:
                    self._evict(c)
                elif memo.pop(c, None) is not None:
                    self.stats["memo_drops"] += 1
            if self.resident + need <= limit:
                return
            t = take()
            if t is None:
                return
            order = [t]

    def _after_rebuild(self, f):
        super()._after_rebuild(f)
        self._fit(f, 0)
        room = self._room()
        if self.resident > room:
            self._over(backward=True, room=room)
        self._peak()
        self.stats["saved_bytes"] = self.resident


#: A forward sweep evicts down to the limit less ``limit >> _SLACK_SHIFT``
#: (1/32 of it): Note [op-level budget], "Sweeps".
_SLACK_SHIFT = 5

#: Re-run work, in forward passes, beyond which backward stops dropping rebuilt arrays.
_RERUN_CAP = 2


def _held_gradients():
    """Bytes of the gradients the running backward pass holds."""
    held = 0
    for g in (_backprop._pass.grads or {}).values():
        d = g._data
        if d is not None:
            held += d.nbytes
    return held


def _missing_bytes(f):
    """Bytes of the saved arrays of ``f`` that a rebuild has to make: not
    those the pass's memo holds already, or a live Variable."""
    memo = _remat_state.memo or ()
    total = 0
    stored = f._retained_out
    if stored is not None and f._out_retain is not None and f not in memo:
        for i, d in zip(f._out_retain, stored):
            if d is None:
                node = f.outputs[i]()
                if node is not None:
                    total += _nbytes(node)
    stored = f._retained_in
    if stored is not None and f._in_retain is not None and f.inputs is not None:
        for i, d in zip(f._in_retain, stored):
            if d is None:
                node = f.inputs[i]
                v = node._variable()
                if (v is not None and v._data is not None) or node.creator in memo:
                    continue
                total += _nbytes(node)
    return total


def _holds_any(e, nodes):
    for wf, _, _ in e.slots:
        if wf() in nodes:
            return True
    return False


def _memo_only(arrays):
    """Whether the memo holds the only references to ``arrays`` (no view of
    them, no node's slot): dropping them from it frees their memory."""
    for y in arrays:
        if _getrefcount(y) > 3:   # the memo's tuple, ``y`` and the call's argument
            return False
    return True


def _next_saver(savers, g, now):
    """The highest rank, at most ``now``, of the live nodes that save an
    output of ``g`` (backward runs them next), or None."""
    best = None
    for r in g.outputs or ():
        node = r()
        if node is None:
            continue
        for wf in savers.get(node, ()):
            f = wf()
            if f is not None and f.rank <= now and (best is None or f.rank > best):
                best = f.rank
    return best


def _latest_use(e):
    """The rank of the first of its holders backward will run (higher runs first)."""
    r = -1
    for wf, _, _ in e.slots:
        f = wf()
        if f is not None and f.rank > r:
            r = f.rank
    return r


def budget(limit, gradients=False):
    """Train any model with at most ``limit`` bytes of saved activations.

    Use it around the forward and backward pass of a step (or around a whole
    training loop); arrays the graph saves beyond the limit are dropped and
    rebuilt exactly when backward needs them (Note [op-level budget]).

    Args:
        limit: Bytes, an int or a string such as ``"300MiB"`` or ``"1.5GB"``.
        gradients (bool): Count the gradients backward holds (the
            parameters' and those on their way) against the limit too: a
            budget for the step's memory rather than its saved arrays alone.
            Saved arrays then get the room gradients do not take yet: all of
            the limit in the forward pass, less and less as parameter
            gradients accumulate (the way a chain plan spends its peak), but
            never less than half of it: beyond that, gradients come on top.

    Returns:
        Budget: A context manager; its ``stats`` say how many bytes were
        evicted and recomputed, and the peak.

    Example:
        >>> with rechain.recompute.budget("40MiB") as b:
        ...     loss = model(x, t)
        ...     loss.backward()
        >>> b.stats["peak_saved_bytes"] <= 40 * 2**20
    """
    return Budget(limit, gradients)
