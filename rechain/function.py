"""Old-style functions: Chainer's ``chainer.Function`` and ``FunctionAdapter``.

Much user code subclasses ``chainer.Function``: ``forward(inputs)`` and
``backward(inputs, grad_outputs)`` both on arrays (or the ``*_cpu``/``*_gpu``
pairs). Calling such a function applies a :class:`FunctionAdapter`, an
ordinary FunctionNode that delegates to it, so the graph, the saved-array
handlers (``F.forget``, ``rechain.memory``, the freeing backward and memory
budgets) and backprop treat it as any other node. All inputs are retained
unless ``forward`` calls :meth:`Function.retain_inputs`; outputs are retained
only if it calls :meth:`Function.retain_outputs` (then ``output_data`` holds
them in backward).

An old-style backward works on arrays, so its gradients are not
differentiable. As in Chainer, a backward with ``enable_double_backprop=True``
through an old-style function gives its gradients (the first backward works),
but they are marked: a backward or ``grad()`` that reaches one of them raises
``RuntimeError`` instead of silently treating it as a constant (Note
[old-style gradients]).
"""

import weakref

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable as _variable


class FunctionAdapter(function_node.FunctionNode):
    """The FunctionNode that applies an old-style :class:`Function`.

    Until the function is called the function owns its adapter; from then on
    the adapter (in the graph) owns the function, which keeps a weak
    reference back, as in Chainer.
    """

    _function = None
    _weak_function = None
    _wraps_function = True

    def __init__(self, function):
        self._weak_function = weakref.ref(function)
        function._owned_node = self

    @property
    def function(self):
        """The wrapped :class:`Function`."""
        f = self._function
        if f is not None:
            return f
        r = self._weak_function
        return r() if r is not None else None

    @property
    def label(self):
        f = self.function
        return f.label if f is not None else "FunctionAdapter"

    @property
    def _checks_types(self):
        """Whether the wrapped function has a type check of its own (a
        ``check_type_forward`` of its class, or one assigned to it)."""
        f = self.function
        return f is not None and (
            type(f).check_type_forward is not Function.check_type_forward
            or "check_type_forward" in f.__dict__)

    def check_type_forward(self, in_types):
        self.function.check_type_forward(in_types)

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))   # all, unless forward says less
        outputs = self._function.forward(inputs)
        if isinstance(outputs, list):
            outputs = tuple(outputs)
        if not isinstance(outputs, tuple):
            raise TypeError(f"{self.label}.forward must return a tuple of arrays (even for "
                            f"one output), not {type(outputs).__name__}")
        return outputs

    @property
    def output_data(self):
        """The retained output arrays, None for the others."""
        idx = self._out_retain
        n = len(self.outputs) if self.outputs is not None else 0
        data = [None] * n
        if idx is not None:
            for i, v in zip(idx, self.get_retained_outputs()):
                data[i] = v.array
        return tuple(data)

    def backward(self, target_input_indexes, grad_outputs):
        n = len(self.inputs)
        in_data = [None] * n
        idx = self._in_retain
        if idx is not None:
            for i, d in zip(idx, self.get_retained_input_arrays()):
                in_data[i] = d
        gys = tuple([None if g is None else g.array for g in grad_outputs])
        gxs = self._function.backward(tuple(in_data), gys)
        if isinstance(gxs, list):
            gxs = tuple(gxs)
        if not isinstance(gxs, tuple) or len(gxs) != n:
            raise ValueError(
                f"{self.label}.backward must return a tuple of {n} gradients (one per "
                f"input, None for none), got "
                f"{len(gxs) if isinstance(gxs, tuple) else type(gxs).__name__}")
        ret = []
        for i in target_input_indexes:
            g = gxs[i]
            if g is None:
                ret.append(None)
                continue
            if not backend.is_array(g):
                raise TypeError(f"{self.label}.backward: gradient {i} must be an array or "
                                f"None, not {type(g).__name__}")
            node = self.inputs[i]
            if g.shape != node.shape:
                raise ValueError(
                    f"{self.label}.backward: gradient {i} has shape {g.shape}, but input {i} "
                    f"has shape {node.shape}")
            if g.dtype != node.dtype:
                raise TypeError(
                    f"{self.label}.backward: gradient {i} has dtype {g.dtype}, but input {i} "
                    f"has dtype {node.dtype}")
            ret.append(g)
        if configuration.config.enable_backprop:  # a double backprop
            return _marked_gradients(self.label, ret)
        return tuple([None if g is None else _variable.Variable._constant(g) for g in ret])


# Note [old-style gradients]: the gradients an old-style backward returns
# during a backward with enable_double_backprop=True are arrays with no graph
# behind them. Each becomes an output of an _OldStyleGradient node, which has
# one input of its own that requires a gradient, so that any later backward or
# grad() that reaches the gradient calls that node's backward, which raises
# (Chainer marks such gradients and raises the same error when a backward
# reaches them).

