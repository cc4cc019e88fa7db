"""FunctionNode: one differentiable operation and its node in the graph.

Subclasses implement ``forward(inputs)`` on a tuple of arrays and
``backward(target_input_indexes, grad_outputs)`` on Variables. Nothing is kept
for backward unless ``forward`` declares it with :meth:`retain_inputs` /
:meth:`retain_outputs`.

Note [saved arrays]: the arrays a node retains are the only arrays the graph
holds. They are stored by :meth:`FunctionNode.apply` in one place, and that is
where a *saved-array handler* may intervene: while a handler is active (see
:func:`push_handler`) it sees every node that records into the graph and may
replace the stored arrays by placeholders (``F.forget`` does, to recompute them
on backward; ``rechain.memory`` does, to account for them). A stored object
that is a :class:`Placeholder` is filled by the node's handler (``f._handler.fill``) when
backward asks for it.

Note [freeing backward]: a backward pass that does not retain the graph frees
each node's saved arrays right after the node's backward has run (see
``_backprop``): ``free_saved`` replaces them by None and makes the node's
handler a :class:`Rematerializer`. When a later backward asks such a node for
its saved arrays, the rematerializer rebuilds them exactly by re-running the
recorded nodes that produced them (``FunctionNode.forward`` on the arrays of
their inputs, found the same way, recursively), so two backward passes
through one graph (two losses, GANs) give the gradients a retained graph
would. Three rules make the rebuild exact:

- a node's ``forward`` is a function of its input arrays and its own
  attributes only (random numbers are drawn outside nodes and enter as
  constant inputs, as ``F.dropout``'s mask does);
- an input array without a creator (a leaf: the batch, a dropout mask, a
  constant) is never freed, since nothing could rebuild it; Parameter data
  is held by the model anyway;
- an optimizer that updates a Parameter in place first gives its old value
  to the rematerializers of freed graphs that used it
  (:func:`before_parameter_update`), so a rebuild sees the values of the
  forward pass while the node's own backward sees the live parameter, as in a
  retained graph.

What cannot be rebuilt (a leaf Variable whose array was freed with the
Variable) raises :class:`RecomputeError` naming the node and saying to pass
``retain_graph=True``.
"""

import operator
import sys
import threading
import traceback
import warnings
import weakref

import numpy

from rechain import configuration
from rechain import variable as _variable
from rechain.utils import type_check

Variable = _variable.Variable
VariableNode = _variable.VariableNode
_new = object.__new__
_config = configuration.config
_output = _variable._output
_constant = _variable._constant
_array_types = _variable._array_types
_weakref = weakref.ref
_ndarray = numpy.ndarray
_get_data = operator.attrgetter("_data")
_get_node = operator.attrgetter("_node")
_get_rank = operator.attrgetter("rank")
_get_requires_grad = operator.attrgetter("requires_grad")


class RecomputeError(RuntimeError):
    """A recompute (of ``F.forget`` or of freed saved arrays) could not give
    exactly the arrays of the forward pass.

    Raised instead of computing gradients from arrays that differ from the
    ones the forward pass used.
    """


class _HandlerState(threading.local):
    top = None


_handlers = _HandlerState()

#: rechain.function_hooks' entry point while a function hook is active, else None
#: (Note [function hook entry point] in rechain/function_hooks/function_hook.py).
_function_hooks = None


#: Called as ``backward_hook(is_backward)`` when a backward pass or a grad()
#: call starts while a handler is active (set by rechain.recompute.region).
backward_hook = None


def push_handler(handler):
    """Make ``handler`` the active saved-array handler of the calling thread.

    A handler has an attribute ``replaying`` and the methods
    ``record(f, in_vars, in_data, out_data)`` (called for every node that
    enters the graph while the handler is active; it may replace entries of
    ``f._retained_in`` / ``f._retained_out`` by placeholders and must then set
    ``f._handler``) and ``replay(f, in_data, out_data)`` (called instead of
    building the graph while ``replaying`` is True), and
    ``record_nested(func, in_vars)`` (a nested ``F.forget`` region starts: return
    how to store each of its inputs, an array or a Placeholder the handler
    fills on demand).

    Returns the previous handler, to be given back to :func:`pop_handler`.
    """
    prev = _handlers.top
    _handlers.top = handler
    return prev


def pop_handler(prev):
    _handlers.top = prev


def current_handler():
    return _handlers.top


