"""Numerical gradient checks: first and second order.

:func:`check_backward` compares the gradient computed by backpropagation with a
central-difference derivative along one random direction, evaluated in float64.
:func:`check_double_backward` does the same for the gradient of the gradient.
Both raise :class:`AssertionError` with a readable report; they never return a
flag.
"""

import numpy

from rechain import _backprop
from rechain import backend
from rechain import variable as _variable

Variable = _variable.Variable


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


class NondifferentiableError(Exception):
    """The function looks non-differentiable where a numerical gradient was asked for.

    Raised by :func:`numerical_grad` (and the checks) only with
    ``detect_nondifferentiable=True``; a test then draws other inputs.
    """


#: Five samples at ``-eps, -eps/2, 0, eps/2, eps``: with them the quadratic
#: least-squares fit's residual is the part of the samples along the discrete
#: orthogonal polynomials of degrees 3 and 4 (squared norms 10 and 70).
_OFFSETS = (-1.0, -0.5, 0.0, 0.5, 1.0)
_P3 = numpy.array([-1.0, 2.0, 0.0, -2.0, 1.0])
_P4 = numpy.array([1.0, -4.0, 6.0, -4.0, 1.0])


def _nondifferentiable(samples, diff_atol, diff_rtol):
    """Index of the first output whose five samples (a list over outputs of
    ``(5, n)`` float64 arrays) show a non-differentiable point, else None.

    An element whose finiteness changes between the samples is one. Unless
    some element is non-finite everywhere it is sampled (a region a function
    is not defined on, like ``log`` of negatives, where no fit is made), an
    element is one where the root-mean-square residual of the quadratic fit
    of its samples exceeds ``diff_atol + diff_rtol * (max - min)``; a constant
    element never is.
    """
    all_finite = True
    for k, s in enumerate(samples):
        if s is None:
            continue
        finite = numpy.isfinite(s)
        if (finite != finite[:1]).any():
            return k
        all_finite = all_finite and bool(finite.all())
    if not all_finite:
        return None
    for k, s in enumerate(samples):
        if s is None:
            continue
        residual = numpy.sqrt(((_P3 @ s) ** 2 / 10 + (_P4 @ s) ** 2 / 70) / 5)
        span = s.max(axis=0) - s.min(axis=0)
        if ((residual > diff_atol + diff_rtol * span) & (span > 0)).any():
            return k
    return None


