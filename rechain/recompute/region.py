"""Forget regions: record a forward pass without its saved arrays, replay it on demand.

Note [forget regions]. ``F.forget(func, *xs)`` runs ``func`` with graph
recording on, under a :class:`Region` installed as the saved-array handler (see
function_node Note [saved arrays]). Every node that enters the graph inside the
region is *recorded*: its type and the shapes and dtypes of its inputs, in op
order. Each array it retains is replaced by a :class:`Placeholder`, except
Parameter data, which the model holds anyway. When ``func`` returns, nothing
references the intermediate arrays any more and they are freed; the graph
itself is the real graph, so parameters, ``loss_scale``, accumulation and
double backprop need no special code.

The first time backward asks a node of the region for a retained array, the
region *replays* ``func`` once: same inputs, the configuration captured at the
forward pass with ``in_recomputing`` set, and the framework random stream
rewound to where the forward pass started (and put back afterwards, so the
stream continues as if no recompute had happened). During the replay no graph
is built; each node is matched against the record (a mismatch raises
:class:`RecomputeError`) and fills the placeholders of its recorded
counterpart. The replay stops right after the last op that retains anything. Backprop drops a node's refilled arrays right after the node's
backward ran, and the rest at the end of the pass, so a later backward
recomputes again.

Note [grad inside forget]. ``func`` may differentiate what it computes
(``rechain.grad(...)`` for a gradient penalty). Such a call needs a graph of
``func``'s operations, and a plain replay builds none. A region therefore
watches for backward passes that start while it records (``_on_backward``, a
``_backprop`` observer); if one does, the region and its enclosing regions
replay *with a graph*: a :class:`_GraphReplay` handler is active instead of the
region, nodes enter a throwaway graph as in a forward pass, and each node is
matched against the record and fills its counterpart's placeholders as in a
plain replay. The replay's inputs are Variables on the region inputs' own
nodes, so that the inner backward pass goes on past them into the graph before
the region exactly as it did in the forward pass (its ops were recorded then).
The inner ``grad`` then runs on that graph, and the nodes its
backward pass builds (with ``enable_double_backprop``) are matched in turn,
since the forward pass recorded them too. A nested ``F.forget`` met during such
a replay is a fresh region of the throwaway graph. The throwaway graph is
dropped when the replay ends; only the filled placeholders stay. ``func`` may
not call ``.backward()`` as well (a graph replay would accumulate into the
parameters again): that raises :class:`RecomputeError`.

Note [value check]. A replay reproduces the forward pass only if ``func``
depends on nothing but its inputs, the configuration and the random stream. A
value read from a closure or a global that changed in between gives other
arrays with the same shapes, which the signature check cannot see. Under
``config.debug`` (captured when the region is created) the region records a
fingerprint of every recorded op's outputs: the float64 sum of each output
and a strided sample of at most 16 of its elements. A replay then runs to the
last recorded op and compares each op's fingerprint, raising
:class:`RecomputeError` naming the first op (type and position in the region)
whose values differ. A replay is deterministic, so the comparison is exact.
Cost (measured on a loaded 2-core machine, NumPy, one BLAS thread, CPU time,
medians of interleaved runs): 24 µs per forget call wrapping two tiny ops
(forward plus backward: 56 µs per call without the check, 80 µs with it),
and 3 % of a forward+backward step of resmlp N=16 (width 512, batch 2048)
with every block under forget (1.84 s against 1.89 s); nothing when
``config.debug`` is off.

Nested regions: a region created while another records stores its own inputs
through the outer region (as placeholders of a pseudo-op "forget" in the outer
record). When the outer region replays, the nested ``F.forget`` call fills those
placeholders and then runs its function without a graph.
"""

import operator

import numpy

from rechain import _backprop
from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import random as _random
from rechain import variable as _variable
from rechain.recompute.outputs import check_outputs as _check_outputs

Placeholder = function_node.Placeholder
Parameter = _variable.Parameter
Variable = _variable.Variable


RecomputeError = function_node.RecomputeError


class _StopReplay(BaseException):
    """Ends a replay early once everything backward needs is rebuilt.

    A BaseException so that ``except Exception`` in user code lets it through.
    """