class Placeholder:
    """Stands in for a retained array that a handler provides on demand.

    ``array`` is None until the handler fills it; ``kind`` (0 input, 1 output)
    and ``index`` say which array of the node it stands for.
    """

    __slots__ = ("array", "kind", "index")

    def __init__(self, kind, index):
        self.array = None
        self.kind = kind
        self.index = index


def _as_arrays(f, out_data):
    """NumPy returns scalars for 0-d results; the graph holds 0-d arrays."""
    ret = []
    for i, y in enumerate(out_data):
        if isinstance(y, numpy.generic):
            y = numpy.asarray(y)
        elif not isinstance(y, _array_types):
            raise TypeError(f"{f.label}.forward output must be a tuple of ndarrays: "
                            f"output {i} is {type(y).__name__}")
        ret.append(y)
    return tuple(ret)


def _as_input(x, f, i):
    if isinstance(x, _array_types):
        v = _constant(x)
        _variable._remember_data(v._node, x)
        return v
    raise TypeError(f"{f.label}: input {i} must be a Variable or an ndarray, "
                    f"not {type(x).__name__}")


class NondifferentiableWarning(UserWarning):
    """A FunctionNode without ``backward`` was backpropagated through: it is
    taken as not differentiable."""


_warned_nondifferentiable = set()   # FunctionNode classes warned about


def _no_type_check(self, in_types):
    """Check the input types before ``forward`` (Chainer's type-check DSL,
    :mod:`rechain.utils.type_check`); the default checks nothing."""


class _CheckTypeForwardSlot:
    """``FunctionNode.check_type_forward`` when no subclass defines it: the
    default that checks nothing. Assigning one to an instance (as Chainer's
    own tests do with a mock) also turns the check on for that instance.
    A subclass that defines the method shadows this slot, and
    ``FunctionNode.__init_subclass__`` turns the check on for the class."""

    def __get__(self, obj, cls=None):
        if obj is None:
            return _no_type_check
        f = obj.__dict__.get("check_type_forward")
        return f if f is not None else _no_type_check.__get__(obj, cls)

    def __set__(self, obj, value):
        obj.__dict__["check_type_forward"] = value
        obj.__dict__["_checks_types"] = True

    def __delete__(self, obj):
        obj.__dict__.pop("check_type_forward", None)
        obj.__dict__.pop("_checks_types", None)


