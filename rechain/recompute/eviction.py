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

goes first: cheap to rebuild, large, and not used for long. ``cost`` is a
deterministic estimate, not a timing -- the flops of a matrix product or
convolution, the elements touched by anything else (weighted by what an
element costs NumPy against a matmul flop), and a fixed cost per re-run (see
``op_cost``) -- so the same model and budget evict the same arrays on every
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
eviction could not bring the total under the limit, and a ``BudgetWarning``
says so once.

Note [selective recomputation]. :func:`selective` (and :func:`checkpoint`)
apply a *policy* instead of a limit: a callable ``policy(op, shapes, nbytes)``
told, for each op recorded inside, the FunctionNode, the shapes of its inputs
and the bytes of its outputs, returns True to keep what the op makes. When the
block ends, every other evictable array is evicted, so backward re-runs the
cheap ops from the kept outputs of the expensive ones (JAX's
``checkpoint_dots``, PyTorch's selective checkpointing). Unlike ``F.forget``,
nothing replays the function: single ops re-run from their recorded inputs.
"""

from heapq import heapify, heappop, heappush
import sys
import time
import warnings
import weakref

import numpy

from rechain import _backprop
from rechain import function_node
from rechain import variable as _variable
from rechain.recompute.plan import parse_bytes

Parameter = _variable.Parameter
_remat_state = function_node._remat
_getrefcount = sys.getrefcount

#: Ops whose cost is a contraction (multiply-adds), by class name.
_DOT_OPS = frozenset({
    "LinearFunction", "LinearGradData", "LinearGradWeight", "MatMul", "TensorDot",
    "EinSum", "DiagEinSum", "CooMatMul", "Convolution2DFunction", "Convolution2DGradW",
    "ConvolutionNDFunction", "ConvolutionNDGradW", "Deconvolution2DFunction",
    "DeconvolutionNDFunction",
})
#: Of those, the ones whose contracted extent is the last axis of input 0.
_CONTRACT_LAST = frozenset({"MatMul", "TensorDot", "EinSum", "DiagEinSum", "CooMatMul"})


def is_dot(op):
    """Whether ``op`` (a FunctionNode) is a matrix product or a convolution."""
    return type(op).__name__ in _DOT_OPS


def op_cost(op, in_data, out_data):
    """Deterministic cost estimate of re-running ``op``, in floating-point
    operations of a matrix product (see Note [op-level budget]): two per
    multiply-add of a contraction, ``_PER_ELEMENT`` per element any other op
    touches, and ``_PER_OP`` for the re-run itself."""
    out_size = sum(y.size for y in out_data)
    if is_dot(op) and len(in_data) >= 2:
        w = in_data[1]
        # each output element sums over the weight's (or right operand's)
        # contracted extent: the input width of a Linear, C*kh*kw of a conv
        if w.ndim >= 2:
            k = w.size // max(1, w.shape[0]) if w.ndim > 2 else w.shape[-1]
            if type(op).__name__ in _CONTRACT_LAST:
                k = in_data[0].shape[-1] if in_data[0].ndim else 1
            return 2 * out_size * max(1, k) + _PER_OP
    return _PER_ELEMENT * (out_size + sum(x.size for x in in_data)) + _PER_OP


#: What an element costs an elementwise op, a reduction or a copy, in matrix
#: product flops: NumPy on one core (AVX-512) did a float32 matmul at 0.024 ns
#: a flop, a multiply at 0.07 ns an element touched and a tanh at 0.43 ns.
_PER_ELEMENT = 4
#: What re-running any op costs beyond its arithmetic, in the same flops: the
#: op's Python dispatch and the budget's accounting of the re-run, about 25 us.
#: Without it a chain of small ops (an LSTM's splits, concatenations and adds)
#: looked free to rebuild; with it the LSTM re-runs 248 ops a step at 1/3, not 504.
_PER_OP = 1_000_000


# -- policies of selective recomputation (Note [selective recomputation]) ----------

def dots_saveable(op, shapes, nbytes):
    """Keep the outputs of matrix products and convolutions, recompute the rest."""
    return is_dot(op)


checkpoint_dots = dots_saveable


def nothing_saveable(op, shapes, nbytes):
    """Keep nothing made inside: every array is rebuilt from the block's inputs."""
    return False


def everything_saveable(op, shapes, nbytes):
    """Keep everything (the plain run, for comparison)."""
    return True


def save_only(*labels):
    """A policy that keeps the outputs of the ops of the given labels
    (FunctionNode class names, e.g. ``save_only("LinearFunction")``)."""
    names = frozenset(labels)
    for n in names:
        if not isinstance(n, str):
            raise TypeError(f"save_only: op labels must be strings, not {type(n).__name__}")

    def policy(op, shapes, nbytes):
        return op.label in names
    policy.__qualname__ = f"save_only{tuple(sorted(names))}"
    return policy


class BudgetError(RuntimeError):
    """A memory budget too small for a single op's inputs and outputs."""


class BudgetWarning(UserWarning):
    """A memory budget exceeded by arrays it may not evict (told once per budget)."""


def _mib(n):
    return f"{n / 2 ** 20:.2f} MiB"


# -- the account ----------------------------------------------------------------

class _Entry:
    """One accounted memory block and the slots of the nodes that hold it."""

    __slots__ = ("key", "ref", "nbytes", "slots", "vnode", "cost", "last", "evictable",
                 "bound", "epoch", "sources", "est")

    def __init__(self, key, ref, nbytes, vnode, cost, last, evictable):
        self.key = key
        self.ref = ref
        self.nbytes = nbytes
        self.slots = []          # (weakref to FunctionNode, kind 0/1, position)
        self.vnode = vnode       # weakref to the VariableNode of the array, or None
        self.cost = cost
        self.last = last
        self.evictable = evictable
        self.bound = cost        # a lower bound of its rebuild cost, valid in ``epoch``
        self.epoch = -1
        self.sources = None      # weakrefs to the nodes of a view's sources (or None)
        self.est = None          # its rebuild cost as backward last walked it


class _BudgetRemat(function_node.Rematerializer):
    """The rematerializer of the nodes a budget evicted from; it tells the
    budget what it rebuilds."""

    __slots__ = ("owner",)

    def __init__(self, owner):
        super().__init__()
        self.owner = owner

    def rebuild(self, f):
        owner = self.owner
        saved_hook = _remat_state.on_rerun
        _remat_state.on_rerun = owner._on_rerun
        t0 = time.perf_counter()
        saved_node = owner._rebuilding
        owner._rebuilding = f   # its refilled arrays stay while its inputs are rebuilt
        try:
            owner._make_room(f)
            super().rebuild(f)
        finally:
            _remat_state.on_rerun = saved_hook
            owner._rebuilding = saved_node
            if saved_node is None:   # the outermost rebuild: nested ones are in it
                owner.stats["recompute_seconds"] += time.perf_counter() - t0
        owner._after_rebuild(f)


def _base(a):
    b = a.base
    return a if b is None or not isinstance(b, type(a)) else b


class _Account:
    """The saved-array handler shared by :class:`Budget` and :class:`Selective`."""

    replaying = False
    _rebuilding = None   # the node whose saved arrays are being rebuilt
    _fwd_cost = 0        # op costs recorded since the last backward began rebuilding
    _rerun_cost = 0      # op costs re-run since
    _epoch = 0           # bumped whenever arrays come to hand (rebuilds): bounds then lapse

    def __init__(self):
        self.parent = None
        self.remat = _BudgetRemat(self)
        self.entries = {}        # id(base) -> _Entry
        self._keys = {}          # id(weakref) -> id(base)
        self.resident = 0        # accounted bytes
        self.clock = 0
        self._mine = weakref.WeakKeyDictionary()   # recorded node -> its cost
        self._by_node = weakref.WeakKeyDictionary()  # VariableNode -> its _Entry
        self._savers = weakref.WeakKeyDictionary()   # VariableNode -> nodes saving its array
        self._sweep = {}         # VariableNode -> rebuild cost, within one eviction sweep
        self._param_ids = set()
        self._active = False
        self.stats = {"peak_saved_bytes": 0, "saved_bytes": 0, "evicted_bytes": 0,
                      "evictions": 0, "recomputed_bytes": 0, "recomputations": 0,
                      "recompute_seconds": 0.0, "pinned_bytes": 0, "over_budget": 0,
                      "memo_drops": 0}

    # -- context ---------------------------------------------------------------
    def __enter__(self):
        if self._active:
            raise RuntimeError(f"{type(self).__name__.lower()}: this object is already in "
                               f"use; make a new one for another with-block")
        top = function_node.current_handler()
        if top is not None and not isinstance(top, _Account):
            raise RuntimeError(
                f"{type(self).__name__.lower()}: cannot start inside F.forget or "
                f"rechain.memory.saved_arrays (handler {type(top).__name__} is active); "
                f"use it around them instead")
        self.parent = function_node.push_handler(self)
        self._active = True
        return self

    def __exit__(self, *exc):
        function_node.pop_handler(self.parent)
        self._active = False
        return False

    # -- accounting --------------------------------------------------------------
    def _dead(self, ref):
        key = self._keys.pop(id(ref), None)
        if key is None:
            return
        e = self.entries.get(key)
        if e is not None and e.ref is ref:
            del self.entries[key]
            self.resident -= e.nbytes
            self._unmap(e)

    def _unmap(self, e):
        r = e.vnode
        node = r() if r is not None else None
        if node is not None and self._by_node.get(node) is e:
            del self._by_node[node]

    def _add(self, arr, vnode, cost, evictable):
        b = _base(arr)
        key = id(b)
        e = self.entries.get(key)
        if e is not None:
            e.last = self.clock
            return e
        try:
            ref = weakref.ref(b, self._dead)
        except TypeError:  # an array type without weak references: not accounted
            return None
        e = _Entry(key, ref, int(b.nbytes), vnode, cost, self.clock, evictable)
        self.entries[key] = e
        if vnode is not None:
            node = vnode()
            if node is not None:
                v = node._variable()
                if v is None or v._data is None:
                    self._epoch += 1   # a node not at hand comes to hand: bounds lapse
                self._by_node[node] = e
        self._keys[id(ref)] = key
        self.resident += e.nbytes
        return e

    def _peak(self):
        st = self.stats
        if self.resident > st["peak_saved_bytes"]:
            st["peak_saved_bytes"] = self.resident

    def _pin(self, f, node, data):
        """Keep ``data`` (of ``node``, an input of ``f`` nothing could rebuild)
        for as long as ``f`` lives: a rebuild that re-runs ``f`` needs it."""
        pins = getattr(f, "_pins", None)
        f._pins = (data,) if pins is None else pins + (data,)
        self.stats["pinned_bytes"] += int(data.nbytes)
        if getattr(node, "_data_ref", None) is None:
            _variable._remember_data(node, data)

    # -- handler protocol (function_node Note [saved arrays]) -----------------------
    def record(self, f, in_vars, in_data, out_data):
        if self.remat.params:
            # an optimizer updated parameters since: the graphs evicted so far keep
            # their forward-time values in that rematerializer; a new graph gets its own
            self.remat = _BudgetRemat(self)
            self._param_ids.clear()
        self.clock += 1
        clock = self.clock
        mine = self._mine
        cost = op_cost(f, in_data, out_data)
        mine[f] = cost
        if self._rerun_cost:   # a new forward pass after a backward: a new step
            self._fwd_cost = self._rerun_cost = 0
            self._epoch += 1
        self._fwd_cost += cost
        entries = self.entries
        wf = weakref.ref(f)
        # the inputs: touch what is accounted, pin what nothing could rebuild
        for j, v in enumerate(in_vars):
            if isinstance(v, Parameter):
                self._param_ids.add(id(_base(in_data[j])))
                continue
            node = v._node
            c = node.creator
            if c is None or c not in mine:
                if j not in (f._in_retain or ()):  # else f holds it itself
                    self._pin(f, node, in_data[j])
            else:
                e = entries.get(id(_base(in_data[j])))
                if e is not None:
                    e.last = clock
        keep = self._keeps(f, in_data, out_data)
        idx = f._in_retain
        stored = f._retained_in
        if idx is not None and stored is not None:
            for p, i in enumerate(idx):
                d = stored[p]
                if d is None or type(d) is function_node.Placeholder:
                    continue
                v = in_vars[i]
                if isinstance(v, Parameter) or id(_base(d)) in self._param_ids:
                    continue
                node = v._node
                c = node.creator
                ok = c is not None and c in mine
                e = self._add(d, weakref.ref(node), mine.get(c, 0) if ok else 0,
                              ok and not self._kept(c))
                if ok and d.base is not None and e is not None:
                    _link_view_sources(c, _base(d), e)
                if e is not None:
                    e.slots.append((wf, 0, p))
                _add_saver(self._savers, node, wf)
        idx = f._out_retain
        stored = f._retained_out
        if idx is not None and stored is not None:
            outs = f.outputs
            for p, i in enumerate(idx):
                d = stored[p]
                if d is None or type(d) is function_node.Placeholder:
                    continue
                if id(_base(d)) in self._param_ids:
                    continue
                e = self._add(d, outs[i], cost, not keep)
                if e is not None:
                    e.slots.append((wf, 1, p))
                node = outs[i]()
                if node is not None:
                    _add_saver(self._savers, node, wf)
        if keep:
            self._kept_nodes.add(f)
        self._after_record(f, in_vars, in_data, out_data)
        self._peak()

    def record_nested(self, func, in_vars):
        """A ``F.forget`` region starts inside: its inputs are kept as they are
        (the region holds them; they are pinned for rebuilds)."""
        data = [v._data for v in in_vars]
        for v, d in zip(in_vars, data):
            if not isinstance(v, Parameter) and getattr(v._node, "_data_ref", None) is None:
                _variable._remember_data(v._node, d)
        return data

    # -- overridden by the two handlers ----------------------------------------------
    _kept_nodes = None

    def _keeps(self, f, in_data, out_data):
        return False

    def _kept(self, c):
        return False

    def _after_record(self, f, in_vars, in_data, out_data):
        pass

    def _make_room(self, f):
        pass

    # -- eviction ------------------------------------------------------------------
    def _held(self, e):
        """Whether a live Variable holds the array, or the array a view of it is
        (evicting it frees nothing)."""
        r = e.vnode
        if r is None:
            return False
        node = r()
        if node is not None:
            v = node._variable()
            if v is not None and v._data is not None:
                return True
        if e.sources is not None:
            for r in e.sources:
                node = r()
                v = node._variable() if node is not None else None
                if v is not None and v._data is not None:
                    return True
        return False

    def _evict(self, e):
        """Drop the array of entry ``e`` from every node that holds it."""
        if self.entries.get(e.key) is not e:
            return  # freed meanwhile
        # out of the account first: dropping the last slot frees the array, and
        # its weak reference's callback must then find nothing to subtract
        del self.entries[e.key]
        self._keys.pop(id(e.ref), None)
        self.resident -= e.nbytes
        self._unmap(e)
        remat = self.remat
        for wf, kind, p in e.slots:
            f = wf()
            if f is None:
                continue
            stored = f._retained_in if kind == 0 else f._retained_out
            if stored is None or stored[p] is None:
                continue
            stored = stored[:p] + (None,) + stored[p + 1:]
            if kind == 0:
                f._retained_in = stored
            else:
                f._retained_out = stored
            f._freed = True
            if f._handler is None:
                f._handler = remat
        st = self.stats
        st["evicted_bytes"] += e.nbytes
        st["evictions"] += 1
        r = e.vnode
        node = r() if r is not None else None
        if node is not None:
            self._sweep.clear()  # what is at hand changed
            c = node.creator
            if c is not None and c.inputs is not None:
                # a rebuild re-runs c: the Parameters it reads keep their
                # forward-time values should an optimizer update them first
                for n in c.inputs:
                    v = n._variable()
                    if v is not None and isinstance(v, Parameter):
                        remat.watch(v)

    def _rebuild_cost(self, e, cache=None):
        """The cost of rebuilding ``e``'s array: its op, and whatever of that op's
        inputs is not at hand (evicted, or never saved and dead), transitively,
        each op once: DTR's evicted neighbourhood, which keeps the budget from
        evicting a long run of neighbours whose rebuild would re-run the whole
        run."""
        r = e.vnode
        node = r() if r is not None else None
        if node is None:
            return e.cost
        c = node.creator
        if c is None or c.inputs is None:
            return e.cost
        return e.cost + self._inputs_cost(c, cache, e.ref())

    def _inputs_cost(self, c, cache=None, evicted=None):
        """The cost of having the inputs of node ``c`` back: the ops to re-run
        for those not at hand, transitively, each op once. At hand, as a
        rebuild finds it (function_node._input_array): an input the node
        re-run saves itself, an array a live Variable holds, an accounted
        array, an output its op saves, a rebuilt array in the memo, and what
        nothing could rebuild, and an array of a view's source while the view
        keeps it -- unless it is ``evicted``, the array whose rebuild is being
        costed. ``cache`` maps VariableNodes to their op's cost if not at hand,
        0 if at hand (valid while nothing is evicted or dropped from the
        memo; a view's source is looked at afresh each time)."""
        if cache is None:
            cache = {}
        mine = self._mine
        by_node = self._by_node
        memo = _remat_state.memo or ()
        total = 0
        ops = {c}
        stack = [c]
        while stack:
            g = stack.pop()
            own = _own_inputs(g, evicted)
            for j, m in enumerate(g.inputs):
                if j in own:
                    continue
                r = getattr(m, "_data_ref", None)
                if r is not None:
                    a = r()
                    if a is not None and _base(a) is not evicted:
                        continue   # a view's source, or a pinned array: at hand
                cost = cache.get(m)
                if cost is None:
                    v = m._variable()
                    k = m.creator
                    if (v is not None and v._data is not None) or m in by_node or k is None \
                            or k.inputs is None or k not in mine or k in memo:
                        cost = 0
                    else:
                        cost = mine[k]
                    cache[m] = cost
                if cost and _own_output(m.creator, m, evicted):
                    continue
                if cost and m.creator not in ops:
                    ops.add(m.creator)
                    total += cost
                    stack.append(m.creator)
        return total

    def _evict_lazily(self, heap):
        """Evict from ``heap`` in increasing score until the total fits.

        Scores are re-computed after each eviction (evicting an array makes its
        neighbours' rebuilds dearer, Note [op-level budget]), but lazily: an
        entry carries a lower bound of its score, and is scored afresh only
        when it reaches the top. The bound is its rebuild cost as last walked,
        in this sweep or an earlier one (``e.bound``), else its own op's cost:
        between rebuilds an array only ever leaves hand (it is evicted, or its
        Variable dies), so a rebuild cost can only grow, and ``_epoch`` is
        bumped whenever one could fall (a re-run brings arrays to hand). What
        is evicted, and in which order, is what scoring every candidate after every eviction
        would choose (ties go to the earlier candidate), while the graph walks
        of :meth:`_rebuild_cost` drop from candidates x evictions to about the
        evictions. Entries of ``heap``: (score or its lower bound, position,
        version, entry, bytes x staleness).
        """
        heapify(heap)
        version = 1
        limit = self.limit
        entries = self.entries
        while heap and self.resident > limit:
            score, i, v, e, denom = heappop(heap)
            if entries.get(e.key) is not e:
                continue      # freed meanwhile
            if v != version:
                cost = self._rebuild_cost(e, self._sweep)
                e.bound = cost
                e.epoch = self._epoch
                heappush(heap, (cost / denom, i, version, e, denom))
                continue
            self._evict(e)    # (clears the walks' cache: what is at hand changed)
            version += 1

    def _prune(self, backward=False):
        """Forget entries no node saves any more: their holders are all gone
        (a batch the user still holds after its graph died), or, looked for
        in backward, none of them stores the array now (their backward has
        run and freed it, or taken it as the buffer of a gradient, which lives
        on as one: counted, it had the budget evict arrays still to be used)."""
        if backward:
            dead = [e for e in self.entries.values() if e.slots and not _stored(e)]
        else:
            dead = [e for e in self.entries.values()
                    if e.slots and all(wf() is None for wf, _, _ in e.slots)]
        for e in dead:
            del self.entries[e.key]
            self._keys.pop(id(e.ref), None)
            self.resident -= e.nbytes
            self._unmap(e)

    def _candidates(self):
        out = []
        for e in self.entries.values():
            if e.evictable and e.slots and not self._held(e):
                out.append(e)
        return out

    # -- backward: account for rebuilds ------------------------------------------------
    def _on_rerun(self, g, out):
        if out is None:  # before: make room for its outputs
            need = 0
            for r in g.outputs:
                node = r()
                if node is not None:
                    need += _nbytes(node)
            self._fit(None, need)
            return
        st = self.stats
        st["recomputations"] += 1
        self._epoch += 1   # its outputs are at hand now: rebuild costs may fall
        self._rerun_cost += self._mine.get(g, 0)
        for y in out:
            st["recomputed_bytes"] += int(y.nbytes)
            self._add(y, None, 0, False)
        self._fit(None, 0)
        if self.resident > self._room():
            self._over(backward=True)
        self._peak()

    def _fit(self, f, need):
        pass

    def _room(self):
        return self.resident

    def _after_rebuild(self, f):
        self._epoch += 1   # f's refilled arrays are at hand again: bounds lapse
        for _, _, d in function_node.retained_arrays(f):
            if d is not None and type(d) is not function_node.Placeholder \
                    and id(_base(d)) not in self._param_ids:
                self._add(d, None, 0, False)


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
        stats (dict): ``peak_saved_bytes`` (the largest accounted total seen,
            rebuilt arrays included), ``saved_bytes`` (accounted now),
            ``evicted_bytes``/``evictions``, ``recomputed_bytes``/
            ``recomputations`` (ops re-run by backward), ``recompute_seconds``
            (time spent rebuilding), ``pinned_bytes`` (arrays kept because nothing
            could rebuild them), ``over_budget`` (how often eviction could not
            bring the total under the limit).
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
        grads = _backprop._pass.grads
        if not grads:
            return self.limit
        held = 0
        for g in grads.values():
            d = g._data
            if d is not None:
                held += d.nbytes
        # gradients take at most half the limit; beyond that they come on top
        # (room left to nothing would drop every rebuilt array and re-run a
        # chain for each node)
        return max(self.limit - held, self.limit // 2)

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
            self._evict_lazily(heap)
            if self.resident > self.limit:
                self._over()
        self.stats["saved_bytes"] = self.resident

    def _over(self, backward=False):
        st = self.stats
        st["over_budget"] += 1
        if st["over_budget"] == 1:
            why = ("in backward: the arrays the running rebuild reads, or rebuilt arrays "
                   "kept once re-runs cost twice the forward pass (a long chain)"
                   if backward else
                   "what is left is held by live Variables (a skip connection, a result "
                   "still in use) or pinned (the batch, dropout masks)")
            warnings.warn(
                f"budget: {_mib(self.resident)} of saved arrays cannot go under the limit of "
                f"{_mib(self.limit)}: {why}; stats['over_budget'] counts such moments",
                BudgetWarning, stacklevel=4)

    _now = 0

    def _make_room(self, f):
        """Before ``f``'s arrays are rebuilt: evict until they fit."""
        self._now = f.rank
        self._fit(f, _missing_bytes(f))

    def _fit(self, f, need):
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
        if self.resident > self._room():
            self._over(backward=True)
        self._peak()
        self.stats["saved_bytes"] = self.resident


#: Re-run work, in forward passes, beyond which backward stops dropping rebuilt arrays.
_RERUN_CAP = 2


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


def _nbytes(node):
    n = 1
    for k in node.shape:
        n *= k
    return n * numpy.dtype(node.dtype).itemsize


def _stored(e):
    """Whether some node still stores the array of entry ``e``."""
    for wf, kind, p in e.slots:
        f = wf()
        if f is None:
            continue
        stored = f._retained_in if kind == 0 else f._retained_out
        if stored is not None and p < len(stored) and stored[p] is not None:
            return True
    return False


def _holds_any(e, nodes):
    for wf, _, _ in e.slots:
        if wf() in nodes:
            return True
    return False


def _link_view_sources(c, base, e):
    """A node saves a view of ``base``, made by ``c`` from another node's array:
    let the nodes up the view chain whose array ``base`` is find it after their
    Variables die (as a rebuild does, function_node._node_array), so that
    rebuilding what they feed re-runs the cheap view ops, not what made
    ``base``. (A residual stream reshaped for a LayerNormalization: without
    this, rebuilding one layer's input re-ran every layer before it.)"""
    todo = [c]
    for _ in range(8):
        if not todo:
            return
        g = todo.pop()
        for n in g.inputs or ():
            v = n._variable()
            a = v._data if v is not None else None
            if a is not None and _base(a) is base:
                if getattr(n, "_data_ref", None) is None:
                    function_node.link_data(n, a)
                if e.sources is None:
                    e.sources = [weakref.ref(n)]
                elif all(r() is not n for r in e.sources):
                    e.sources.append(weakref.ref(n))
                if n.creator is not None:
                    todo.append(n.creator)


def _own_inputs(g, evicted=None):
    """Positions of the inputs ``g`` saves itself and still holds (but not
    views of ``evicted``: evicting it drops them too)."""
    idx = g._in_retain
    stored = g._retained_in
    if idx is None or stored is None:
        return ()
    out = []
    for i, d in zip(idx, stored):
        if d is None:
            continue
        if type(d) is function_node.Placeholder:
            d = d.array
            if d is None:
                continue
        if evicted is None or _base(d) is not evicted:
            out.append(i)
    return out


def _own_output(k, m, evicted=None):
    """Whether op ``k`` still holds the array of its output node ``m`` (and it
    is not ``evicted``)."""
    idx = k._out_retain
    stored = k._retained_out
    if idx is None or stored is None or k._freed:
        return False
    for i, d in zip(idx, stored):
        if d is not None and k.outputs[i]() is m:
            if type(d) is function_node.Placeholder:
                d = d.array
            return d is not None and (evicted is None or _base(d) is not evicted)
    return False


def _memo_only(arrays):
    """Whether the memo holds the only references to ``arrays`` (no view of
    them, no node's slot): dropping them from it frees their memory."""
    for y in arrays:
        if _getrefcount(y) > 3:   # the memo's tuple, ``y`` and the call's argument
            return False
    return True


def _add_saver(savers, node, wf):
    held = savers.get(node)
    if held is None:
        savers[node] = [wf]
    elif held[-1] is not wf:
        held.append(wf)


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


class Selective(_Account):
    """Keep only what ``policy`` says of the ops that run inside; made by
    :func:`selective` (Note [selective recomputation])."""

    def __init__(self, policy):
        if not callable(policy):
            raise TypeError(f"selective: policy must be a callable (op, shapes, nbytes) -> "
                            f"bool, not {type(policy).__name__}")
        super().__init__()
        self.policy = policy
        self._kept_nodes = weakref.WeakSet()

    def _keeps(self, f, in_data, out_data):
        keep = self.policy(f, tuple(x.shape for x in in_data),
                           sum(int(y.nbytes) for y in out_data))
        if not isinstance(keep, (bool, numpy.bool_)):
            raise TypeError(f"selective: the policy {getattr(self.policy, '__qualname__', '')}"
                            f" returned {type(keep).__name__} for {f.label}; it must return "
                            f"True (keep the op's outputs) or False")
        return bool(keep)

    def _kept(self, c):
        return c in self._kept_nodes

    def _after_rebuild(self, f):
        super()._after_rebuild(f)
        self._peak()

    def __exit__(self, *exc):
        try:
            if exc[0] is None:
                for e in self._candidates():
                    self._evict(e)
                self.stats["saved_bytes"] = self.resident
        finally:
            super().__exit__(*exc)
        return False


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
            gradients accumulate (the way a chain plan spends its peak).

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


def selective(policy=dots_saveable):
    """Keep only the outputs of the ops ``policy`` selects; the rest is rebuilt
    by re-running single ops in backward (Note [selective recomputation]).

    Args:
        policy (callable): ``policy(op, shapes, nbytes) -> bool``; see
            :func:`dots_saveable`, :func:`nothing_saveable`,
            :func:`everything_saveable`, :func:`save_only`.

    Returns:
        Selective: A context manager.
    """
    return Selective(policy)


def checkpoint(func, *args, policy=dots_saveable, **kwargs):
    """Call ``func(*args, **kwargs)`` keeping only what ``policy`` selects of
    the arrays it saves for backward; like ``F.forget`` with a policy, but
    backward re-runs single cheap ops instead of replaying ``func``.

    Returns:
        What ``func`` returns.
    """
    if not callable(func):
        raise TypeError(f"checkpoint: func must be callable, not {type(func).__name__}")
    with Selective(policy):
        return func(*args, **kwargs)