_shape_dtype = operator.attrgetter("shape", "dtype")


def _signature(op, in_data):
    """What must match between forward and replay: op type, input shapes and dtypes."""
    return (op, tuple(map(_shape_dtype, in_data)))


def _describe(sig):
    op, ins = sig
    name = op if isinstance(op, str) else op.__name__
    args = ", ".join(f"{dt} {tuple(sh)}" for sh, dt in ins)
    return f"{name}({args})"


def _func_name(func):
    return getattr(func, "__qualname__", None) or type(func).__name__


class Region:
    """One call of ``F.forget``: the record of its forward pass and its inputs.

    The region references its placeholders, and the nodes of the region
    reference the region (``f._handler``); the region references no node, so
    dropping the graph frees everything without the cyclic collector.

    Attributes:
        replaying (bool): True while the region replays its function.
        recomputes (int): How many times the function was replayed.
    """

    __slots__ = ("func", "args", "kwargs", "var_positions", "parent", "replaying",
                 "recomputes", "records", "slots", "last_slot", "config", "rng_state",
                 "inputs", "in_nodes", "states", "nested_outputs", "_parent_index", "_cursor",
                 "_stop_at", "_state_cursor", "nested_grad", "prints", "__weakref__")

    def __init__(self, func, args, kwargs, var_positions, parent):
        self.func = func
        self.args = args              # positional args; Variables replaced by None
        self.kwargs = kwargs
        self.var_positions = var_positions
        self.parent = parent
        self.replaying = False
        self.recomputes = 0
        self.records = []             # per recorded node: signature
        self.slots = []               # per recorded node: tuple of Placeholders, or None
        self.last_slot = -1           # index of the last record with placeholders
        self.config = configuration.snapshot()
        self.rng_state = _random.get_state()
        self.inputs = None            # [(array, parent's Placeholder or None if freed,
                                      #   requires_grad)]
        self.in_nodes = None          # the inputs' nodes, to rebuild a freed input
        self.states = []              # link states seen by replayed_state(), in call order
        self.nested_outputs = {}      # record index of a nested region -> its outputs'
                                      # requires_grad flags
        self._parent_index = None     # this region's pseudo-op index in its parent
        self._cursor = 0
        self._stop_at = -1
        self._state_cursor = 0
        self.nested_grad = False      # a backward pass ran inside func (Note [grad
                                      # inside forget]): replay with a graph
        # per record: fingerprint of its outputs, under config.debug (Note [value check])
        self.prints = [] if configuration.config.debug else None

    # -- forward: record ----------------------------------------------------------
    def store_inputs(self, in_vars):
        parent = self.parent
        if parent is not None and not parent.replaying:
            if isinstance(parent, Region):
                self._parent_index = len(parent.records)
            stored = parent.record_nested(self.func, in_vars)
        else:
            stored = [v._data for v in in_vars]
        self.inputs = [(s, v._node.requires_grad) for s, v in zip(stored, in_vars)]
        self.in_nodes = [v._node for v in in_vars]

    def record(self, f, in_vars, in_data, out_data):
        self.records.append((type(f), tuple(map(_shape_dtype, in_data))))
        if self.prints is not None:
            self.prints.append(_fingerprint(out_data))
        new = None
        idx = f._in_retain
        if idx is not None:
            stored = []
            for j, i in enumerate(idx):
                if type(in_vars[i]) is Parameter:   # the model holds it anyway
                    stored.append(f._retained_in[j])
                else:
                    ph = Placeholder(0, i)
                    stored.append(ph)
                    new = [ph] if new is None else new + [ph]
            f._retained_in = tuple(stored)
        idx = f._out_retain
        if idx is not None:
            stored = tuple([Placeholder(1, i) for i in idx])
            f._retained_out = stored
            new = list(stored) if new is None else new + list(stored)
        if new is not None:
            f._handler = self
            self.last_slot = len(self.slots)
            self.slots.append(tuple(new))
        else:
            self.slots.append(None)

    def record_nested(self, func, in_vars):
        """Store the inputs of a nested region as placeholders of a pseudo-op."""
        in_data = [v._data for v in in_vars]
        self.records.append(_signature(f"forget[{_func_name(func)}]", in_data))
        if self.prints is not None:
            self.prints.append(None)
        stored = []
        new = []
        for i, v in enumerate(in_vars):
            if type(v) is Parameter:
                stored.append(v._data)
                continue
            ph = Placeholder(0, i)
            stored.append(ph)
            new.append(ph)
        if new:
            self.last_slot = len(self.slots)
            self.slots.append(tuple(new))
        else:
            self.slots.append(None)
        return stored

    # -- backward: replay -----------------------------------------------------------
    def fill(self, placeholder):
        """Replay the function so that ``placeholder`` (and the rest) get filled."""
        self.recompute()
        if placeholder.array is None:
            raise RecomputeError(
                f"F.forget: the recompute of {_func_name(self.func)} did not rebuild an "
                f"array that backward needs; the function must perform the same "
                f"operations on every call")

    def _input_arrays(self):
        arrays = []
        parent = self.parent
        for k, (stored, _) in enumerate(self.inputs):
            if type(stored) is Placeholder:
                if stored.array is None:
                    parent.fill(stored)
                stored = stored.array
            elif stored is None:  # freed after the replay of an earlier backward pass
                stored = function_node.rebuild_array(
                    self.in_nodes[k], f"F.forget({_func_name(self.func)}): input {k}")
            arrays.append(stored)
        return arrays

    def _free_inputs(self):
        """F22: in a freeing backward pass the inputs are not needed after the
        replay; those that can be rebuilt (not leaves) are dropped."""
        cache = function_node._remat.rerunnable
        self.inputs = [(None, rg) if type(s) is not Placeholder and s is not None
                       and node.creator is not None
                       and function_node.can_rerun(node.creator, cache) else (s, rg)
                       for (s, rg), node in zip(self.inputs, self.in_nodes)]

    def recompute(self):
        """Replay ``func`` once, filling every placeholder of the region."""
        last = self.last_slot
        if last < 0:
            return
        arrays = self._input_arrays()
        args = list(self.args)
        if self.nested_grad:  # on the inputs' own nodes: an inner grad goes on past them
            for pos, a, node in zip(self.var_positions, arrays, self.in_nodes):
                args[pos] = Variable._on_node(a, node)
        else:
            for pos, a, (_, rg) in zip(self.var_positions, arrays, self.inputs):
                args[pos] = Variable._constant(a, rg)
        saved_rng = _random.get_state()
        _random.set_state(self.rng_state)
        prev = function_node.push_handler(_GraphReplay(self) if self.nested_grad else self)
        local = vars(configuration.config)
        saved_config = dict(local)
        g, captured = self.config
        local.update(g)
        if captured:
            local.update(captured)
        local["in_recomputing"] = True
        self.replaying = True
        self._cursor = 0
        self._state_cursor = 0
        self._stop_at = last if self.prints is None else len(self.records) - 1
        try:
            self.func(*args, **self.kwargs)
        except _StopReplay:
            pass
        finally:
            self.replaying = False
            local.clear()
            local.update(saved_config)
            function_node.pop_handler(prev)
            _random.set_state(saved_rng)
        self.recomputes += 1
        if self._cursor <= last:
            expected = _describe(self.records[self._cursor])
            raise RecomputeError(
                f"F.forget: the recompute of {_func_name(self.func)} ran {self._cursor} "
                f"recorded operations, but the forward pass ran {len(self.records)}; the "
                f"first one missing is op #{self._cursor}: {expected}")
        # The nested region's inputs were needed for this replay only.
        for stored, _ in self.inputs:
            if type(stored) is Placeholder:
                stored.array = None
        if _backprop.freeing_pass():
            self._free_inputs()
        _backprop.note_refilled(self)

    def _match(self, sig):
        k = self._cursor
        records = self.records
        if k >= len(records):
            raise RecomputeError(
                f"F.forget: the recompute of {_func_name(self.func)} ran an extra "
                f"operation #{k}: {_describe(sig)}; the forward pass ran only "
                f"{len(records)} recorded operations")
        if records[k] != sig:
            raise RecomputeError(
                f"F.forget: the recompute of {_func_name(self.func)} diverged from the "
                f"forward pass at op #{k} of the region: forward ran "
                f"{_describe(records[k])}, recompute ran {_describe(sig)}. The function "
                f"must perform the same operations on the same shapes and dtypes on "
                f"every call (the random stream and configuration are replayed, other "
                f"state is not)")
        return k

    def _check_values(self, k, out_data):
        """Note [value check]: the replayed outputs of op #k must be the forward's."""
        expected = self.prints[k]
        if expected is None:
            return
        got = _fingerprint(out_data)
        for i, (e, g) in enumerate(zip(expected, got)):
            if not (_same(e[0], g[0]) and e[1] == g[1]):
                raise RecomputeError(
                    f"F.forget: the recompute of {_func_name(self.func)} gave other values "
                    f"than the forward pass at op #{k} of the region, "
                    f"{_describe(self.records[k])}: output {i} sums to {g[0]!r}, in the "
                    f"forward pass to {e[0]!r}. The function must compute from its inputs, "
                    f"the configuration and the random stream only; a value read from a "
                    f"closure or a global that changed since the forward pass gives wrong "
                    f"gradients (checked because config.debug is on)")

    def _fill_slots(self, k, arrays_by_kind):
        slots = self.slots[k]
        if slots is not None:
            for ph in slots:
                if ph.array is None:
                    ph.array = arrays_by_kind[ph.kind][ph.index]
        self._cursor = k + 1
        if k >= self._stop_at:
            raise _StopReplay

    def replay(self, f, in_data, out_data):
        k = self._match((type(f), tuple(map(_shape_dtype, in_data))))
        if self.prints is not None:
            self._check_values(k, out_data)
        self._fill_slots(k, (in_data, out_data))

    def note_outputs(self, outs):
        """Tell the parent region whether this region's outputs require grad."""
        k = self._parent_index
        if k is not None:
            ys = outs if isinstance(outs, tuple) else (outs,)
            self.parent.nested_outputs[k] = tuple(y._node.requires_grad for y in ys)

    def replay_nested(self, func, args, kwargs, in_vars):
        """A nested ``F.forget`` call met while this region replays.

        Fills the placeholders of the nested region's inputs, then computes its
        outputs without a graph: the nested function runs with this region
        suspended (a nested ``F.forget`` inside it just calls its function; link
        state still comes from this region's record). The outputs get the
        ``requires_grad`` flags they had in the forward pass, so the operations
        after them record as they did then.
        """
        in_data = [v._data for v in in_vars]
        k = self._match(_signature(f"forget[{_func_name(func)}]", in_data))
        self._fill_slots(k, (in_data,))
        prev = function_node.push_handler(_Suspended(self))
        try:
            with configuration.no_backprop_mode():
                outs = _check_outputs(func(*args, **kwargs))
        finally:
            function_node.pop_handler(prev)
        flags = self.nested_outputs.get(k)
        if flags is None:
            return outs
        if isinstance(outs, tuple):
            return tuple(Variable._constant(y._data, f) for y, f in zip(outs, flags))
        return Variable._constant(outs._data, flags[0])

    def next_state(self):
        """The state remembered at the matching call of the forward pass."""
        k = self._state_cursor
        if k >= len(self.states):
            raise RecomputeError(
                f"F.forget: the recompute of {_func_name(self.func)} asked for link state "
                f"#{k}, but the forward pass remembered only {len(self.states)}; the "
                f"function must make the same stateful calls in the same order")
        self._state_cursor = k + 1
        return _thaw(self.states[k])

    def release(self):
        """Drop every refilled array (end of a backward pass)."""
        for s in self.slots:
            if s is not None:
                for ph in s:
                    ph.array = None