class FunctionNode:
    """Base class of differentiable operations (see the module docstring).

    A subclass may define ``check_type_forward(self, in_types)`` with
    Chainer's type-check DSL (:mod:`rechain.utils.type_check`): ``apply``
    then calls it before ``forward`` while ``config.type_check`` is on, and a
    failed check raises :class:`~rechain.utils.type_check.InvalidType`
    naming the function. Functions that define none pay one attribute test.

    Attributes:
        inputs (tuple of VariableNode): Set when the node enters the graph.
        outputs (tuple of weakref to VariableNode): Likewise.
        rank (int): The largest rank of the inputs (as in Chainer; an output's
            rank is one more).
    """

    inputs = None
    outputs = None
    rank = 0
    #: Where the node was applied (``traceback.extract_stack()``), recorded in
    #: debug mode only; a backward error of the node then shows it (Chainer's).
    stack = None
    _in_retain = None
    _out_retain = None
    _retained_in = None
    _retained_out = None
    _handler = None
    _freed = False
    _checks_types = False    # True: apply calls check_type_forward (see __init_subclass__)
    _wraps_function = False  # True on FunctionAdapter: Variable.creator gives the Function

    check_type_forward = _CheckTypeForwardSlot()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for k in cls.__mro__:
            if k is FunctionNode:
                break
            d = k.__dict__
            if "_checks_types" in d:    # decided by the class itself or a base
                return
            if "check_type_forward" in d:
                cls._checks_types = True
                return

    def _check_data_type_forward(self, in_data):
        """Chainer's two-phase check: a light-mode pass on the arrays; only if
        it fails, a full-mode pass that raises the detailed InvalidType."""
        try:
            with type_check.light_mode:
                self.check_type_forward(type_check.get_light_types(in_data))
            return
        except type_check.InvalidType:
            pass
        in_types = type_check.get_types(in_data, "in_types", False)
        with type_check.get_function_check_context(self):
            self.check_type_forward(in_types)

    @property
    def label(self):
        """Name of the operation shown in messages and reports."""
        return type(self).__name__

    # -- to be implemented by subclasses ---------------------------------------
    def forward(self, inputs):
        """Compute outputs (tuple of arrays) from inputs (tuple of arrays).

        The default calls ``forward_cpu`` or ``forward_gpu`` (by the inputs'
        array module) when the subclass defines them, as Chainer's does.
        """
        gpu = any(type(x).__module__.startswith("cupy") for x in inputs)
        impl = getattr(self, "forward_gpu" if gpu else "forward_cpu", None)
        if impl is None:
            raise NotImplementedError(f"{self.label}.forward is not implemented")
        return impl(inputs)

    def backward(self, target_input_indexes, grad_outputs):
        """Return gradients (Variables or None) for the inputs.

        Args:
            target_input_indexes (tuple of int): Inputs whose gradients are wanted.
            grad_outputs (tuple): Gradient Variable (or None) of each output.

        Returns:
            A tuple with one gradient per target index, or one per input.

        The default, as in Chainer, says the function is not differentiable:
        no gradient flows to its inputs. Since that is easily an omission, it
        warns once per class (``NondifferentiableWarning``).
        """
        cls = type(self)
        if cls not in _warned_nondifferentiable:
            _warned_nondifferentiable.add(cls)
            warnings.warn(f"{self.label}.backward is not implemented: it is taken as not "
                          f"differentiable, and no gradient flows to its inputs (as in "
                          f"Chainer); define backward to pass gradients",
                          NondifferentiableWarning, stacklevel=2)
        return (None,) * len(target_input_indexes)

    def backward_accumulate(self, target_input_indexes, grad_outputs, grad_inputs):
        """Return the gradients of the target inputs *added to* ``grad_inputs``.

        ``grad_inputs`` holds, per target, the gradient the pass has summed for
        that input so far (or None). A node may override this to fuse the sum
        into its backward (Chainer's API); the backward pass then calls it
        instead of :meth:`backward`. The default calls :meth:`backward` and adds.
        """
        gxs = self.backward(target_input_indexes, grad_outputs)
        if len(gxs) != len(target_input_indexes) and self.inputs is not None \
                and len(gxs) == len(self.inputs):
            gxs = tuple([gxs[i] for i in target_input_indexes])
        return tuple([gx if g_in is None else g_in if gx is None else gx + g_in
                      for gx, g_in in zip(gxs, grad_inputs)])

    def retain_inputs(self, indexes):
        """Declare which inputs ``backward`` needs (call inside ``forward``)."""
        self._in_retain = tuple(indexes)

    def retain_outputs(self, indexes):
        """Declare which outputs ``backward`` needs (call inside ``forward``)."""
        self._out_retain = tuple(indexes)

    # -- graph construction ------------------------------------------------------
    def apply(self, inputs):
        """Compute the outputs and, when a gradient is needed, enter the graph.

        Args:
            inputs: Variables or arrays.

        Returns:
            tuple of Variables.
        """
        try:  # fast path: every input is a Variable
            in_data = tuple(map(_get_data, inputs))
            in_vars = inputs
        except AttributeError:
            in_vars = tuple([x if isinstance(x, Variable) else _as_input(x, self, i)
                             for i, x in enumerate(inputs)])
            in_data = tuple(map(_get_data, in_vars))
        if _config.enable_backprop:
            if len(in_vars) == 2:      # binary ops: the common case, spelled out
                n0 = in_vars[0]._node
                n1 = in_vars[1]._node
                in_nodes = (n0, n1)
                record = n0.requires_grad or n1.requires_grad
            else:
                in_nodes = tuple(map(_get_node, in_vars))
                record = any(map(_get_requires_grad, in_nodes))
        else:
            record = False
        if self._checks_types and type_check.enabled():
            self._check_data_type_forward(in_data)
        fh = _function_hooks
        if fh is not None:
            fh.forward_pre(self, in_data)
        out_data = self.forward(in_data)
        if type(out_data) is not tuple:
            raise TypeError(f"{self.label}.forward must return a tuple of arrays, "
                            f"not {type(out_data).__name__}")
        for y in out_data:
            if type(y) is not _ndarray:
                out_data = _as_arrays(self, out_data)
                break
        if fh is not None:
            fh.forward_post(self, in_data, out_data)
        if not record:
            return tuple(map(_constant, out_data))
        handler = _handlers.top
        if handler is not None and handler.replaying:
            handler.replay(self, in_data, out_data)
            return tuple([_constant(y, True) for y in out_data])

        if len(in_nodes) == 2:
            r0 = in_nodes[0].rank
            r1 = in_nodes[1].rank
            self.rank = r0 if r0 > r1 else r1
        else:
            self.rank = max(map(_get_rank, in_nodes))
        self.inputs = in_nodes
        if _config.debug:
            self.stack = traceback.extract_stack()
        if len(out_data) == 1:  # variable._output, inlined: the most common case
            data = out_data[0]
            y = _new(Variable)
            y._data = data
            y._grad_var = None
            node = _new(VariableNode)
            node._variable = _weakref(y)
            node.creator = self
            node.rank = self.rank + 1
            node.requires_grad = True
            node.shape = data.shape
            node.dtype = data.dtype
            node.name = None
            y._node = node
            ret = (y,)
            self.outputs = (_weakref(node),)
        else:
            ret = tuple([_output(y, self) for y in out_data])
            self.outputs = tuple(map(_weakref, map(_get_node, ret)))
        idx = self._in_retain
        if idx is not None:
            # every input, in order (Mul, Linear...): the tuple itself, unless a
            # hook or handler was handed it too (one that kept it would hide an
            # owner from the reference counts of Note [gradient buffers])
            self._retained_in = (in_data if idx == _EVERY_INPUT.get(len(in_data))
                                 and fh is None and handler is None
                                 else tuple(map(in_data.__getitem__, idx)))
        idx = self._out_retain
        if idx is not None:
            self._retained_out = tuple(map(out_data.__getitem__, idx))
        if handler is not None:
            handler.record(self, in_vars, in_data, out_data)
        return ret

    # -- access from backward ------------------------------------------------------
    def get_retained_inputs(self):
        """Return the retained inputs as Variables linked to the graph."""
        idx = self._in_retain
        if idx is None:
            return ()
        stored = self._retained_in
        if self._handler is not None:
            stored = self._handled(0)
        elif stored is None:
            raise RuntimeError(f"{self.label}: retained inputs are gone "
                               f"(was the graph unchained?)")
        nodes = self.inputs
        return tuple([Variable._on_node(d, nodes[i]) for i, d in zip(idx, stored)])

    def get_retained_input_arrays(self):
        """The retained inputs as arrays (for backward code that builds no graph)."""
        if self._handler is None:  # no placeholder: the stored tuple holds arrays
            return self._retained_in
        return self._handled(0)

    def _handled(self, kind):
        """The retained arrays of ``kind`` (0 inputs, 1 outputs) when a handler
        may hold some of them: placeholders are filled, freed arrays rebuilt."""
        if self._freed:
            self._handler.rebuild(self)
        stored = self._retained_in if kind == 0 else self._retained_out
        if stored is None:
            what = "inputs" if kind == 0 else "outputs"
            raise RuntimeError(f"{self.label}: retained {what} are gone "
                               f"(was the graph unchained?)")
        return tuple([self._resolve(d) if type(d) is Placeholder else d for d in stored])

    def _resolve(self, placeholder):
        if placeholder.array is None:
            self._handler.fill(placeholder)
        return placeholder.array

    def get_retained_outputs(self):
        """Return the retained outputs as Variables linked to the graph."""
        idx = self._out_retain
        if idx is None:
            return ()
        stored = self._retained_out
        if self._handler is not None:
            stored = self._handled(1)
        elif stored is None:
            raise RuntimeError(f"{self.label}: retained outputs are gone "
                               f"(was the graph unchained?)")
        ret = []
        for i, d in zip(idx, stored):
            node = self.outputs[i]()
            if node is None:  # the output was dropped: give it a fresh node
                v = _output(d, self)
                self.outputs = self.outputs[:i] + (weakref.ref(v._node),) + self.outputs[i + 1:]
                ret.append(v)
            else:
                ret.append(Variable._on_node(d, node))
        return tuple(ret)

    def _release_recomputed(self):
        """Drop arrays a handler refilled for this node once backward used them."""
        for stored in (self._retained_in, self._retained_out):
            if stored:
                for d in stored:
                    if type(d) is Placeholder:
                        d.array = None

    def unchain(self):
        """Drop the references to inputs and retained arrays.

        Outputs still alive become leaves, so gradients reaching them are
        kept in their ``grad`` instead of being lost.
        """
        for r in self.outputs or ():
            node = r()
            if node is not None and node.creator is self:
                node.unchain()
        self.inputs = None
        self._retained_in = None
        self._retained_out = None

    def __repr__(self):
        return f"<{self.label} rank={self.rank}>"


