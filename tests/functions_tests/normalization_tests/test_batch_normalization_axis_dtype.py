"""Chainer's batch-normalization semantics (issue 14): the default axes follow
gamma's dimensionality, and gamma/beta may have another float dtype than x."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import gradient_check
from rechain.utils import type_check


def _ref(x, gamma, beta, eps, axes, mean=None, var=None):
    x = x.astype(numpy.float64)
    b = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    if mean is None:
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
    else:
        mean = mean.astype(numpy.float64).reshape(b)
        var = var.astype(numpy.float64).reshape(b)
    return (gamma.astype(numpy.float64).reshape(b) * (x - mean) / numpy.sqrt(var + eps)
            + beta.astype(numpy.float64).reshape(b))


# x shape, gamma shape, the axes Chainer normalizes over by default
DEFAULT_AXES = [((5, 3), (3,), (0,)), ((5, 3, 4), (3, 4), (0,)),
                ((5, 3, 4, 2), (3, 4), (0, 3)), ((4, 3, 2, 2, 2), (3, 2), (0, 3, 4)),
                ((5, 3, 2, 3), (3, 2, 3), (0,))]


@pytest.mark.parametrize("shape,pshape,axes", DEFAULT_AXES)
def test_default_axes_follow_gamma_ndim(shape, pshape, axes):
    rng = numpy.random.default_rng(0)
    x = rng.uniform(-1, 1, shape)
    gamma, beta = rng.uniform(0.5, 1.5, pshape), rng.uniform(-1, 1, pshape)
    y = F.batch_normalization(x, gamma, beta)
    numpy.testing.assert_allclose(y.array, _ref(x, gamma, beta, 2e-5, axes), rtol=1e-10,
                                  atol=1e-12)
    mean, var = rng.uniform(-1, 1, pshape), rng.uniform(0.5, 1.5, pshape)
    y = F.fixed_batch_normalization(x, gamma, beta, mean, var)
    numpy.testing.assert_allclose(y.array, _ref(x, gamma, beta, 2e-5, axes, mean, var),
                                  rtol=1e-10)


@pytest.mark.parametrize("shape,pshape,axes", DEFAULT_AXES[1:3])
def test_default_axes_gradients(shape, pshape, axes):
    rng = numpy.random.default_rng(1)
    x = rng.uniform(-1, 1, shape)
    gamma, beta = rng.uniform(0.5, 1.5, pshape), rng.uniform(-1, 1, pshape)
    gy = rng.uniform(-1, 1, shape)
    ggs = (rng.uniform(-1, 1, shape), rng.uniform(-1, 1, pshape), rng.uniform(-1, 1, pshape))
    gradient_check.check_backward(F.batch_normalization, (x, gamma, beta), gy, seed=0)
    gradient_check.check_double_backward(F.batch_normalization, (x, gamma, beta), gy, ggs,
                                         seed=0, atol=1e-4, rtol=1e-3)


def test_running_statistics_with_2d_gamma():
    rng = numpy.random.default_rng(2)
    x = rng.uniform(-1, 1, (6, 3, 4, 2))
    g = numpy.ones((3, 4))
    rm, rv = numpy.zeros((3, 4)), numpy.ones((3, 4))
    F.batch_normalization(x, g, 0 * g, running_mean=rm, running_var=rv, decay=0.5)
    numpy.testing.assert_allclose(rm, 0.5 * x.mean(axis=(0, 3)), rtol=1e-12)
    numpy.testing.assert_allclose(rv, 0.5 + 0.5 * x.var(axis=(0, 3), ddof=1), rtol=1e-12)


def test_gamma_of_the_wrong_ndim_is_an_error():
    x = numpy.zeros((5, 3, 4), numpy.float32)
    g = numpy.ones((3, 5), numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization: gamma of shape \(3, 5\) does not match x "
                             r"\(5, 3, 4\): expected \(3, 4\)"):
        F.batch_normalization(x, g, g)


# -- mixed dtypes ----------------------------------------------------------------------

MIXED = [(numpy.float16, numpy.float32), (numpy.float64, numpy.float32),
         (numpy.float32, numpy.float64), (numpy.float32, numpy.float16)]


@pytest.mark.parametrize("xdtype,pdtype", MIXED)
def test_mixed_dtypes_forward_and_gradient_dtypes(xdtype, pdtype):
    rng = numpy.random.default_rng(3)
    x = rng.uniform(-1, 1, (5, 3, 2)).astype(xdtype)
    gamma = rng.uniform(0.5, 1.5, 3).astype(pdtype)
    beta = rng.uniform(-1, 1, 3).astype(pdtype)
    rm, rv = numpy.zeros(3, pdtype), numpy.ones(3, pdtype)
    xv, gv, bv = rechain.Variable(x), rechain.Variable(gamma), rechain.Variable(beta)
    y = F.batch_normalization(xv, gv, bv, eps=1e-3, running_mean=rm, running_var=rv)
    assert y.dtype == xdtype and rm.dtype == pdtype and rv.dtype == pdtype
    low = numpy.float16 in (xdtype, pdtype)
    tol = dict(rtol=2e-2, atol=2e-2) if low else dict(rtol=1e-5, atol=1e-5)
    numpy.testing.assert_allclose(y.array, _ref(x, gamma, beta, 1e-3, (0, 2)), **tol)
    numpy.testing.assert_allclose(rm, 0.1 * x.astype(numpy.float64).mean(axis=(0, 2)), **tol)
    F.sum(y * y).backward()
    assert xv.grad.dtype == xdtype and gv.grad.dtype == pdtype and bv.grad.dtype == pdtype
    # the same gradients as the computation in the promoted dtype throughout
    common = numpy.promote_types(xdtype, pdtype)
    xs = [rechain.Variable(a.astype(common)) for a in (x, gamma, beta)]
    y2 = F.batch_normalization(*xs, eps=1e-3)
    F.sum(F.cast(F.cast(y2, xdtype), common) ** 2).backward()
    for a, b in zip((xv, gv, bv), xs):
        numpy.testing.assert_allclose(a.grad, b.grad.astype(a.grad.dtype), **tol)


@pytest.mark.parametrize("xdtype,pdtype", MIXED)
def test_mixed_dtypes_fixed(xdtype, pdtype):
    rng = numpy.random.default_rng(4)
    x = rng.uniform(-1, 1, (4, 3)).astype(xdtype)
    p = [rng.uniform(0.5, 1.5, 3).astype(pdtype) for _ in range(4)]
    vs = [rechain.Variable(a) for a in [x] + p]
    y = F.fixed_batch_normalization(*vs)
    assert y.dtype == xdtype
    low = numpy.float16 in (xdtype, pdtype)
    tol = dict(rtol=2e-2, atol=2e-2) if low else dict(rtol=1e-5, atol=1e-5)
    numpy.testing.assert_allclose(y.array, _ref(x, p[0], p[1], 2e-5, (0,), p[2], p[3]), **tol)
    F.sum(y).backward()
    assert [v.grad.dtype for v in vs] == [xdtype] + [pdtype] * 4


def test_mixed_dtypes_gradient_check():
    """float64 x with float32 gamma: the gradients are right (checked numerically)."""
    rng = numpy.random.default_rng(5)
    x = rng.uniform(-1, 1, (6, 2))
    gamma = rng.uniform(0.5, 1.5, 2).astype(numpy.float32)
    beta = rng.uniform(-1, 1, 2).astype(numpy.float32)
    gy = rng.uniform(-1, 1, x.shape)
    ggs = (rng.uniform(-1, 1, x.shape), rng.uniform(-1, 1, 2).astype(numpy.float32),
           rng.uniform(-1, 1, 2).astype(numpy.float32))
    tol = dict(atol=1e-2, rtol=1e-2)
    gradient_check.check_backward(F.batch_normalization, (x, gamma, beta), gy, seed=0, **tol)
    gradient_check.check_double_backward(F.batch_normalization, (x, gamma, beta), gy, ggs,
                                         seed=0, **tol)


def test_mixed_dtypes_under_forget_give_plain_outputs_and_gradients():
    rng = numpy.random.default_rng(6)
    x_data = rng.uniform(-1, 1, (5, 3)).astype(numpy.float16)
    g_data = rng.uniform(0.5, 1.5, 3).astype(numpy.float32)
    out = []
    for use in (False, True):
        x, g = rechain.Variable(x_data.copy()), rechain.Variable(g_data.copy())
        f = lambda x, g: F.batch_normalization(F.tanh(x), g, 0 * g)  # noqa: E731
        y = F.forget(f, x, g) if use else f(x, g)
        F.sum(y * y).backward()
        out.append((y.array, x.grad, g.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_beta_must_have_gammas_dtype():
    x = numpy.zeros((2, 3), numpy.float64)
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization: beta must have dtype float32 like gamma, "
                             r"got float64"):
        F.batch_normalization(x, numpy.ones(3, numpy.float32), numpy.ones(3))
    with pytest.raises(type_check.InvalidType,
                       match=r"fixed_batch_normalization: var must have dtype float32 like "
                             r"gamma, got float64"):
        c = numpy.ones(3, numpy.float32)
        F.fixed_batch_normalization(x, c, c, c, numpy.ones(3))
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization: gamma must have a floating-point dtype, "
                             r"got int64"):
        F.batch_normalization(x, numpy.ones(3, numpy.int64), numpy.ones(3))


def test_bn_relu_keeps_one_dtype():
    """The lean fused node takes x's dtype only (it is rechain's own)."""
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization_relu: gamma must have dtype float64 like x"):
        F.batch_normalization_relu(numpy.zeros((2, 3)), numpy.ones(3, numpy.float32),
                                   numpy.ones(3, numpy.float32))


# -- the link --------------------------------------------------------------------------

@pytest.mark.parametrize("shape,size,axis,axes", [
    ((5, 3, 4), (3, 4), None, (0,)),
    ((5, 3, 4, 2), (3, 4), None, (0, 3)),
    ((5, 3, 4), (3, 4), 0, (0,)),
    ((5, 3, 4), (4,), (0, 1), (0, 1)),
])
def test_link_size_and_axis(shape, size, axis, axes):
    rng = numpy.random.default_rng(7)
    bn = L.BatchNormalization(size=size, axis=axis, dtype=numpy.float64)
    x = rng.uniform(-1, 1, shape)
    y = bn(x)
    numpy.testing.assert_allclose(y.array, _ref(x, bn.gamma.array, bn.beta.array, 2e-5, axes),
                                  rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(bn.avg_mean, 0.1 * x.mean(axis=axes), rtol=1e-10)
    with rechain.using_config("train", False):
        y = bn(x)
    numpy.testing.assert_allclose(
        y.array, _ref(x, bn.gamma.array, bn.beta.array, 2e-5, axes, bn.avg_mean, bn.avg_var),
        rtol=1e-10)


@pytest.mark.parametrize("train", [True, False])
def test_link_mixed16_keeps_float32_parameters(train):
    with rechain.using_config("dtype", rechain.mixed16):
        bn = L.BatchNormalization(3)
    assert bn.gamma.dtype == bn.beta.dtype == bn.avg_mean.dtype == numpy.float32
    x = rechain.Variable(numpy.random.default_rng(8).uniform(-1, 1, (4, 3))
                         .astype(numpy.float16))
    with rechain.using_config("train", train):
        y = bn(x)
    assert y.dtype == numpy.float16
    F.sum(y * y).backward()
    assert x.grad.dtype == numpy.float16 and bn.gamma.grad.dtype == numpy.float32
    bn2 = L.BatchNormalization(3, dtype=rechain.mixed16)
    assert bn2.gamma.dtype == numpy.float32


def test_link_without_gamma_and_beta_reads_none():
    bn = L.BatchNormalization(3, use_gamma=False, use_beta=False)
    assert bn.gamma is None and bn.beta is None and not bn.use_gamma
    assert [name for name, _ in bn.namedparams()] == []
    x = numpy.random.default_rng(9).uniform(-1, 1, (4, 3))
    numpy.testing.assert_allclose(bn(x).array, _ref(x, numpy.ones(3), numpy.zeros(3), 2e-5,
                                                    (0,)), rtol=1e-6, atol=1e-6)


def test_link_arguments_as_chainer():
    bn = L.BatchNormalization(3)
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(ValueError, match="the test argument is not supported any more"):
        bn(x, test=True)
    with pytest.raises(TypeError):
        bn(x, True)                      # finetune is keyword only
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        bn(x, unknown=1)
    with pytest.raises(TypeError, match=r"BatchNormalization: size must be an int or a tuple "
                                        r"of ints, got \{\}"):
        L.BatchNormalization({})