def numerical_grad(f, inputs, grad_outputs, eps=1e-3, detect_nondifferentiable=False,
                   diff_atol=0, diff_rtol=1e-2, center_outputs=None):
    """Finite-difference gradient of ``sum_k sum(grad_outputs[k] * f()[k])``.

    ``f`` takes no argument and reads the arrays in ``inputs``, which are
    perturbed in place, one element at a time. The outputs are taken in
    float64. An output gradient (or an output) that is None contributes
    nothing, as in Chainer.

    Args:
        f (callable): Returns an array or a tuple of arrays (None allowed).
        inputs (tuple of ndarray): Arrays to perturb.
        grad_outputs (tuple): One array, scalar or None per output.
        eps (float): Step.
        detect_nondifferentiable (bool): Sample at ``-eps, -eps/2, 0, eps/2,
            eps`` instead of ``-eps, eps`` (the gradient is then accurate to
            the fourth order of eps) and raise :class:`NondifferentiableError`
            where an output element changes finiteness between the samples,
            or (where all are finite) its samples do not fit a quadratic:
            root-mean-square residual beyond ``diff_atol + diff_rtol * (max -
            min)`` of its samples. This is Chainer's test.
        diff_atol, diff_rtol (float): Tolerances of that fit.
        center_outputs: Ignored (as in Chainer 7, where it is deprecated).

    Returns:
        tuple of ndarray: One float64 gradient per input.
    """
    if not eps > 0:
        raise ValueError(f"numerical_grad: eps must be positive, got {eps}")
    inputs = _as_tuple(inputs)
    grad_outputs = tuple(None if g is None else
                         numpy.asarray(backend.to_cpu(g), dtype=numpy.float64)
                         for g in _as_tuple(grad_outputs))
    offsets = _OFFSETS if detect_nondifferentiable else (-1.0, 1.0)

    def outputs():
        ys = _as_tuple(f())
        if len(ys) != len(grad_outputs):
            raise ValueError(f"numerical_grad: f returned {len(ys)} outputs for "
                             f"{len(grad_outputs)} grad_outputs")
        return [None if y is None else
                backend.to_cpu(_variable.as_array(y)).astype(numpy.float64).ravel()
                for y in ys]

    grads = []
    for x in inputs:
        g = numpy.zeros(x.shape, dtype=numpy.float64)
        for idx in numpy.ndindex(x.shape):  # in place, whatever the strides
            orig = x[idx].item()
            yss = []
            try:
                for o in offsets:
                    x[idx] = orig + o * eps
                    yss.append(outputs())
            finally:
                x[idx] = orig
            if detect_nondifferentiable:
                samples = [None if yss[0][k] is None or yss[0][k].size == 0 else
                           numpy.stack([ys[k] for ys in yss])
                           for k in range(len(grad_outputs))]
                k = _nondifferentiable(samples, diff_atol, diff_rtol)
                if k is not None:
                    raise NondifferentiableError(
                        f"numerical_grad: the function is not differentiable within "
                        f"+-{eps} of element {idx} of an input of shape {x.shape} "
                        f"(output {k}: samples at x+{list(offsets)}*eps "
                        f"{[ys[k].tolist()[:4] for ys in yss]})")
            total = 0.0
            for k, gy in enumerate(grad_outputs):
                if gy is None or yss[0][k] is None:
                    continue
                if detect_nondifferentiable:  # fourth-order central difference
                    y_m1, y_mh, _, y_ph, y_p1 = (ys[k] for ys in yss)
                    diff = (8 * (y_ph - y_mh) - (y_p1 - y_m1)) / (6 * eps)
                else:
                    diff = (yss[1][k] - yss[0][k]) / (2 * eps)
                total += float((diff * gy.ravel() if gy.ndim else diff * gy).sum())
            g[idx] = total
        grads.append(g)
    return tuple(grads)


def _sample_unit_vector(size, xp, rng=None):
    """A random direction: a unit vector of ``size`` elements, each at least
    ``0.1 / sqrt(size)`` in magnitude (Chainer's: an element with a tiny
    component would be left nearly unchecked). It mixes the squares of a
    normalized Gaussian sample (weight 0.99) with those of the uniform vector
    (0.01) and keeps the sample's signs.

    Args:
        size (int): Number of elements.
        xp: Array module of the result.
        rng: A NumPy ``Generator`` to draw from; default ``xp.random``.
    """
    d = (xp.random if rng is None else rng).normal(size=(size,))
    if size:
        m = backend.get_array_module(d)  # NumPy when drawn from a Generator
        sq = d * d
        d = m.copysign(m.sqrt(0.99 * sq / sq.sum() + 0.01 / size), d)
    return xp.asarray(d)


class _CheckBackward:
    """Chainer's class behind ``check_backward``. rechain's check is the
    function :func:`check_backward`; this keeps Chainer's name of its
    direction sampler, which Chainer's tests call."""

    _sample_unit_vector = staticmethod(_sample_unit_vector)


def _report(title, rows):
    lines = [title]
    for k, v in rows:
        lines.append(f"  {k}: {v}")
    return "\n".join(lines)