def retained_arrays(f):
    """Yield ``(kind, index, stored)`` for every array ``f`` retains."""
    if f._in_retain is not None and f._retained_in is not None:
        for i, d in zip(f._in_retain, f._retained_in):
            yield "input", i, d
    if f._out_retain is not None and f._retained_out is not None:
        for i, d in zip(f._out_retain, f._retained_out):
            yield "output", i, d


# -- Note [freeing backward]: freeing and rebuilding saved arrays ------------------

class _RematState(threading.local):
    #: Output arrays rebuilt during the running backward pass, by node; the pass
    #: drops a node's entry once the node's backward ran (None outside a pass).
    memo = None
    #: Whether a node can re-run, as found during the running pass.
    rerunnable = None
    #: Called as ``on_rerun(node, None)`` before and ``on_rerun(node, out_data)``
    #: after each re-run (set by a memory budget while it rebuilds: to make room,
    #: and to account for what it recomputes).
    on_rerun = None
    #: The nodes the running rebuild still has to re-run (``_outputs_of``'s
    #: stack): what a budget must not drop from ``memo`` meanwhile.
    stack = ()
    #: The rematerializer of the running freeing pass (None outside one).
    freeing = None


_remat = _RematState()


class Rematerializer:
    """Handler of the nodes a freeing backward pass freed (Note [freeing backward]).

    One is made per freeing pass and shared by the nodes it frees; it lives as
    long as they do. It keeps the forward-time values of Parameters that an
    optimizer updated in place since (``params``).
    """

    __slots__ = ("params", "__weakref__")

    def __init__(self):
        self.params = None

    def watch(self, param):
        """Keep ``param``'s current value should it be updated in place."""
        s = getattr(param, "_remats", None)
        if s is None:
            param._remats = s = weakref.WeakSet()
        s.add(self)

    def save(self, param):
        params = self.params
        if params is None:
            self.params = params = {}
        node = param._node
        if node not in params:
            params[node] = param._data.copy()

    def rebuild(self, f):
        """Refill the freed saved arrays of ``f`` exactly."""
        memo = _remat.memo
        if memo is None:
            memo = {}
        saved = _enter_rebuild()
        try:
            stored = f._retained_out
            if stored is not None and f._out_retain is not None and any(
                    d is None or type(d) is Placeholder for d in stored):
                outs = _outputs_of(f, self, memo)
                f._retained_out = tuple([d if d is not None and type(d) is not Placeholder
                                         else outs[i]
                                         for i, d in zip(f._out_retain, f._retained_out)])
            stored = f._retained_in
            if stored is not None and f._in_retain is not None:
                f._retained_in = tuple([_input_value(f, i, self, memo) if d is None else d
                                        for i, d in zip(f._in_retain, stored)])
        finally:
            _exit_rebuild(saved)
        f._freed = False


