"""Shared machinery of batch and layer normalization.

Both compute ``y = gamma * (x - mean) * inv_std + beta`` where ``mean`` and
``inv_std = 1 / sqrt(var + eps)`` are statistics over ``stat_axes`` and
``gamma``/``beta`` are broadcast over ``param_axes``. For batch normalization
the two sets of axes coincide; for layer normalization they are complementary.

Note [hidden statistics]: the node's outputs are ``(y, mean, inv_std)``; the
wrappers return only ``y``. Backward needs the statistics, and retaining them
as outputs (rather than keeping them on ``self``) is what lets ``F.forget``
recompute them and ``rechain.memory`` count them. Because the double-backprop
graph of the gradient reads the retained ``mean``/``inv_std`` Variables, a
second-order pass sends gradients to those outputs; ``backward`` therefore
differentiates them too (``mean`` and ``inv_std`` are functions of ``x``).

The gradient formulas are written once in :func:`affine_normalization_grad`
and evaluated either on Variables (when a graph of the backward is being
built, so the result is differentiable) or on raw arrays (plain backward,
where that graph would be thrown away).
"""

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to

Variable = variable.Variable


def _bshape(shape, axes):
    """``shape`` with the entries of ``axes`` set to one (keepdims shape)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _broadcast(v, shape):
    if isinstance(v, Variable):
        return broadcast_to(v, shape)
    return backend.get_array_module(v).broadcast_to(v, shape).copy()


def affine_normalization_grad(x, gamma_b, mean, inv_std, gy, gmean, ginv, stat_axes,
                              param_axes):
    """Gradients of ``y = gamma * (x - mean) * inv_std + beta`` and of the statistics.

    Works on Variables (differentiable result) and on arrays alike.

    Args:
        x: Input. ``gamma_b``: gamma in keepdims shape. ``mean``, ``inv_std``:
            statistics in keepdims shape.
        gy, gmean, ginv: Gradients of ``y``, ``mean`` and ``inv_std`` (None = 0).
        stat_axes, param_axes (tuple of int): See the module docstring.

    Returns:
        ``(gx, ggamma, gbeta)``; ``ggamma``/``gbeta`` in keepdims shape or None.
    """
    m = 1
    for a in stat_axes:
        m *= x.shape[a]
    inv_m = 1.0 / m
    x_hat = (x - mean) * inv_std
    gx = ggamma = gbeta = None
    if gy is not None:
        gbeta = gy.sum(axis=param_axes, keepdims=True)
        ggamma = (gy * x_hat).sum(axis=param_axes, keepdims=True)
        if stat_axes == param_axes:
            gx = (gamma_b * inv_std) * (gy - gbeta * inv_m - x_hat * (ggamma * inv_m))
        else:
            gxhat = gy * gamma_b
            gx = inv_std * (gxhat - gxhat.sum(axis=stat_axes, keepdims=True) * inv_m
                            - x_hat * ((gxhat * x_hat).sum(axis=stat_axes, keepdims=True)
                                       * inv_m))
    if gmean is not None:   # d mean / dx = 1 / m
        t = gmean * inv_m
        gx = _broadcast(t, x.shape) if gx is None else gx + t
    if ginv is not None:    # d inv_std / dx = -inv_std^2 * x_hat / m
        t = x_hat * (ginv * inv_std * inv_std * (-inv_m))
        gx = t if gx is None else gx + t
    return gx, ggamma, gbeta


def _batch_norm_grad_arrays(x, gamma_b, mean, inv_std, gy, axes, x_owned=False):
    """:func:`affine_normalization_grad` for the common plain case, on arrays.

    Same formulas, computed with in-place operations instead of a fresh array
    per step (this is on every training step): one temporary of x's size
    beyond ``gx``, none when ``x_owned`` (an input the caller gives away:
    x_hat is made in its memory).
    """
    numpy_like = backend.get_array_module(x)
    if x_owned:
        x_hat = numpy_like.subtract(x, mean, out=x)
    else:
        x_hat = x - mean
    x_hat *= inv_std
    return _batch_norm_grad_from_x_hat(x_hat, gy, gamma_b, inv_std, axes)


def _batch_norm_grad_from_x_hat(x_hat, gy, gamma_b, inv_std, axes, spare=None):
    """The end of :func:`_batch_norm_grad_arrays` from a ready ``x_hat``, which
    it overwrites: ``gx`` (in ``spare``, an array of x's size the caller gives
    away, when there is one, else in a fresh array), ``ggamma``, ``gbeta``;
    the same operations in the same order as there, so the same bits."""
    m = x_hat.size // inv_std.size
    gbeta = gy.sum(axis=axes, keepdims=True)
    if spare is None:
        tmp = gy * x_hat
    else:
        tmp = backend.get_array_module(gy).multiply(gy, x_hat, out=spare)
    ggamma = tmp.sum(axis=axes, keepdims=True)
    x_hat *= ggamma * (1.0 / m)
    backend.get_array_module(gy).subtract(gy, x_hat, out=tmp)
    tmp -= gbeta * (1.0 / m)
    tmp *= gamma_b * inv_std
    return tmp, ggamma, gbeta


class AffineNormalization(function_node.FunctionNode):
    """Inputs ``(x, gamma, beta)``; outputs ``(y, mean, inv_std)`` (see the module note).

    Args:
        stat_axes (tuple of int): Axes the statistics are taken over.
        param_axes (tuple of int): Axes gamma and beta are broadcast over.
        eps (float): Added to the variance.
        running_mean, running_var (ndarray or None): Updated in place in
            ``forward`` (batch normalization); references are dropped then.
        decay (float): Weight of the old running value.
    """

    def __init__(self, stat_axes, param_axes, eps, running_mean=None, running_var=None,
                 decay=0.9):
        self.stat_axes = stat_axes
        self.param_axes = param_axes
        self.eps = eps
        self._running = (running_mean, running_var)
        self.decay = decay

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        self.retain_outputs((1, 2))
        x, gamma, beta = inputs
        xp = backend.get_array_module(x)
        stat_axes = self.stat_axes
        pshape = _bshape(x.shape, self.param_axes)
        mean = x.mean(axis=stat_axes, keepdims=True)
        y = x - mean
        if x.ndim == 2 and stat_axes == (0,):  # (N, C) batch norm: no squared temporary
            var = xp.einsum("ij,ij->j", y, y).reshape(mean.shape)
            var *= 1.0 / x.shape[0]
        else:
            var = xp.square(y).mean(axis=stat_axes, keepdims=True)
        inv_std = 1.0 / xp.sqrt(var + self.eps)
        if stat_axes == self.param_axes:
            y *= gamma.reshape(pshape) * inv_std
        else:
            y *= inv_std
            y *= gamma.reshape(pshape)
        y += beta.reshape(pshape)
        self._update_running(mean, var, x)
        return y, mean, inv_std

    def _update_running(self, mean, var, x):
        running_mean, running_var = self._running
        self._running = (None, None)   # keep no array on the node
        if configuration.config.in_recomputing or (running_mean is None
                                                    and running_var is None):
            return   # F.forget's recompute: the first forward already updated them
        m = x.size // max(mean.size, 1)
        d = self.decay
        if running_mean is not None:
            running_mean *= d
            running_mean += (1 - d) * mean.reshape(running_mean.shape)
        if running_var is not None:
            adjust = m / max(m - 1.0, 1.0)   # unbiased estimate
            running_var *= d
            running_var += ((1 - d) * adjust) * var.reshape(running_var.shape)

    def backward(self, indexes, grad_outputs):
        gy, gmean, ginv = grad_outputs
        as_vars = configuration.config.enable_backprop
        if (not as_vars and gy is not None and gmean is None and ginv is None
                and self.stat_axes == self.param_axes
                and type(self)._normalized_grad is AffineNormalization._normalized_grad):
            return self._plain_backward(indexes, gy.array)
        inputs = self.get_retained_inputs()
        mean, inv_std = self.get_retained_outputs()
        if not as_vars:   # plain backward: compute on arrays, wrap the results
            inputs = tuple(v.array for v in inputs)
            mean, inv_std = mean.array, inv_std.array
            gy, gmean, ginv = [None if g is None else g.array for g in (gy, gmean, ginv)]
        x, gamma = inputs[0], inputs[1]
        pshape = _bshape(x.shape, self.param_axes)
        if gy is not None:
            gy = self._normalized_grad(inputs, mean, inv_std, gy, as_vars)
        gx, ggamma, gbeta = affine_normalization_grad(
            x, gamma.reshape(pshape), mean, inv_std, gy, gmean, ginv, self.stat_axes,
            self.param_axes)
        ret = []
        for i in indexes:
            g = gx if i == 0 else ggamma if i == 1 else gbeta
            if g is not None:
                if i:
                    g = g.reshape(gamma.shape)
                if not as_vars:
                    g = Variable._constant(g)
            ret.append(g)
        return tuple(ret)

    def _plain_backward(self, indexes, gy):
        """The common case on arrays (no double backprop, no gradient of the
        statistics): x_hat is made in x's memory when nobody else holds x
        (function_node Note [gradient buffers]), one array of x's size less."""
        mean, inv_std = [v.array for v in self.get_retained_outputs()]
        gamma = self.get_retained_input_arrays()[1]
        x = function_node.take_retained_input(self, 0)
        x_owned = x is not None and x.dtype == gy.dtype and x.shape == gy.shape
        if x is None:
            x = self.get_retained_input_arrays()[0]
        pshape = _bshape(x.shape, self.param_axes)
        gx, ggamma, gbeta = _batch_norm_grad_arrays(
            x, gamma.reshape(pshape), mean, inv_std, gy, self.stat_axes, x_owned)
        del x
        ret = []
        for i in indexes:
            g = gx if i == 0 else ggamma if i == 1 else gbeta
            if i:
                g = g.reshape(gamma.shape)
            ret.append(Variable._constant(g))
        return tuple(ret)

    def _normalized_grad(self, inputs, mean, inv_std, gy, as_vars):
        """The gradient of the normalized ``y`` given that of the node's output
        ``gy``. Here the output is ``y`` itself; an op fused after the
        normalization (batch_normalization_relu) applies its own backward here."""
        return gy
