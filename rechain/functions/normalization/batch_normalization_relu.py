"""batch_normalization_relu: relu(batch_normalization(x)) as one node, and lean_apply.

Note [lean blocks]: an op sequence can keep less for backward when part of
what it would keep is cheap to recompute exactly from the rest. Batch
normalization followed by ReLU is the first user. Plainly, the graph of
``l2(relu(bn(x)))`` keeps two arrays of x's size: ``x`` (for bn's backward)
and ``y = relu(bn(x))`` (for relu's mask, and as l2's input for l2's weight
gradient). But ``y`` is a cheap elementwise function of what bn keeps, so:

- :func:`batch_normalization_relu` is one node, ``BatchNormalizationReLU``,
  that keeps ``x``, ``gamma``, ``beta`` and the per-channel statistics, and
  not its output: its backward recomputes the pre-activation
  ``z = (x - mean) * (gamma * inv_std) + beta`` with the very operations of
  the forward pass, so the mask ``z > 0`` is ReLU's mask bit for bit, and
  then runs batch normalization's backward on the masked gradient. Forward
  output and all gradients are bitwise those of
  ``F.relu(F.batch_normalization(...))``. (It keeps ``x`` rather than
  ``x_hat = (x - mean) * inv_std``: the same bytes, but the forward computes
  ``z`` as ``(x - mean) * (gamma * inv_std) + beta``, which differs from
  ``gamma * x_hat + beta`` in the last bit, so only ``x`` makes both the mask
  and bn's backward (which forms ``x_hat`` from ``x``) exact.)
- :func:`lean_apply` ``(fn, y)`` calls ``fn(y)`` and stops the nodes it
  records from keeping ``y``'s array: each such saved array is replaced by a
  placeholder (function_node Note [saved arrays]) that ``y``'s creator fills
  on demand with ``rebuild_output``: here relu(z), recomputed exactly from
  what the node keeps. The refilled array is dropped again once the node's
  backward ran (or the pass ended).

So the block ``h + l2(lean_apply(l2, batch_normalization_relu(l1(h))))``
keeps ``x`` only where the plain block keeps ``x`` and ``y``: one array of
the block's width less per block, for two cheap elementwise passes in
backward. Nothing else changes: the graph is the real graph (double
backprop, ``loss_scale`` and accumulation need no special code), and the
node follows the rules of function_node Note [freeing backward] (its
``forward`` is a function of its inputs; the running statistics are updated
by the first forward only, see _normalize's ``_update_running``), so a
second backward through a freed graph rebuilds it exactly. Inside
``F.forget`` the region keeps none of these arrays anyway and
:func:`lean_apply` just calls ``fn``.
"""

from rechain import _backprop
from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable
from rechain.functions.activation.relu import ReLUGrad
from rechain.functions.normalization.batch_normalization import (BatchNormalization,
                                                                  _check, _reduce_axes)
from rechain.functions.normalization._normalize import (_batch_norm_grad_from_x_hat,
                                                         _bshape)
from rechain.recompute import region as _region
from rechain.utils import type_check

Variable = variable.Variable
Placeholder = function_node.Placeholder