def rebuild_array(node, what):
    """The forward-time array of ``node``, rebuilt if its Variable is gone
    (``what`` names who asks, in messages: e.g. a forget region's input)."""
    memo = _remat.memo
    if memo is None:
        memo = {}
    saved = _enter_rebuild()
    try:
        d = _node_array(node, _NO_PARAMS, memo, what)
        if isinstance(d, FunctionNode):
            d = _outputs_of(d, _NO_PARAMS, memo)[_output_index(d, node)]
        return d
    finally:
        _exit_rebuild(saved)


def _enter_rebuild():
    """Rebuilds run as replays do: ``in_recomputing`` on, no graph."""
    local = vars(_config)
    saved = local.get("in_recomputing", _MISSING), local.get("enable_backprop", _MISSING)
    local["in_recomputing"] = True
    local["enable_backprop"] = False
    return saved


def _exit_rebuild(saved):
    local = vars(_config)
    for name, value in zip(("in_recomputing", "enable_backprop"), saved):
        if value is _MISSING:
            local.pop(name, None)
        else:
            local[name] = value


def _input_value(f, j, remat, memo):
    d = _input_array(f, j, remat, memo)
    if isinstance(d, FunctionNode):
        d = _outputs_of(d, remat, memo)[_output_index(d, f.inputs[j])]
    return d


_MISSING = object()


class _NoParams:
    params = None


