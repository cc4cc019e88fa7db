"""lstm: one step of a long short-term memory cell (Chainer's gate layout).

``x`` of shape ``(B, 4 * units, ...)`` holds the four gate pre-activations
interleaved: viewed as ``(B, units, 4, ...)``, index 0 is the cell input
``a`` (tanh), 1 the input gate ``i``, 2 the forget gate ``f`` and 3 the
output gate ``o`` (sigmoid). ``c = a * i + f * c_prev`` and
``h = o * tanh(c)``.

:class:`LSTM` retains only its inputs ``c_prev`` and ``x``: the gates and
``c`` are cheap to recompute in backward. A plain backward computes the
gradient on arrays in one pass. When a graph of the backward is being built
(double backprop) the same formulas are evaluated on Variables, using the
small private nodes below (gate split/stack, tanh, sigmoid), each of which
has a differentiable backward.
"""

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable
from rechain.utils import type_check

Variable = variable.Variable


def _sigmoid(xp, x):
    return xp.tanh(x * 0.5) * 0.5 + 0.5


def _gates(x):
    """Views ``(A, I, F, O)`` of the pre-activations in ``x``."""
    r = x.reshape((x.shape[0], x.shape[1] // 4, 4) + x.shape[2:])
    return [r[:, :, k] for k in range(4)]


def _stack(xp, parts):
    g0 = parts[0]
    out = xp.empty((g0.shape[0], g0.shape[1], 4) + g0.shape[2:], dtype=g0.dtype)
    for k, g in enumerate(parts):
        out[:, :, k] = g
    return out.reshape((g0.shape[0], g0.shape[1] * 4) + g0.shape[2:])


# -- private differentiable helpers (used to build double-backprop graphs) ------------

class _SplitGates(function_node.FunctionNode):
    def forward(self, inputs):
        gates = tuple(g.copy() for g in _gates(inputs[0]))
        self._shapes = [g.shape for g in gates]
        return gates

    def backward(self, indexes, grad_outputs):
        return _StackGates().apply(_zeros_for_none(grad_outputs, self._shapes))


class _StackGates(function_node.FunctionNode):
    def forward(self, inputs):
        return _stack(backend.get_array_module(inputs[0]), inputs),

    def backward(self, indexes, grad_outputs):
        g, = grad_outputs
        if g is None:
            return (None,) * len(indexes)
        parts = _SplitGates().apply((g,))
        return tuple(parts[i] for i in indexes)


def _zeros_for_none(grads, shapes):
    """Replace None gradients by zero constants of the given shapes."""
    ref = next(g for g in grads if g is not None)
    xp = backend.get_array_module(ref.array)
    return tuple(Variable._constant(xp.zeros(s, dtype=ref.dtype)) if g is None else g
                 for g, s in zip(grads, shapes))


class _Tanh(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_outputs((0,))
        return backend.get_array_module(inputs[0]).tanh(inputs[0]),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (1.0 - y * y),


class _Sigmoid(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_outputs((0,))
        return _sigmoid(backend.get_array_module(inputs[0]), inputs[0]),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (y * (1.0 - y)),


class _SplitBatch(function_node.FunctionNode):
    """``y -> (y[:n], y[n:])``."""

    def __init__(self, n):
        self.n = n

    def forward(self, inputs):
        y, = inputs
        parts = y[:self.n].copy(), y[self.n:].copy()
        self._shapes = [p.shape for p in parts]
        return parts

    def backward(self, indexes, grad_outputs):
        return _ConcatBatch().apply(_zeros_for_none(grad_outputs, self._shapes))


class _ConcatBatch(function_node.FunctionNode):
    """``(a, b) -> concatenate((a, b))`` along axis 0."""

    def forward(self, inputs):
        a, b = inputs
        self._n = a.shape[0]
        return backend.get_array_module(a).concatenate((a, b), axis=0),

    def backward(self, indexes, grad_outputs):
        g, = grad_outputs
        if g is None:
            return (None,) * len(indexes)
        parts = _SplitBatch(self._n).apply((g,))
        return tuple(parts[i] for i in indexes)


# -- the cell -------------------------------------------------------------------------

class LSTM(function_node.FunctionNode):
    """Inputs ``(c_prev, x)`` with equal batch sizes; outputs ``(c, h)``."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        c_prev, x = inputs
        xp = backend.get_array_module(x)
        A, I, Fg, O = _gates(x)
        c = xp.tanh(A) * _sigmoid(xp, I)
        c += _sigmoid(xp, Fg) * c_prev
        h = xp.tanh(c)
        h *= _sigmoid(xp, O)
        return c, h

    def backward(self, indexes, grad_outputs):
        gc, gh = grad_outputs
        c_prev, x = self.get_retained_inputs()
        if configuration.config.enable_backprop:
            grads = _backward_graph(c_prev, x, gc, gh)
        else:
            grads = _backward_arrays(c_prev.array, x.array,
                                     None if gc is None else gc.array,
                                     None if gh is None else gh.array)
            grads = tuple(None if g is None else Variable._constant(g) for g in grads)
        return tuple(grads[i] for i in indexes)


def _backward_arrays(c_prev, x, gc, gh):
    xp = backend.get_array_module(x)
    A, I, Fg, O = _gates(x)
    a = xp.tanh(A)
    i = _sigmoid(xp, I)
    f = _sigmoid(xp, Fg)
    o = _sigmoid(xp, O)
    c = a * i
    c += f * c_prev
    tc = xp.tanh(c)
    if gh is None:
        gc_total = xp.zeros_like(c) if gc is None else gc
        go = xp.zeros_like(o)
    else:
        gc_total = gh * o * (1.0 - tc * tc)
        if gc is not None:
            gc_total += gc
        go = gh * tc * o * (1.0 - o)
    gx = _stack(xp, (gc_total * i * (1.0 - a * a),
                     gc_total * a * i * (1.0 - i),
                     gc_total * c_prev * f * (1.0 - f),
                     go))
    return gc_total * f, gx


def _backward_graph(c_prev, x, gc, gh):
    """The formulas of :func:`_backward_arrays` on Variables (differentiable)."""
    return _grad_graph(c_prev, x, None, gc, gh)


def _grad_graph(c_prev, x, c, gc, gh):
    """``(gc_prev, gx)`` on Variables of equal batch; ``c`` the new cell state,
    recomputed from ``c_prev`` and ``x`` when None."""
    A, I, Fg, O = _SplitGates().apply((x,))
    a = _Tanh().apply((A,))[0]
    i = _Sigmoid().apply((I,))[0]
    f = _Sigmoid().apply((Fg,))[0]
    o = _Sigmoid().apply((O,))[0]
    if c is None:
        c = a * i + f * c_prev
    tc = _Tanh().apply((c,))[0]
    if gh is None:
        gc_total = gc if gc is not None else Variable._constant(c.xp.zeros_like(c.array))
        go = Variable._constant(o.xp.zeros_like(o.array))
    else:
        gc_total = gh * o * (1.0 - tc * tc)
        if gc is not None:
            gc_total = gc_total + gc
        go = gh * tc * o * (1.0 - o)
    gx = _StackGates().apply((gc_total * i * (1.0 - a * a),
                              gc_total * a * i * (1.0 - i),
                              gc_total * c_prev * f * (1.0 - f),
                              go))[0]
    return gc_total * f, gx


class LSTMGrad:
    """Chainer's gradient function of :class:`LSTM`, kept for code that calls
    it directly: ``LSTMGrad()(c_prev, x, c_next, gc, gh)`` is ``(gc_prev,
    gx)``, the gradients of ``lstm(c_prev, x)`` for the output gradients
    ``gc`` and ``gh`` (either may be None) with ``c_next`` taken as the new
    cell state. Here a composition of differentiable nodes (any order), not
    one node; :class:`LSTM`'s own backward does not go through it.
    """

    def __call__(self, c_prev, x, c_next, gc, gh):
        c_prev, x, c_next = (variable.as_variable(v) for v in (c_prev, x, c_next))
        gc, gh = (None if g is None else variable.as_variable(g) for g in (gc, gh))
        n = x.shape[0]
        if n == c_prev.shape[0]:
            return _grad_graph(c_prev, x, c_next, gc, gh)
        # rows past the batch: c was carried over, so gc_prev there is gc
        c_head = _SplitBatch(n).apply((c_prev,))[0]
        c_next_head = _SplitBatch(n).apply((c_next,))[0]
        if gc is None:
            gc_head = gc_tail = None
        else:
            gc_head, gc_tail = _SplitBatch(n).apply((gc,))
        gc_prev, gx = _grad_graph(c_head, x, c_next_head, gc_head, gh)
        if gc_tail is None:
            gc_tail = Variable._constant(c_prev.xp.zeros(
                (c_prev.shape[0] - n,) + c_prev.shape[1:], dtype=c_prev.dtype))
        return _ConcatBatch().apply((gc_prev, gc_tail))[0], gx

    def apply(self, inputs):
        return self(*inputs)


def _check(c_prev, x):
    type_check.expect_float("lstm", "c_prev", c_prev)
    type_check.expect_float("lstm", "x", x)
    if x.ndim < 2:
        raise type_check.InvalidType(f"lstm: x must have at least 2 dimensions "
                                     f"(batch, 4 * units), got shape {tuple(x.shape)}")
    if x.shape[1] % 4:
        raise type_check.InvalidType(
            f"lstm: x {tuple(x.shape)} has {x.shape[1]} columns, which is not a multiple "
            f"of 4 (four gates per unit)")
    if c_prev.ndim != x.ndim or c_prev.shape[1] != x.shape[1] // 4 \
            or c_prev.shape[2:] != x.shape[2:]:
        raise type_check.InvalidType(
            f"lstm: c_prev {tuple(c_prev.shape)} does not match x {tuple(x.shape)}: expected "
            f"c_prev of shape (batch, {x.shape[1] // 4}{''.join(f', {s}' for s in x.shape[2:])})"
            f" (x.shape[1] / 4 units)")
    if x.shape[0] > c_prev.shape[0]:
        raise type_check.InvalidType(
            f"lstm: x {tuple(x.shape)} has batch size {x.shape[0]}, larger than the batch "
            f"size {c_prev.shape[0]} of c_prev {tuple(c_prev.shape)}")
    if c_prev.dtype != x.dtype:
        raise type_check.InvalidType(f"lstm: c_prev and x must have the same dtype, got "
                                     f"{c_prev.dtype} and {x.dtype}")


def lstm(c_prev, x):
    """One LSTM step with Chainer's interleaved gate layout.

    Args:
        c_prev (Variable or ndarray): Previous cell state ``(B', units, ...)``
            with ``B' >= B``; rows past ``B`` are carried over unchanged
            (sequences that have ended).
        x (Variable or ndarray): Gate pre-activations ``(B, 4 * units, ...)``,
            gates interleaved per unit as ``(a, i, f, o)``.

    Returns:
        tuple: ``(c, h)``: the new cell state ``(B', units, ...)`` and the
        output ``(B, units, ...)``.

    Example:
        >>> c, h = F.lstm(np.zeros((2, 3), np.float32), np.zeros((2, 12), np.float32))
        >>> h.shape
        (2, 3)
    """
    if type_check.enabled():
        _check(c_prev, x)
    n = x.shape[0]
    if n < c_prev.shape[0]:
        c_head, c_tail = _SplitBatch(n).apply((c_prev,))
        c, h = LSTM().apply((c_head, x))
        c, = _ConcatBatch().apply((c, c_tail))
        return c, h
    return tuple(LSTM().apply((c_prev, x)))