class BatchNormalizationReLU(BatchNormalization):
    """``relu(batch_normalization(x))``; inputs ``(x, gamma, beta)``, outputs
    ``(y, mean, inv_std)`` (_normalize Note [hidden statistics]).

    Keeps ``x``, ``gamma``, ``beta``, ``mean`` and ``inv_std``, not ``y``
    (Note [lean blocks]).
    """

    def forward(self, inputs):
        y, mean, inv_std = super().forward(inputs)
        self.retain_inputs((0, 1, 2))
        backend.get_array_module(y).maximum(y, 0, out=y)
        return y, mean, inv_std

    def backward(self, indexes, grad_outputs):
        if (not configuration.config.enable_backprop and grad_outputs[0] is not None
                and grad_outputs[1] is None and grad_outputs[2] is None
                and self.stat_axes == self.param_axes):
            return self._lean_backward(indexes, grad_outputs)
        return super().backward(indexes, grad_outputs)

    def _lean_backward(self, indexes, grad_outputs):
        """The common case on arrays, with two arrays of x's size beyond x and
        the incoming gradient, or one when the incoming gradient may be
        overwritten (function_node Note [gradient buffers]): ReLU's masked
        gradient is written into it, and x_hat into x's memory when nobody else
        holds x. The operations are those of the plain path (relu's backward,
        then _batch_norm_grad_from_x_hat), in the same order, so the bits are."""
        mean, inv_std = [v.array for v in self.get_retained_outputs()]
        gamma, beta = self.get_retained_input_arrays()[1:]
        gy = function_node.take_grad_output(grad_outputs, 0)
        gy_owned = gy is not None
        if not gy_owned:
            gy = grad_outputs[0].array
        x = function_node.take_retained_input(self, 0)
        x_owned = x is not None and x.dtype == gy.dtype and x.shape == gy.shape
        if x is None:
            x = self.get_retained_input_arrays()[0]
        gy_owned = gy_owned and x.dtype == gy.dtype and x.shape == gy.shape
        xp = backend.get_array_module(x)
        pshape = _bshape(x.shape, self.param_axes)
        d = xp.subtract(x, mean, out=x) if x_owned else x - mean
        del x
        # z = (x - mean) * (gamma * inv_std) + beta, as _pre_activation forms it
        z = d * (gamma.reshape(pshape) * inv_std)
        z += beta.reshape(pshape)
        xp.greater(z, 0, out=z)    # relu's gy * (y > 0), as relu.relu_grad_array
        if gy_owned:
            gy *= z
            g, spare = gy, z
        else:
            z *= gy
            g, spare = z, None
        del gy, z
        d *= inv_std               # x_hat
        gx, ggamma, gbeta = _batch_norm_grad_from_x_hat(
            d, g, gamma.reshape(pshape), inv_std, self.stat_axes, spare)
        ret = []
        for i in indexes:
            r = gx if i == 0 else ggamma if i == 1 else gbeta
            ret.append(Variable._constant(r if i == 0 else r.reshape(gamma.shape)))
        return tuple(ret)

    def _pre_activation(self, x, gamma, beta, mean, inv_std):
        """``z``, computed by the operations the forward pass used."""
        pshape = _bshape(x.shape, self.param_axes)
        z = x - mean
        z *= gamma.reshape(pshape) * inv_std
        z += beta.reshape(pshape)
        return z

    def _normalized_grad(self, inputs, mean, inv_std, gy, as_vars):
        if as_vars:  # differentiable: ReLU's backward node on the rebuilt output
            x, gamma, beta = [v.array for v in inputs]
            z = self._pre_activation(x, gamma, beta, mean.array, inv_std.array)
            backend.get_array_module(z).maximum(z, 0, out=z)
            return ReLUGrad().apply((z, gy))[0]
        z = self._pre_activation(*inputs, mean, inv_std)
        # relu's gy * (y > 0), written into z (relu.relu_grad_array's steps).
        backend.get_array_module(z).greater(z, 0, out=z)
        z *= gy
        return z

    def rebuild_output(self, index):
        """Output ``index`` (0 only) recomputed exactly from what the node keeps
        (for :func:`lean_apply`)."""
        if index != 0:
            raise ValueError(f"{self.label}.rebuild_output: only output 0 (y) can be "
                             f"rebuilt, not output {index}")
        ins = self.get_retained_input_arrays()
        outs = self._retained_out if self._handler is None else self._handled(1)
        if ins is None or outs is None:
            raise RuntimeError(f"{self.label}: cannot rebuild y for a consumer's backward: "
                               f"the node's saved arrays are gone (was the graph unchained?)")
        y = self._pre_activation(*ins, *outs)
        backend.get_array_module(y).maximum(y, 0, out=y)
        return y