_NO_PARAMS = _NoParams()


def free_saved(f, remat):
    """Free what ``f`` saved for backward (its backward has run): the arrays
    that can be rebuilt, that is outputs and inputs made by a node that can
    re-run. Return True if something was freed (``f``'s handler is then a
    Rematerializer)."""
    h = f._handler
    if h is not None and not isinstance(h, Rematerializer):
        f._release_recomputed()  # a region's placeholders: it refills them itself
        return False
    cache = _remat.rerunnable
    freed = False
    out_idx = f._out_retain
    if out_idx is not None and f._retained_out is not None and can_rerun(f, cache):
        f._retained_out = (None,) * len(out_idx)
        freed = True
    idx = f._in_retain
    stored = f._retained_in
    if idx is not None and stored is not None:
        nodes = f.inputs
        new = None
        for k, i in enumerate(idx):
            if stored[k] is None:
                continue
            c = nodes[i].creator
            if c is not None and (cache.get(c) or can_rerun(c, cache)):
                if new is None:
                    new = list(stored)
                new[k] = None
        if new is not None:
            f._retained_in = tuple(new)
            freed = True
    if freed:
        f._freed = True
        if h is None:
            f._handler = remat
    return freed


_getrefcount = sys.getrefcount


def take_retained_input(f, k):
    """Note [gradient buffers]: the ``k``-th retained input array of ``f``, for
    ``f.backward`` to write a gradient into, or None.

    Without double backprop, the arrays a node saved are not needed once its
    backward has run: a freeing pass frees them (Note [freeing backward]), and
    a forget region's refilled arrays are released. An input array that
    nobody else holds (reference counts prove it: no Variable, no other node,
    no view) may instead be overwritten by the node's last product, saving one
    allocation of its size at the moment memory is fullest. It must also be
    one a later backward could get back: in a freeing pass, one whose creator
    can re-run (it leaves ``f``'s saved arrays at once, and ``f`` is marked
    freed, so the caller must have read its other saved arrays first); in a
    forget region, any refilled array (the region replays again on demand).
    The caller performs the same operations in the same order as without the
    buffer, so the gradients are bitwise the same whether or not it got one.
    """
    stored = f._retained_in
    if stored is None:
        return None
    node = f.inputs[f._in_retain[k]]
    d = _take(f, stored, k)
    if d is None or type(d) is Placeholder:
        return None if d is None else _take_refilled(d)
    c = node.creator
    if c is None or not can_rerun(c, _remat.rerunnable):
        return None
    f._retained_in = stored[:k] + (None,) + stored[k + 1:]
    f._freed = True
    f._handler = _remat.freeing
    if _links:
        _unlink(d)
    return d


def take_retained_output(f, k):
    """Like :func:`take_retained_input`, for the ``k``-th retained output of
    ``f``: it must be held by ``f`` alone, and ``f`` must be able to re-run."""
    stored = f._retained_out
    if stored is None:
        return None
    d = _take(f, stored, k)
    if d is None or type(d) is Placeholder:
        return None if d is None else _take_refilled(d)
    if not can_rerun(f, _remat.rerunnable):
        return None
    f._retained_out = stored[:k] + (None,) + stored[k + 1:]
    f._freed = True
    f._handler = _remat.freeing
    if _links:
        _unlink(d)
    return d


def take_grad_output(grad_outputs, k):
    """Note [gradient buffers], for the gradient flowing in: the array of
    ``grad_outputs[k]`` if ``f.backward`` may overwrite it, or None.

    Without double backprop, the gradient of a node's output is read by that
    node's backward only: the backward loop pops it and drops it afterwards.
    It may be overwritten when reference counts prove that nobody else holds
    it: the Variable is referenced by the ``grad_outputs`` tuple alone (not by
    ``retain_grad``, ``grad()``'s results, another node's entry or the
    caller's locals: call this before binding it), its array by that Variable
    alone (no view, no user array), and no function hook is installed (hooks
    see the gradients after the backward).
    """
    if _config.enable_backprop or _remat.memo is None or _function_hooks is not None:
        return None
    v = grad_outputs[k]
    # the tuple, this local and getrefcount's argument
    if v is None or _getrefcount(v) != 3:
        return None
    d = v._data
    # the Variable's attribute, this local and getrefcount's argument
    return d if _writable(d) and _getrefcount(d) == 3 else None


