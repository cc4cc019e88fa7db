import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import function_node
from rechain import gradient_check
from rechain.utils import type_check

TOL = {numpy.float32: dict(atol=1e-2, rtol=1e-2), numpy.float64: dict(atol=1e-5, rtol=1e-4)}

# (x shape, axis) -> gamma shape is x.shape without the axes
CASES = [((5, 3), None), ((2, 3, 2, 2), None), ((3, 2, 4), None), ((3, 2, 4), 0),
         ((3, 2, 4), (0, 1))]


def _axes(shape, axis):
    if axis is None:
        return (0,) + tuple(range(2, len(shape)))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _pshape(shape, axes):
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _bshape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _ref(x, gamma, beta, eps, axes):
    x = x.astype(numpy.float64)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    b = _bshape(x.shape, axes)
    return gamma.reshape(b) * (x - mean) / numpy.sqrt(var + eps) + beta.reshape(b)


def _data(shape, axis, dtype, rng):
    axes = _axes(shape, axis)
    x = rng.uniform(-1, 1, shape).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, _pshape(shape, axes)).astype(dtype)
    beta = rng.uniform(-1, 1, _pshape(shape, axes)).astype(dtype)
    return x, gamma, beta, axes


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,axis", CASES)
def test_forward(shape, axis, dtype):
    x, gamma, beta, axes = _data(shape, axis, dtype, numpy.random.default_rng(0))
    y = F.batch_normalization(x, gamma, beta, eps=1e-3, axis=axis)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, _ref(x, gamma, beta, 1e-3, axes),
                                  rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,axis", CASES)