def batch_normalization_relu(x, gamma, beta, eps=2e-5, running_mean=None, running_var=None,
                             decay=0.9, axis=None):
    """``relu(batch_normalization(x, gamma, beta, ...))`` as one node that keeps less.

    Same arguments, statistics and running-average updates as
    :func:`batch_normalization` (once per forward pass; not during
    ``config.in_recomputing``), and bitwise the same output and gradients as
    ``F.relu(F.batch_normalization(...))``. The node does not keep its
    output; with :func:`lean_apply` its consumer does not either (Note
    [lean blocks]).

    Args:
        x (Variable or ndarray): Input, e.g. ``(N, C)`` or ``(N, C, H, W)``.
        gamma, beta (Variable or ndarray): Scale and shift, the shape of ``x``
            without the normalized axes.
        eps (float): Added to the variance.
        running_mean, running_var (ndarray or None): Running statistics,
            updated in place.
        decay (float): Decay of the running statistics.
        axis (int, tuple or None): Axes to normalize over; by default the
            batch axis 0 and those after gamma's.

    Returns:
        Variable: Same shape as ``x``, non-negative.

    Example:
        >>> x = np.array([[1., 2.], [3., 6.]], np.float32)
        >>> c = np.ones(2, np.float32)
        >>> F.batch_normalization_relu(x, c, 0 * c).array
        array([[0.       , 0.       ],
               [0.99999  , 0.9999975]], dtype=float32)
    """
    name = "batch_normalization_relu"
    axes = _reduce_axes(name, x, axis, gamma)
    if type_check.enabled():
        params = (("gamma", gamma), ("beta", beta))
        if running_mean is not None or running_var is not None:
            params += (("running_mean", running_mean), ("running_var", running_var))
        _check(name, x, axes, params, mixed=False)
        m = 1
        for a in axes:
            m *= x.shape[a]
        if m == 0:
            raise type_check.InvalidType(f"{name}: no values to normalize over axes {axes} "
                                         f"of x {tuple(x.shape)}")
    node = BatchNormalizationReLU(axes, eps, variable.as_array(running_mean),
                                  variable.as_array(running_var), decay)
    return node.apply((x, gamma, beta))[0]


# -- lean_apply ------------------------------------------------------------------------

class _Rebuilt:
    """Handler of a node whose saved copy of ``y`` is a placeholder: the
    producer of ``y`` refills it (Note [lean blocks])."""

    __slots__ = ("producer", "index", "slots")

    def __init__(self, producer, index, slots):
        self.producer = producer
        self.index = index
        self.slots = slots

    def fill(self, placeholder):
        y = self.producer.rebuild_output(self.index)
        for ph in self.slots:
            ph.array = y
        _backprop.note_refilled(self)

    def release(self):
        for ph in self.slots:
            ph.array = None


class _LeanScope:
    """Saved-array handler active during ``lean_apply``'s call: passes every
    record to the handler it covers, then replaces ``y``'s array among what a
    node keeps (if no handler took the node already)."""

    replaying = False

    def __init__(self, parent, y, producer, index):
        self.parent = parent
        self.array = y._data
        self.node = y._node
        self.producer = producer
        self.index = index

    def record(self, f, in_vars, in_data, out_data):
        if self.parent is not None:
            self.parent.record(f, in_vars, in_data, out_data)
        idx = f._in_retain
        stored = f._retained_in
        if idx is None or stored is None or f._handler is not None:
            return
        nodes = f.inputs
        slots = []
        new = list(stored)
        for j, i in enumerate(idx):
            if nodes[i] is self.node and stored[j] is self.array:
                new[j] = ph = Placeholder(0, i)
                slots.append(ph)
        if slots:
            f._retained_in = tuple(new)
            f._handler = _Rebuilt(self.producer, self.index, tuple(slots))

    def record_nested(self, func, in_vars):
        if self.parent is not None:
            return self.parent.record_nested(func, in_vars)
        return [v._data for v in in_vars]


def lean_apply(fn, y):
    """Call ``fn(y)``; the nodes it records keep no copy of ``y``'s array.

    Where such a node's backward needs ``y``, ``y``'s creator rebuilds it
    exactly from what it keeps (a creator with ``rebuild_output``, such as
    :func:`batch_normalization_relu`'s node; see Note [lean blocks]). Where
    nothing would be saved (no graph is built, ``y``'s creator cannot rebuild
    it, or ``F.forget`` records or replays, which keeps none of it anyway)
    this is just ``fn(y)``.

    Args:
        fn (callable): Called with ``y``; e.g. the next Linear link.
        y (Variable): Its input.

    Returns:
        What ``fn(y)`` returns.

    Example:
        >>> h = F.lean_apply(l2, F.batch_normalization_relu(l1(x), gamma, beta))
    """
    if not callable(fn):
        raise TypeError(f"lean_apply: fn must be callable, not {type(fn).__name__}")
    if not isinstance(y, Variable):
        raise TypeError(f"lean_apply: y must be a Variable, not {type(y).__name__}")
    producer = y.creator
    top = function_node.current_handler()
    if (producer is None or not hasattr(producer, "rebuild_output")
            or not configuration.config.enable_backprop
            or (top is not None and (top.replaying or isinstance(top, _region.Region)))):
        return fn(y)
    index = next(k for k, r in enumerate(producer.outputs) if r() is y._node)
    prev = function_node.push_handler(_LeanScope(top, y, producer, index))
    try:
        return fn(y)
    finally:
        function_node.pop_handler(prev)