def _take(f, stored, k):
    """The stored entry ``k`` if it may be given away, as far as the pass and
    the node's handler tell; a writable owned array, or a Placeholder."""
    if _config.enable_backprop or _remat.memo is None:
        return None   # double backprop, or not in a backward pass
    d = stored[k]
    h = f._handler
    if h is not None:
        # a forget region's refilled array; never a rematerializer's (rebuilt
        # arrays may be shared with the pass's memo)
        return d if type(d) is Placeholder and not isinstance(h, Rematerializer) else None
    if _remat.freeing is None or not _writable(d):
        return None
    # the stored tuple, this local and getrefcount's argument
    return d if _getrefcount(d) == 3 else None


def _writable(d):
    return (type(d) is _ndarray and d.base is None and d.flags.c_contiguous
            and d.flags.writeable)


#: id of an array -> (a weak reference to it, weak references to the nodes
#: that find it through that reference as their ``_data_ref``): a budget lets
#: the node of a view's source find the source while the view keeps it.
#: Reference counts do not see weak references, so when backward gives such an
#: array away as a gradient buffer, its nodes forget it (a rebuild then re-runs
#: their op instead of reading a gradient's values).
_links = {}


def link_data(node, a):
    """Let ``node`` find ``a`` by weak reference until a backward overwrites it."""
    k = id(a)
    entry = _links.get(k)
    if entry is None:
        try:
            r = weakref.ref(a, lambda r, k=k: _links.pop(k, None))
        except TypeError:   # an array type without weak references
            return
        entry = _links[k] = (r, [])
    node._data_ref = entry[0]
    entry[1].append(weakref.ref(node))


def _unlink(d):
    entry = _links.pop(id(d), None)
    if entry is not None:
        for rn in entry[1]:
            n = rn()
            if n is not None and getattr(n, "_data_ref", None) is entry[0]:
                n._data_ref = None


def _take_refilled(ph):
    a = ph.array
    # the placeholder, this local and getrefcount's argument
    if a is None or not _writable(a) or _getrefcount(a) != 3:
        return None
    ph.array = None
    if _links:
        _unlink(a)
    return a


def _kept_inputs(g):
    """Positions of the inputs whose arrays ``g`` holds itself."""
    stored = g._retained_in
    if stored is None:
        return ()
    return [i for i, d in zip(g._in_retain, stored)
            if d is not None and type(d) is not Placeholder]


_EVERY_INPUT = {1: (0,), 2: (0, 1), 3: (0, 1, 2)}


def _holds_all_inputs(g):
    """Whether ``g`` holds every input array itself, in input order and with
    no handler in between (Mul, Linear...): then it can re-run. False is not
    an answer, only a "look closer"."""
    nodes = g.inputs
    if nodes is None or g._handler is not None:
        return False
    if g._in_retain != _EVERY_INPUT.get(len(nodes)):
        return False
    stored = g._retained_in
    if stored is None:
        return False
    for d in stored:
        if d is None:
            return False
    return True


def can_rerun(c, cache):
    """Whether node ``c`` can re-run: each input is saved by ``c``, held by a
    living Variable, or made by a node that can re-run (``cache`` holds the
    answers of this pass)."""
    r = cache.get(c)
    if r is not None:
        return r
    nodes = c.inputs
    if nodes is not None and c._retained_in is None:
        # the common case in one pass, without the stack: a node that keeps no
        # input (Add) whose inputs are alive or made by nodes known to re-run
        for node in nodes:
            if node._variable() is not None:
                continue
            cr = node.creator
            if cr is None or not (cache.get(cr) or _holds_all_inputs(cr)):
                break             # a leaf, or a creator to look into: the walk below
        else:
            cache[c] = True
            return True
    stack = [c]
    while stack:
        g = stack[-1]
        if g in cache:
            stack.pop()
            continue
        nodes = g.inputs
        if nodes is None:
            cache[g] = False
            stack.pop()
            continue
        kept = () if g._retained_in is None else _kept_inputs(g)
        ok = True
        pending = False
        for j, node in enumerate(nodes):
            if j in kept or node._variable() is not None:
                continue
            cr = node.creator
            if cr is None:
                if _leaf_data(node) is not None:
                    continue
                ok = False
                break
            r = cache.get(cr)
            if r is None:
                # one level ahead, without the stack: a creator that holds every
                # input array itself (Mul, Linear) can re-run
                if _holds_all_inputs(cr):
                    cache[cr] = True
                    continue
                stack.append(cr)
                pending = True
            elif not r:
                ok = False
                break
        if ok and pending:
            continue
        cache[g] = ok
        stack.pop()
    return cache[c]