def check_backward(func, x_data, y_grad=None, params=(), eps=1e-3, atol=1e-5, rtol=1e-4,
                   no_grads=None, dtype=numpy.float64, seed=None,
                   detect_nondifferentiable=False):
    """Check the backward of ``func`` against a numerical derivative.

    Along one random direction ``d`` (over the inputs and ``params``), the
    directional derivative of ``sum(y_grad * func(x + t d))`` at t = 0 is
    computed by central differences in ``dtype`` (float64 by default) and
    compared with ``sum(gx * d)`` from backpropagation.

    Args:
        func (callable): Takes Variables, returns a Variable or a tuple.
        x_data (ndarray or tuple of ndarray): Input arrays.
        y_grad (ndarray, tuple or None): Output gradients; None for a
            one-element output.
        params (Parameter or tuple): Parameters ``func`` uses, also checked.
        eps (float): Finite-difference step.
        atol, rtol (float): Tolerances of the comparison.
        no_grads (sequence of bool): True for inputs not to differentiate.
        dtype: dtype of the numerical evaluation (None keeps the input dtypes).
        seed (int): Seed of the random direction (a Generator of its own);
            None draws it from ``numpy.random``.
        detect_nondifferentiable (bool): Raise :class:`NondifferentiableError`
            if ``func`` has a kink within ``eps`` along the direction.

    Raises:
        AssertionError: with the two derivatives and the inputs' shapes.
    """
    xs = tuple(numpy.asarray(x) if numpy.isscalar(x) else x for x in _as_tuple(x_data))
    y_grad = _as_tuple(y_grad)
    params = _as_tuple(params)
    if no_grads is None:
        no_grads = [x.dtype.kind != "f" for x in xs]
    elif len(no_grads) != len(xs):
        raise ValueError(f"check_backward: no_grads has {len(no_grads)} entries for "
                         f"{len(xs)} inputs")

    # Analytical side.
    # An input in ``no_grads`` is a constant here. (Chainer differentiates it too and
    # raises if it gets a gradient; rechain's ops give gradients to some inputs that
    # Chainer's leave without one, such as a soft target, which its tests mark so.)
    x_vars = tuple(Variable(x.copy(), requires_grad=not ng) for x, ng in zip(xs, no_grads))
    for p in params:
        p.cleargrad()
    ys = _as_tuple(func(*x_vars))
    for i, y in enumerate(ys):
        if not isinstance(y, Variable):
            raise TypeError(f"check_backward: output {i} of func is a "
                            f"{type(y).__name__}, not a Variable")
    if not y_grad:
        if len(ys) != 1 or ys[0].size != 1:
            raise ValueError("check_backward: y_grad is required unless func returns "
                             "one one-element output")
        y_grad = (None,)
    if len(y_grad) != len(ys):
        raise ValueError(f"check_backward: func returned {len(ys)} outputs but "
                         f"{len(y_grad)} y_grad were given")
    outs, gys = [], []
    for y, gy in zip(ys, y_grad):
        if gy is None and y.size != 1:
            continue
        outs.append(y)
        gys.append(None if gy is None else Variable._constant(gy))
    targets = [v for v, ng in zip(x_vars, no_grads) if not ng] + list(params)
    if outs:
        grads = _backprop.grad(outs, targets, gys)
    else:
        grads = [None] * len(targets)
    grads = [numpy.zeros(t.shape) if g is None else backend.to_cpu(g.array).astype(numpy.float64)
             for g, t in zip(grads, targets)]
    for g, t in zip(grads, targets):
        if g.shape != t.shape:
            raise AssertionError(f"check_backward: gradient shape {g.shape} does not "
                                 f"match its input's shape {t.shape}")

    # Direction.
    sizes = [int(numpy.prod(t.shape)) for t in targets]
    # without a seed, from numpy.random (Chainer's): numpy.random.seed and
    # testing.fix_random make the check repeatable
    flat = _sample_unit_vector(sum(sizes), numpy,
                               None if seed is None else numpy.random.default_rng(seed))
    ends = numpy.cumsum(sizes)
    dirs = [flat[e - n:e].reshape(t.shape) for e, n, t in zip(ends, sizes, targets)]
    analytic = sum(float((g * d).sum()) for g, d in zip(grads, dirs))

    # Numerical side, in ``dtype``.
    def cast(a):
        if dtype is None or a.dtype.kind != "f":
            return a.copy()
        return a.astype(dtype)

    base = [cast(x) for x in xs]
    pbase = [cast(p.array) for p in params]
    saved = [p.array for p in params]
    t_arr = numpy.zeros((1,), dtype=numpy.float64 if dtype is None else dtype)

    def f():
        t = t_arr[0]
        k = 0
        vs = []
        for x, ng in zip(base, no_grads):
            if ng:
                vs.append(Variable(x, requires_grad=False))
            else:
                vs.append(Variable(numpy.asarray(x + t * dirs[k], dtype=x.dtype)))
                k += 1
        for p, pb in zip(params, pbase):
            p.array = numpy.asarray(pb + t * dirs[k], dtype=pb.dtype)
            k += 1
        # The graph is built: ``func`` may itself differentiate (double backprop).
        return tuple(y.array for y in _as_tuple(func(*vs)))

    try:
        # An output without a gradient counts as in backprop: one for a
        # one-element output, nothing for any other.
        weights = tuple(backend.to_cpu(g) if g is not None else
                        numpy.ones(y.shape) if y.size == 1 else None
                        for g, y in zip(y_grad, ys))
        try:
            # the fit tolerance is the comparison's rtol, as in Chainer
            numeric, = numerical_grad(f, (t_arr,), weights, eps=eps,
                                      detect_nondifferentiable=detect_nondifferentiable,
                                      diff_rtol=rtol)
        except NondifferentiableError:
            raise NondifferentiableError(
                f"check_backward: func is not differentiable within +-{eps} along the "
                f"random direction (input shapes {[x.shape for x in xs]})") from None
    finally:
        for p, a in zip(params, saved):
            p.array = a
    numeric = float(numeric[0])
    if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
        raise AssertionError(_report(
            "check_backward: gradients differ along a random direction",
            [("backprop  (sum gx*d)", analytic), ("numerical (central diff)", numeric),
             ("difference", analytic - numeric), ("atol, rtol, eps", (atol, rtol, eps)),
             ("input shapes", [x.shape for x in xs]),
             ("input dtypes", [str(x.dtype) for x in xs]),
             ("param shapes", [p.shape for p in params])]))