class _OldStyleGradient(function_node.FunctionNode):
    """The creator of gradients computed by an old-style Function's backward
    in a double backprop; a backward through it raises."""

    def __init__(self, function_label):
        self._function_label = function_label

    @property
    def label(self):
        return f"{self._function_label} (old-style gradient)"

    def backward(self, target_input_indexes, grad_outputs):
        raise RuntimeError(
            f'cannot twice-differentiate an old style Function "{self._function_label}": '
            f"an old-style Function (chainer.Function) computes its gradients on arrays, so "
            f"they cannot be differentiated again; write it as a FunctionNode to "
            f"differentiate its gradients")


def _marked_gradients(label, gxs):
    node = _OldStyleGradient(label)
    anchor = _variable.Variable._constant(numpy.zeros((), numpy.float32), True)
    node.inputs = (anchor.node,)
    out = tuple([None if g is None else _variable._output(g, node) for g in gxs])
    node.outputs = tuple([weakref.ref(v.node) for v in out if v is not None])
    return out


class Function:
    """Chainer's old-style differentiable function (subclass it).

    Implement ``forward(inputs)`` and ``backward(inputs, grad_outputs)`` on
    tuples of arrays, or ``forward_cpu``/``forward_gpu`` and
    ``backward_cpu``/``backward_gpu``, which the defaults dispatch to by the
    arrays' module. ``backward`` returns one gradient per input (None for
    none); the default returns None for all.

    Example:
        >>> class Square(chainer.Function):
        ...     def forward(self, inputs):
        ...         x, = inputs
        ...         return x * x,
        ...     def backward(self, inputs, grad_outputs):
        ...         x, = inputs
        ...         return 2 * x * grad_outputs[0],
        >>> y = Square()(np.array([3.0], np.float32))    # variable([9.])
    """

    _node = None
    _owned_node = None

    def __call__(self, *inputs):
        """Apply the function; one Variable, or a tuple for several outputs."""
        node = self.node
        node._function = self          # the graph owns the function from now on
        node._weak_function = None
        self._node = weakref.ref(node)
        self._owned_node = None
        ret = node.apply(inputs)
        return ret[0] if len(ret) == 1 else tuple(ret)

    @property
    def node(self):
        """The :class:`FunctionAdapter` that applies this function."""
        r = self._node
        if r is not None:
            n = r()
            if n is not None:
                return n
        n = self._owned_node
        if n is None:
            n = FunctionAdapter(self)
        return n

    @property
    def inputs(self):
        return self.node.inputs

    @property
    def outputs(self):
        return self.node.outputs

    @property
    def rank(self):
        return self.node.rank

    @property
    def label(self):
        """Name shown in messages (the class name)."""
        return type(self).__name__

    @property
    def output_data(self):
        """The retained output arrays (None for the others), in backward."""
        return self.node.output_data

    def check_type_forward(self, in_types):
        """Check the input types before ``forward`` with Chainer's type-check
        DSL (:mod:`rechain.utils.type_check`), as in Chainer: a subclass that
        overrides this has it called on every call while ``config.type_check``
        is on. This default checks nothing (and is never called)."""

    def forward(self, inputs):
        if any(type(x).__module__.startswith("cupy") for x in inputs):
            return self.forward_gpu(inputs)
        return self.forward_cpu(inputs)

    def forward_cpu(self, inputs):
        raise NotImplementedError(f"{self.label}: implement forward or forward_cpu")

    def forward_gpu(self, inputs):
        raise NotImplementedError(f"{self.label}: implement forward or forward_gpu")

    def backward(self, inputs, grad_outputs):
        arrays = [x for x in inputs + grad_outputs if x is not None]
        if any(type(x).__module__.startswith("cupy") for x in arrays):
            return self.backward_gpu(inputs, grad_outputs)
        return self.backward_cpu(inputs, grad_outputs)

    def backward_cpu(self, inputs, grad_outputs):
        return tuple(None for _ in inputs)

    def backward_gpu(self, inputs, grad_outputs):
        return tuple(None for _ in inputs)

    def retain_inputs(self, indexes):
        """Keep only these inputs for backward (call inside ``forward``); the
        others come to ``backward`` as None."""
        self.node.retain_inputs(indexes)

    def retain_outputs(self, indexes, retain_after_backward=False):
        """Keep these outputs for backward, as ``output_data`` (call inside
        ``forward``). ``retain_after_backward`` has no effect, as in Chainer."""
        self.node.retain_outputs(indexes)

    def unchain(self):
        """Drop the graph references of this function's node."""
        self.node.unchain()