def before_parameter_update(param):
    """Called by optimizers before they change ``param``'s array in place:
    freed graphs that used it keep its current value for their rebuilds."""
    s = getattr(param, "_remats", None)
    if s:
        for r in s:
            r.save(param)


def _output_index(c, node):
    for k, r in enumerate(c.outputs):
        if r() is node:
            return k
    raise RecomputeError(f"{c.label}: an output is no longer linked to its node")


def _input_array(g, j, remat, memo, what=None):
    """The forward-time array of input ``j`` of ``g``, or the node to re-run
    for it (a FunctionNode) when it has to be rebuilt first."""
    params = remat.params
    if params is not None:  # a Parameter updated in place since the forward pass
        old = params.get(g.inputs[j])
        if old is not None:
            return old
    if g._in_retain is not None and g._retained_in is not None:
        for i, d in zip(g._in_retain, g._retained_in):
            if i == j and d is not None:
                if type(d) is Placeholder:
                    if d.array is not None:
                        return d.array
                    break
                return d
    return _node_array(g.inputs[j], remat, memo, what or f"{g.label}: input {j}")


def _leaf_data(node):
    """The array of a leaf whose Variable is gone, if something still holds it."""
    r = getattr(node, "_data_ref", None)
    return None if r is None else r()


def _node_array(node, remat, memo, what):
    v = node._variable()
    if v is not None and v._data is not None:
        params = remat.params
        if params is not None:
            old = params.get(node)
            if old is not None:
                return old
        return v._data
    d = _leaf_data(node)  # a leaf, or an array a budget keeps for its rebuilds
    if d is not None:
        return d
    c = node.creator
    if c is None:
        raise RecomputeError(
            f"{what} was freed by an earlier backward pass and cannot be rebuilt: it is "
            f"a leaf ({node.shape}, {node.dtype}) whose Variable no longer exists. Pass "
            f"retain_graph=True to the first backward (or set rechain.config.retain_graph) "
            f"to keep the graph's saved arrays")
    out = memo.get(c)
    k = _output_index(c, node)
    if out is not None:
        return out[k]
    if c._out_retain is not None and c._retained_out is not None and not c._freed:
        for i, d in zip(c._out_retain, c._retained_out):
            if i == k and d is not None:
                if type(d) is not Placeholder:
                    return d
                if d.array is not None:
                    return d.array
    return c


def _outputs_of(c, remat, memo):
    """Re-run ``c`` (and, first, whatever it needs) to get its output arrays."""
    out = memo.get(c)
    if out is not None:
        return out
    stack = [c]
    saved_stack = _remat.stack
    _remat.stack = stack
    try:
        _rerun_stack(stack, remat, memo)
    finally:
        _remat.stack = saved_stack
    return memo[c]


def _rerun_stack(stack, remat, memo):
    while stack:
        g = stack[-1]
        if g in memo:
            stack.pop()
            continue
        if g.inputs is None:
            raise RecomputeError(f"{g.label}: its saved arrays were freed by an earlier "
                                 f"backward pass and the graph was unchained since")
        in_data = []
        missing = False
        for j in range(len(g.inputs)):
            d = _input_array(g, j, remat, memo)
            if isinstance(d, FunctionNode):
                stack.append(d)
                missing = True
            else:
                in_data.append(d)
        if missing:
            continue
        memo[g] = _rerun(g, tuple(in_data))
        stack.pop()


def _rerun(g, in_data):
    hook = _remat.on_rerun
    if hook is not None:
        hook(g, None)
    out = g.forward(in_data)
    if type(out) is not tuple:
        raise RecomputeError(f"{g.label}.forward returned {type(out).__name__} on a rebuild")
    out = _as_arrays(g, out)
    for k, (y, r) in enumerate(zip(out, g.outputs)):
        node = r()
        if node is not None and (y.shape != node.shape or y.dtype != node.dtype):
            raise RecomputeError(
                f"{g.label}: rebuilding output {k} freed by an earlier backward pass gave "
                f"{y.dtype} {y.shape}, the forward pass gave {node.dtype} {node.shape}; "
                f"pass retain_graph=True to keep the graph's saved arrays")
    if hook is not None:
        hook(g, out)
    return out
