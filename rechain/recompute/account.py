"""The saved-array account shared by :mod:`rechain.recompute.eviction`
(budgets) and :mod:`rechain.recompute.policies` (selective recomputation):
a saved-array handler (function_node Note [saved arrays]) that accounts for
the arrays the recorded nodes save, evicts them on demand and tells its
owner what backward rebuilds; and the deterministic cost model of a re-run.
The rules are in Note [op-level budget] (eviction.py).
"""

from heapq import heapify, heappop, heappush
import operator
import sys
import time
import weakref

import numpy

from rechain import function_node
from rechain import variable as _variable

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


_get_size = operator.attrgetter("size")


def op_cost(op, in_data, out_data):
    """Deterministic cost estimate of re-running ``op``, in floating-point
    operations of a matrix product (see Note [op-level budget]): two per
    multiply-add of a contraction, ``_PER_ELEMENT`` per element any other op
    touches, and ``_PER_OP`` for the re-run itself."""
    out_size = sum(map(_get_size, out_data))
    if len(in_data) >= 2 and is_dot(op):
        w = in_data[1]
        # each output element sums over the weight's (or right operand's)
        # contracted extent: the input width of a Linear, C*kh*kw of a conv
        if w.ndim >= 2:
            k = w.size // max(1, w.shape[0]) if w.ndim > 2 else w.shape[-1]
            if type(op).__name__ in _CONTRACT_LAST:
                k = in_data[0].shape[-1] if in_data[0].ndim else 1
            return 2 * out_size * max(1, k) + _PER_OP
    return _PER_ELEMENT * (out_size + sum(map(_get_size, in_data))) + _PER_OP


#: What an element costs an elementwise op, a reduction or a copy, in matrix
#: product flops: NumPy on one core (AVX-512) did a float32 matmul at 0.024 ns
#: a flop, a multiply at 0.07 ns an element touched and a tanh at 0.43 ns.
_PER_ELEMENT = 4
#: What re-running any op costs beyond its arithmetic, in the same flops: the
#: op's Python dispatch and the budget's accounting of the re-run, about 25 us.
#: Without it a chain of small ops (an LSTM's splits, concatenations and adds)
#: looked free to rebuild; with it the LSTM re-runs 248 ops a step at 1/3, not 504.
_PER_OP = 1_000_000


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
        #                          (emptied after each: it holds the nodes strongly)
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
                if ok and e is not None:
                    if getattr(node, "_data_ref", None) is None:
                        # a rebuild of another op reading this array finds it
                        # here while ``f`` holds it (function_node._node_array),
                        # as the cost model assumes (an accounted array is at hand)
                        function_node.link_data(node, d)
                    if d.base is not None:
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

    def _evict_lazily(self, heap, target):
        """Evict from ``heap`` in increasing score until the total is at most
        ``target`` bytes.

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
        entries = self.entries
        while heap and self.resident > target:
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
            dead = []
            for e in self.entries.values():
                slots = e.slots
                if slots:
                    for wf, _, _ in slots:
                        if wf() is not None:
                            break
                    else:
                        dead.append(e)
        for e in dead:
            del self.entries[e.key]
            self._keys.pop(id(e.ref), None)
            self.resident -= e.nbytes
            self._unmap(e)

    def _candidates(self):
        out = []
        held = self._held
        for e in self.entries.values():
            if e.evictable and e.slots:
                if e.sources is None:      # _held, inlined for the common case
                    r = e.vnode
                    node = r() if r is not None else None
                    v = node._variable() if node is not None else None
                    if v is not None and v._data is not None:
                        continue
                elif held(e):
                    continue
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
        room = self._room()
        if self.resident > room:
            self._over(backward=True, room=room)
        self._peak()

    def _fit(self, f, need):
        pass

    def _over(self, backward=False, room=None):
        pass

    def _room(self):
        """The bytes saved arrays may take now (no limit here: what they take)."""
        return self.resident

    def _after_rebuild(self, f):
        self._epoch += 1   # f's refilled arrays are at hand again: bounds lapse
        for _, _, d in function_node.retained_arrays(f):
            if d is not None and type(d) is not function_node.Placeholder \
                    and id(_base(d)) not in self._param_ids:
                self._add(d, None, 0, False)


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


def _add_saver(savers, node, wf):
    held = savers.get(node)
    if held is None:
        savers[node] = [wf]
    elif held[-1] is not wf:
        held.append(wf)
