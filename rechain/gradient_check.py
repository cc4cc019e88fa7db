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


def _kink(f_m2, f_m1, f_0, f_p1, f_p2, eps, atol, rtol, resolution):
    """Whether five samples at -2..2 eps show a kink or a jump near 0.

    The third differences of a smooth function are about eps**3 times its
    third derivative, negligible; a slope change ``J`` anywhere in
    (-2 eps, 2 eps) makes one of them at least ``J eps / 3``, a jump ``H``
    at least ``H``. So a third difference over ``eps`` beyond
    ``atol + rtol * |slope|`` (plus the rounding noise of the values,
    ``resolution`` relative) is a kink.
    """
    f = (f_m2, f_m1, f_0, f_p1, f_p2)
    if not all(numpy.isfinite(f)):
        return True
    d3 = max(abs(f[3] - 3 * f[2] + 3 * f[1] - f[0]), abs(f[4] - 3 * f[3] + 3 * f[2] - f[1]))
    slope = max(abs(f[i + 1] - f[i]) for i in range(4)) / eps
    noise = 64 * resolution * max(abs(v) for v in f) / eps
    return d3 / eps > atol + rtol * slope + noise


def numerical_grad(f, inputs, grad_outputs, eps=1e-3, detect_nondifferentiable=False,
                   diff_atol=0, diff_rtol=1e-2):
    """Central-difference gradient of ``sum(grad_outputs * f())`` w.r.t. each input.

    ``f`` takes no argument and reads the arrays in ``inputs``, which are
    perturbed in place, one element at a time. Computation is in float64 if
    the arrays are.

    Args:
        f (callable): Returns an array or a tuple of arrays.
        inputs (tuple of ndarray): Arrays to perturb.
        grad_outputs (tuple of ndarray or None): Weights of the outputs.
        eps (float): Step.
        detect_nondifferentiable (bool): Also sample at +-2 eps and raise
            :class:`NondifferentiableError` where the one-sided slopes show a
            kink or jump within +-2 eps (third differences beyond
            ``diff_atol + diff_rtol * |slope|``).

    Returns:
        tuple of ndarray: One gradient per input.
    """
    if eps <= 0:
        raise ValueError(f"numerical_grad: eps must be positive, got {eps}")
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)

    def weighted():
        ys = _as_tuple(f())
        total = 0.0
        for i, y in enumerate(ys):
            if y is None:
                continue
            y = backend.to_cpu(_variable.as_array(y)).astype(numpy.float64)
            gy = grad_outputs[i] if i < len(grad_outputs) else None
            if gy is None:
                total += float(y.sum())
            else:
                total += float((y * backend.to_cpu(gy).astype(numpy.float64)).sum())
        return total

    grads = []
    for x in inputs:
        g = numpy.zeros(x.shape, dtype=numpy.float64)
        for idx in numpy.ndindex(x.shape):  # in place, whatever the strides
            orig = x[idx].item()
            x[idx] = orig + eps
            yp = weighted()
            x[idx] = orig - eps
            ym = weighted()
            if detect_nondifferentiable:
                x[idx] = orig + 2 * eps
                yp2 = weighted()
                x[idx] = orig - 2 * eps
                ym2 = weighted()
                x[idx] = orig
                y0 = weighted()
                resolution = float(numpy.finfo(x.dtype).eps) if x.dtype.kind == "f" \
                    else float(numpy.finfo(numpy.float64).eps)
                if _kink(ym2, ym, y0, yp, yp2, eps, diff_atol, diff_rtol, resolution):
                    raise NondifferentiableError(
                        f"numerical_grad: the function is not differentiable within "
                        f"+-{eps} of element {idx} of an input of shape {x.shape}")
            x[idx] = orig
            g[idx] = (yp - ym) / (2 * eps)
        grads.append(g)
    return tuple(grads)


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
        seed (int): Seed of the random direction.
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
    rng = numpy.random.default_rng(seed)
    dirs = [rng.normal(size=t.shape) for t in targets]
    norm = numpy.sqrt(sum(float((d * d).sum()) for d in dirs)) or 1.0
    dirs = [d / norm for d in dirs]
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
        # one-element output, nothing (zero weight) for any other.
        weights = tuple(backend.to_cpu(g) if g is not None else
                        None if y.size == 1 else numpy.zeros(y.shape)
                        for g, y in zip(y_grad, ys))
        try:
            numeric, = numerical_grad(f, (t_arr,), weights, eps=eps,
                                      detect_nondifferentiable=detect_nondifferentiable)
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