_SAMPLES = 16


def _fingerprint(out_data):
    """Per output: its float64 (complex128) sum and the bytes of a strided
    sample of at most ``_SAMPLES`` elements (Note [value check])."""
    ret = []
    for y in out_data:
        flat = y.reshape(-1)
        sample = flat[::max(1, flat.size // _SAMPLES)][:_SAMPLES]
        if type(y) is not numpy.ndarray:
            sample = backend.to_cpu(sample)
        total = flat.sum(dtype=numpy.complex128 if y.dtype.kind == "c" else numpy.float64)
        ret.append((complex(total) if y.dtype.kind == "c" else float(total),
                    sample.tobytes()))
    return ret


def _same(a, b):
    return a == b or (a != a and b != b)  # NaN sums agree with each other


class _GraphReplay:
    """Handler while a region replays with a graph (Note [grad inside forget]):
    nodes enter a throwaway graph, and each is matched against the record and
    fills the placeholders of its counterpart."""

    replaying = False
    parent = None

    def __init__(self, region):
        self.region = region

    def record(self, f, in_vars, in_data, out_data):
        r = self.region
        k = r._match((type(f), tuple(map(_shape_dtype, in_data))))
        if r.prints is not None:
            r._check_values(k, out_data)
        r._fill_slots(k, (in_data, out_data))

    def record_nested(self, func, in_vars):
        """A nested ``F.forget``: match its pseudo-op; it records as a fresh region."""
        r = self.region
        in_data = [v._data for v in in_vars]
        k = r._match(_signature(f"forget[{_func_name(func)}]", in_data))
        r._fill_slots(k, (in_data,))
        return in_data

    def next_state(self):
        return self.region.next_state()


def _on_backward(is_backward):
    """Called by ``_backprop`` when a backward pass (``is_backward``) or a
    ``grad()`` call starts while a saved-array handler is active: a ``grad``
    while regions record makes them replay with a graph (Note [grad inside
    forget])."""
    h = function_node.current_handler()
    if h is None or h.replaying:
        return
    if type(h) is _GraphReplay:
        if is_backward:
            raise RecomputeError(
                f"F.forget: {_func_name(h.region.func)} calls both rechain.grad() and "
                f".backward(); replaying it would accumulate into the parameters again. "
                f"Call .backward() outside the forgotten function")
        return
    if is_backward:
        return  # a plain replay does not redo it: its effect on grads happens once
    while h is not None:
        if isinstance(h, Region):
            h.nested_grad = True
        h = getattr(h, "parent", None)


function_node.backward_hook = _on_backward


class _Suspended:
    """Handler while a nested function runs inside a replay: no graph, no
    recording; link state keeps coming from the replaying region."""

    replaying = True

    def __init__(self, region):
        self.region = region

    def next_state(self):
        return self.region.next_state()


def _freeze(state):
    if isinstance(state, Variable):
        return (_FROZEN, state._data, state._node.requires_grad)
    if isinstance(state, tuple):
        return tuple(_freeze(s) for s in state)
    return state


def _thaw(state):
    if isinstance(state, tuple):
        if len(state) == 3 and state[0] is _FROZEN:
            return Variable._constant(state[1], state[2])
        return tuple(_thaw(s) for s in state)
    return state


_FROZEN = object()


def replayed_state(state):
    """The state a stateful link should compute from, exact under ``F.forget``.

    A link that keeps state between calls (``L.LSTM``) has advanced it by the
    time backward replays a forget region. It asks this function instead of
    reading its state directly:

    - outside ``F.forget`` it returns ``state``;
    - while forget regions record, each of them remembers ``state`` (arrays
      of Variables, in call order) and it is returned;
    - while a region replays, it returns what was remembered at the same call
      of the forward pass, as constant Variables.

    During a replay ``config.in_recomputing`` is True, and the link must not
    store a new state. ``state`` may be a Variable, None, or a tuple of them.
    """
    h = function_node.current_handler()
    if h is None:
        return state
    if h.replaying:
        return h.next_state()
    regions = []
    while h is not None:
        if type(h) is _GraphReplay:  # the state of the forward pass, for fresh regions too
            state = h.next_state()
            break
        if isinstance(h, Region):
            regions.append(h)
        h = getattr(h, "parent", None)
    if regions:
        frozen = _freeze(state)
        for r in regions:
            r.states.append(frozen)
    return state