def test_running_statistics_updated_in_place(shape, axis, dtype):
    x, gamma, beta, axes = _data(shape, axis, dtype, numpy.random.default_rng(1))
    rm = numpy.random.default_rng(2).uniform(-1, 1, gamma.shape).astype(dtype)
    rv = numpy.random.default_rng(3).uniform(0.5, 1.5, gamma.shape).astype(dtype)
    rm0, rv0 = rm.copy(), rv.copy()
    ids = (id(rm), id(rv))
    F.batch_normalization(x, gamma, beta, running_mean=rm, running_var=rv, decay=0.7,
                          axis=axis)
    m = x.size // gamma.size
    x64 = x.astype(numpy.float64)
    mean = x64.mean(axis=axes).reshape(gamma.shape)
    var = x64.var(axis=axes).reshape(gamma.shape) * m / (m - 1)
    assert (id(rm), id(rv)) == ids and rm.dtype == dtype
    numpy.testing.assert_allclose(rm, 0.7 * rm0 + 0.3 * mean, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(rv, 0.7 * rv0 + 0.3 * var, rtol=1e-5, atol=1e-6)


def test_running_statistics_untouched_while_recomputing():
    x, gamma, beta, _ = _data((4, 3), None, numpy.float32, numpy.random.default_rng(4))
    rm, rv = numpy.zeros(3, numpy.float32), numpy.ones(3, numpy.float32)
    with rechain.using_config("in_recomputing", True):
        F.batch_normalization(x, gamma, beta, running_mean=rm, running_var=rv)
    numpy.testing.assert_array_equal(rm, 0)
    numpy.testing.assert_array_equal(rv, 1)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,axis", CASES)
def test_backward(shape, axis, dtype):
    rng = numpy.random.default_rng(5)
    x, gamma, beta, _ = _data(shape, axis, dtype, rng)
    gy = rng.uniform(-1, 1, shape).astype(dtype)
    gradient_check.check_backward(lambda *a: F.batch_normalization(*a, axis=axis),
                                  (x, gamma, beta), gy, seed=0, **TOL[dtype])


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,axis", CASES)
def test_double_backward(shape, axis, dtype):
    rng = numpy.random.default_rng(6)
    x, gamma, beta, _ = _data(shape, axis, dtype, rng)
    gy = rng.uniform(-1, 1, shape).astype(dtype)
    ggs = tuple(rng.uniform(-1, 1, a.shape).astype(dtype) for a in (x, gamma, beta))
    gradient_check.check_double_backward(lambda *a: F.batch_normalization(*a, axis=axis),
                                         (x, gamma, beta), gy, ggs, seed=0, **TOL[dtype])


def test_gradient_values_against_closed_form():
    rng = numpy.random.default_rng(7)
    x, gamma, beta, axes = _data((6, 2), None, numpy.float64, rng)
    gy = rng.uniform(-1, 1, x.shape)
    xv, gv, bv = rechain.Variable(x), rechain.Variable(gamma), rechain.Variable(beta)
    y = F.batch_normalization(xv, gv, bv)
    y.grad = gy
    y.backward()
    mean, var = x.mean(0), x.var(0)
    xh = (x - mean) / numpy.sqrt(var + 2e-5)
    gx = gamma / numpy.sqrt(var + 2e-5) * (gy - gy.mean(0) - xh * (gy * xh).mean(0))
    numpy.testing.assert_allclose(xv.grad, gx, rtol=1e-8, atol=1e-10)
    numpy.testing.assert_allclose(gv.grad, (gy * xh).sum(0), rtol=1e-8)
    numpy.testing.assert_allclose(bv.grad, gy.sum(0), rtol=1e-8)


def test_retains_x_gamma_and_per_channel_statistics_only():
    x, gamma, beta, _ = _data((4, 3, 2, 2), None, numpy.float32, numpy.random.default_rng(8))
    rm, rv = numpy.zeros(3, numpy.float32), numpy.ones(3, numpy.float32)
    y = F.batch_normalization(rechain.Variable(x), rechain.Variable(gamma),
                              rechain.Variable(beta), running_mean=rm, running_var=rv)
    node = y.creator
    kept = [(kind, i, a.size) for kind, i, a in function_node.retained_arrays(node)]
    assert kept == [("input", 0, x.size), ("input", 1, 3), ("output", 1, 3), ("output", 2, 3)]
    for k, v in vars(node).items():   # nothing array-valued stashed on the node
        if k in ("_retained_in", "_retained_out"):
            continue
        assert not isinstance(v, numpy.ndarray)
        if isinstance(v, tuple):
            assert not any(isinstance(a, numpy.ndarray) for a in v)


def test_second_order_through_statistics_via_grad():
    """d/dx of |dL/dx|^2 matches finite differences: exercises hidden-output grads."""
    rng = numpy.random.default_rng(9)
    x, gamma, beta, _ = _data((5, 2), None, numpy.float64, rng)
    gy = rng.uniform(-1, 1, x.shape)

    def first(xa):
        xv = rechain.Variable(xa)
        y = F.batch_normalization(xv, gamma, beta)
        gx, = rechain.grad([y], [xv], [rechain.Variable(gy)], enable_double_backprop=True)
        return xv, F.sum(gx * gx)

    xv, s = first(x.copy())
    s.backward()
    d = rng.normal(size=x.shape)
    eps = 1e-5
    num = (first(x + eps * d)[1].array - first(x - eps * d)[1].array) / (2 * eps)
    numpy.testing.assert_allclose((xv.grad * d).sum(), num, rtol=1e-5)


def test_bad_gamma_size():
    x = numpy.zeros((2, 3, 4, 4), numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization: gamma of shape \(4,\) does not match x "
                             r"\(2, 3, 4, 4\): expected \(3,\)"):
        F.batch_normalization(x, numpy.ones(4, numpy.float32), numpy.zeros(3, numpy.float32))


def test_bad_running_var_shape():
    x = numpy.zeros((2, 3), numpy.float32)
    c = numpy.ones(3, numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization: running_var of shape \(2,\) does not "
                             r"match x \(2, 3\)"):
        F.batch_normalization(x, c, c, running_mean=c.copy(), running_var=numpy.ones(2, 'f'))


def test_bad_ndim_and_dtype():
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization: x must have at least 2 dimensions.*\(3,\)"):
        F.batch_normalization(numpy.zeros(3, numpy.float32), numpy.ones(1, 'f'),
                              numpy.ones(1, 'f'), axis=0)
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization: beta must have dtype float32 like x"):
        F.batch_normalization(numpy.zeros((2, 3), numpy.float32), numpy.ones(3, 'f'),
                              numpy.ones(3, 'd'))


# -- fixed_batch_normalization ---------------------------------------------------

def _fixed_data(shape, axis, dtype, rng):
    x, gamma, beta, axes = _data(shape, axis, dtype, rng)
    mean = rng.uniform(-1, 1, gamma.shape).astype(dtype)
    var = rng.uniform(0.5, 1.5, gamma.shape).astype(dtype)
    return (x, gamma, beta, mean, var), axes


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,axis", CASES)
def test_fixed_forward(shape, axis, dtype):
    (x, gamma, beta, mean, var), axes = _fixed_data(shape, axis, dtype,
                                                   numpy.random.default_rng(10))
    y = F.fixed_batch_normalization(x, gamma, beta, mean, var, eps=1e-3, axis=axis)
    b = _bshape(shape, axes)
    ref = (gamma.reshape(b) * (x.astype(numpy.float64) - mean.reshape(b))
           / numpy.sqrt(var.reshape(b) + 1e-3) + beta.reshape(b))
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,axis", CASES)
def test_fixed_backward_and_double_backward(shape, axis, dtype):
    rng = numpy.random.default_rng(11)
    args, _ = _fixed_data(shape, axis, dtype, rng)
    gy = rng.uniform(-1, 1, shape).astype(dtype)

    def f(*a):
        return F.fixed_batch_normalization(*a, axis=axis)

    gradient_check.check_backward(f, args, gy, seed=0, **TOL[dtype])
    ggs = tuple(rng.uniform(-1, 1, a.shape).astype(dtype) for a in args)
    gradient_check.check_double_backward(f, args, gy, ggs, seed=0, **TOL[dtype])


def test_fixed_bad_var_shape():
    x = numpy.zeros((2, 3), numpy.float32)
    c = numpy.ones(3, numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"fixed_batch_normalization: var of shape \(1, 3\) does not "
                             r"match x \(2, 3\): expected \(3,\)"):
        F.fixed_batch_normalization(x, c, c, c, numpy.ones((1, 3), numpy.float32))


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    x, gamma, beta, axes = _data((4, 3, 2, 2), None, numpy.float32, numpy.random.default_rng(12))
    rm = cp.zeros(3, cp.float32)
    rv = cp.ones(3, cp.float32)
    y = F.batch_normalization(cp.asarray(x), cp.asarray(gamma), cp.asarray(beta),
                              running_mean=rm, running_var=rv)
    numpy.testing.assert_allclose(cp.asnumpy(y.array), _ref(x, gamma, beta, 2e-5, axes),
                                  rtol=1e-4, atol=1e-4)
    numpy.testing.assert_allclose(cp.asnumpy(rm), 0.1 * x.mean(axis=axes), rtol=1e-4, atol=1e-6)


def _grads(f, args, gy, double):
    vs = [rechain.Variable(a) for a in args]
    y = f(*vs)
    return [g.array for g in rechain.grad([y], vs, [rechain.Variable(gy)],
                                          enable_double_backprop=double)]


@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("fixed", [False, True])
def test_differentiable_backward_gives_the_same_gradients(shape, axis, fixed):
    """The Variable formulas (double backprop) equal the array formulas (plain)."""
    rng = numpy.random.default_rng(13)
    if fixed:
        args, _ = _fixed_data(shape, axis, numpy.float64, rng)
        f = lambda *a: F.fixed_batch_normalization(*a, axis=axis)  # noqa: E731
    else:
        args = _data(shape, axis, numpy.float64, rng)[:3]
        f = lambda *a: F.batch_normalization(*a, axis=axis)  # noqa: E731
    gy = rng.uniform(-1, 1, shape)
    for a, b in zip(_grads(f, args, gy, False), _grads(f, args, gy, True)):
        numpy.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_fixed_gradient_values_against_closed_form():
    rng = numpy.random.default_rng(14)
    (x, gamma, beta, mean, var), _ = _fixed_data((5, 3), None, numpy.float64, rng)
    gy = rng.uniform(-1, 1, x.shape)
    gx, gg, gb, gm, gv = _grads(F.fixed_batch_normalization, (x, gamma, beta, mean, var), gy,
                                False)
    s = 1 / numpy.sqrt(var + 2e-5)
    numpy.testing.assert_allclose(gx, gy * gamma * s, rtol=1e-10)
    numpy.testing.assert_allclose(gg, (gy * (x - mean) * s).sum(0), rtol=1e-10)
    numpy.testing.assert_allclose(gb, gy.sum(0), rtol=1e-10)
    numpy.testing.assert_allclose(gm, -gy.sum(0) * gamma * s, rtol=1e-10)
    numpy.testing.assert_allclose(gv, -0.5 * (gy * (x - mean)).sum(0) * gamma * s ** 3,
                                  rtol=1e-10)


# -- hardening (issue 12) -----------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1, 1)])
def test_one_value_per_channel_in_training_is_an_error(shape):
    x = numpy.ones(shape, numpy.float32)
    g, b = numpy.ones(3, numpy.float32), numpy.zeros(3, numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization: x of shape .* one value per channel"):
        F.batch_normalization(x, g, b)


@pytest.mark.parametrize("eps", [0, 0.0, -1e-5])
def test_non_positive_eps_is_an_error(eps):
    x = numpy.random.rand(4, 3).astype(numpy.float32)
    g, b = numpy.ones(3, numpy.float32), numpy.zeros(3, numpy.float32)
    with pytest.raises(ValueError, match=r"batch_normalization: eps must be positive"):
        F.batch_normalization(x, g, b, eps=eps)
    with pytest.raises(ValueError, match=r"fixed_batch_normalization: eps must be positive"):
        F.fixed_batch_normalization(x, g, b, numpy.zeros(3, numpy.float32),
                                    numpy.ones(3, numpy.float32), eps=eps)