def check_double_backward(func, x_data, y_grad, x_grad_grad, params=(),
                          params_grad_grad=None, eps=1e-3, atol=1e-4, rtol=1e-3,
                          no_grads=None, dtype=numpy.float64, seed=None,
                          detect_nondifferentiable=False):
    """Check the gradient of the gradient of ``func``.

    The first-order gradient ``g(x, gy) = d<gy, func(x)>/dx`` built with
    ``enable_double_backprop=True`` is itself checked with
    :func:`check_backward` against ``x_grad_grad``.

    Args:
        func (callable): As for :func:`check_backward`.
        x_data: Inputs.
        y_grad: Output gradients (also differentiated); None for an output
            that gets no gradient.
        x_grad_grad: Gradients of the first-order gradients (one per input).
        params, params_grad_grad: Parameters and the gradients of their gradients.

    Raises:
        AssertionError: with a readable report.
    """
    xs = _as_tuple(x_data)
    all_gys = _as_tuple(y_grad)
    # an output whose gradient is None contributes nothing (as in Chainer)
    with_grad = [k for k, g in enumerate(all_gys) if g is not None]
    gys = tuple(all_gys[k] for k in with_grad)
    ggxs = _as_tuple(x_grad_grad)
    params = _as_tuple(params)
    pggs = _as_tuple(params_grad_grad)
    n_in = len(xs)
    if no_grads is None:
        no_grads = [x.dtype.kind != "f" for x in xs]
    diff_idx = [i for i in range(n_in) if not no_grads[i]]
    if len(ggxs) != len(diff_idx):
        raise ValueError(f"check_double_backward: {len(ggxs)} x_grad_grad for "
                         f"{len(diff_idx)} differentiable inputs")

    def first_order(*args):
        xv = args[:n_in]
        gv = args[n_in:]
        ys = _as_tuple(func(*xv))
        if len(gys) != len(all_gys):  # leave out the outputs without a gradient
            if len(ys) != len(all_gys):
                raise ValueError(f"check_double_backward: {len(all_gys)} y_grad for "
                                 f"{len(ys)} outputs")
            ys = tuple(ys[k] for k in with_grad)
        # the numerical side runs in float64; an output of a fixed dtype (a
        # cast) takes its gradient in its own dtype, as grad() requires
        gv = tuple(g if g.dtype == y.dtype else _cast(g, y.dtype) for g, y in zip(gv, ys))
        targets = [xv[i] for i in diff_idx] + list(params)
        grads = _backprop.grad(ys, targets, gv if gv else None,
                               enable_double_backprop=True)
        out = []
        for g, t in zip(grads, targets):
            out.append(g if g is not None else Variable._constant(t.xp.zeros_like(t.array)))
        return tuple(out)

    check_backward(first_order, xs + gys, ggxs + pggs, params=params, eps=eps, atol=atol,
                   rtol=rtol, no_grads=list(no_grads) + [False] * len(gys), dtype=dtype,
                   seed=seed, detect_nondifferentiable=detect_nondifferentiable)


def _cast(x, dtype):
    from rechain.functions.array.cast import cast
    return cast(x, dtype)
