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
"""

import operator
import threading
import weakref

import numpy

from rechain import configuration
from rechain import variable as _variable

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


class _HandlerState(threading.local):
    top = None


_handlers = _HandlerState()


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
            raise TypeError(f"{f.label}.forward: output {i} must be an array, "
                            f"not {type(y).__name__}")
        ret.append(y)
    return tuple(ret)


def _as_input(x, f, i):
    if isinstance(x, _array_types):
        return _constant(x)
    raise TypeError(f"{f.label}: input {i} must be a Variable or an ndarray, "
                    f"not {type(x).__name__}")


class FunctionNode:
    """Base class of differentiable operations (see the module docstring).

    Attributes:
        inputs (tuple of VariableNode): Set when the node enters the graph.
        outputs (tuple of weakref to VariableNode): Likewise.
        rank (int): One more than the largest rank of the inputs.
    """

    inputs = None
    outputs = None
    rank = 0
    _in_retain = None
    _out_retain = None
    _retained_in = None
    _retained_out = None
    _handler = None

    @property
    def label(self):
        """Name of the operation shown in messages and reports."""
        return type(self).__name__

    # -- to be implemented by subclasses ---------------------------------------
    def forward(self, inputs):
        """Compute outputs (tuple of arrays) from inputs (tuple of arrays)."""
        raise NotImplementedError(f"{self.label}.forward is not implemented")

    def backward(self, target_input_indexes, grad_outputs):
        """Return gradients (Variables or None) for the inputs.

        Args:
            target_input_indexes (tuple of int): Inputs whose gradients are wanted.
            grad_outputs (tuple): Gradient Variable (or None) of each output.

        Returns:
            A tuple with one gradient per target index, or one per input.
        """
        raise NotImplementedError(f"{self.label}.backward is not implemented")

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
            in_nodes = tuple(map(_get_node, in_vars))
            record = any(map(_get_requires_grad, in_nodes))
        else:
            record = False
        out_data = self.forward(in_data)
        if type(out_data) is not tuple:
            raise TypeError(f"{self.label}.forward must return a tuple of arrays, "
                            f"not {type(out_data).__name__}")
        for y in out_data:
            if type(y) is not _ndarray:
                out_data = _as_arrays(self, out_data)
                break
        if not record:
            return tuple(map(_constant, out_data))
        handler = _handlers.top
        if handler is not None and handler.replaying:
            handler.replay(self, in_data, out_data)
            return tuple([_constant(y, True) for y in out_data])

        self.rank = max(map(_get_rank, in_nodes)) + 1
        self.inputs = in_nodes
        if len(out_data) == 1:  # variable._output, inlined: the most common case
            data = out_data[0]
            y = _new(Variable)
            y._data = data
            y._grad_var = None
            node = _new(VariableNode)
            node._variable = _weakref(y)
            node.creator = self
            node.rank = self.rank
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
            self._retained_in = tuple(map(in_data.__getitem__, idx))
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
        if stored is None:
            raise RuntimeError(f"{self.label}: retained inputs are gone "
                               f"(was the graph unchained?)")
        nodes = self.inputs
        return tuple([Variable._on_node(self._resolve(d) if type(d) is Placeholder else d,
                                        nodes[i])
                      for i, d in zip(idx, stored)])

    def get_retained_input_arrays(self):
        """The retained inputs as arrays (for backward code that builds no graph)."""
        if self._handler is None:  # no placeholder: the stored tuple holds arrays
            return self._retained_in
        return tuple([self._resolve(d) if type(d) is Placeholder else d
                      for d in self._retained_in])

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
        if stored is None:
            raise RuntimeError(f"{self.label}: retained outputs are gone "
                               f"(was the graph unchained?)")
        ret = []
        for i, d in zip(idx, stored):
            if type(d) is Placeholder:
                d = self._resolve(d)
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
