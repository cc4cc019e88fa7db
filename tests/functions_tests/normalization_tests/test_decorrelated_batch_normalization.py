import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.utils import type_check


def ref(x, groups, eps):
    """Per group: centre, then multiply by the inverse square root of the
    covariance (by its eigendecomposition), with loops over groups."""
    n, c = x.shape[:2]
    cg = c // groups
    xt = numpy.moveaxis(x.astype(numpy.float64), 1, 0).reshape(c, -1)
    y = numpy.empty_like(xt)
    means, projs = [], []
    for g in range(groups):
        part = xt[g * cg:(g + 1) * cg]
        mean = part.mean(axis=1, keepdims=True)
        xc = part - mean
        cov = xc @ xc.T / xc.shape[1] + eps * numpy.eye(cg)
        w, v = numpy.linalg.eigh(cov)
        p = v @ numpy.diag(w ** -0.5) @ v.T
        y[g * cg:(g + 1) * cg] = p @ xc
        means.append(mean[:, 0])
        projs.append(p)
    y = numpy.moveaxis(y.reshape((c, n) + x.shape[2:]), 0, 1)
    return y, numpy.stack(means), numpy.stack(projs)


CASES = [((10, 4), 2), ((6, 6, 2), 3), ((4, 4, 2, 3), 1), ((5, 6, 3), 2)]


def _x(shape, seed, dtype=numpy.float64):
    rng = numpy.random.default_rng(seed)
    x = rng.normal(size=shape)
    return (x + 0.5 * numpy.roll(x, 1, axis=1)).astype(dtype)   # correlated channels


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,groups", CASES)
def test_forward_and_statistics(shape, groups, dtype):
    x = _x(shape, 0, dtype)
    cg = shape[1] // groups
    rm = numpy.full((groups, cg), 0.5, dtype)
    rp = numpy.broadcast_to(numpy.eye(cg, dtype=dtype), (groups, cg, cg)).copy()
    y = F.decorrelated_batch_normalization(x, groups=groups, eps=1e-3, running_mean=rm,
                                           running_projection=rp, decay=0.7)
    ry, mean, proj = ref(x, groups, 1e-3)
    assert y.dtype == dtype and y.shape == shape
    tol = dict(rtol=1e-3, atol=1e-4) if dtype == numpy.float32 else dict(rtol=1e-9, atol=1e-10)
    numpy.testing.assert_allclose(y.array, ry, **tol)
    m = x.size // shape[1]
    numpy.testing.assert_allclose(rm, 0.7 * 0.5 + 0.3 * mean, **tol)
    numpy.testing.assert_allclose(rp, 0.7 * numpy.eye(cg) + 0.3 * m / (m - 1) * proj, **tol)


@pytest.mark.parametrize("shape,groups", CASES[:3])
def test_gradients(shape, groups, grads):
    x = _x(shape, 1)
    grads(lambda x: F.decorrelated_batch_normalization(x, groups=groups), (x,))


def test_fixed_forward_and_gradients(grads):
    rng = numpy.random.default_rng(2)
    x = _x((5, 4, 3), 3)
    mean = rng.normal(size=(2, 2))
    proj = rng.normal(size=(2, 2, 2))
    y = F.fixed_decorrelated_batch_normalization(x, mean, proj, groups=2)
    ref_y = numpy.empty(x.shape)
    for n in range(5):
        for s in range(3):
            for g in range(2):
                ref_y[n, 2 * g:2 * g + 2, s] = proj[g] @ (x[n, 2 * g:2 * g + 2, s] - mean[g])
    numpy.testing.assert_allclose(y.array, ref_y, rtol=1e-12)
    grads(lambda x, m, p: F.fixed_decorrelated_batch_normalization(x, m, p, groups=2),
          (x, mean, proj))


def test_forget_gives_plain_outputs_gradients_and_statistics():
    x0 = _x((6, 4), 4)
    out = []
    for use in (False, True):
        rm, rp = numpy.zeros((2, 2)), numpy.stack([numpy.eye(2)] * 2)
        x = rechain.Variable(x0.copy())

        def f(x):
            return F.decorrelated_batch_normalization(F.tanh(x), groups=2, running_mean=rm,
                                                      running_projection=rp)
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y * y).backward()
        out.append((y.array, x.grad, rm, rp))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    x = numpy.zeros((4, 6), numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"decorrelated_batch_normalization: groups=4 must divide the 6 "
                             r"channels of x \(4, 6\)"):
        F.decorrelated_batch_normalization(x, groups=4)
    with pytest.raises(type_check.InvalidType,
                       match=r"decorrelated_batch_normalization: running_projection must have "
                             r"shape \(2, 3, 3\)"):
        F.decorrelated_batch_normalization(x, groups=2, running_projection=numpy.zeros((2, 3)))
    with pytest.raises(type_check.InvalidType,
                       match=r"fixed_decorrelated_batch_normalization: mean must have shape "
                             r"\(3, 2\)"):
        F.fixed_decorrelated_batch_normalization(x, numpy.zeros((2, 3), numpy.float32),
                                                 numpy.zeros((3, 2, 2), numpy.float32), 3)
    with pytest.raises(ValueError, match=r"decorrelated_batch_normalization: groups must be a "
                                         r"positive int, got 0"):
        F.decorrelated_batch_normalization(x, groups=0)


def test_fixed_casts_statistics_of_another_dtype():
    x = rechain.Variable(_x((4, 4), 6))
    mean = rechain.Variable(numpy.zeros((2, 2), numpy.float32))
    proj = rechain.Variable(numpy.stack([numpy.eye(2, dtype=numpy.float32)] * 2))
    y = F.fixed_decorrelated_batch_normalization(x, mean, proj, groups=2)
    assert y.dtype == numpy.float64
    numpy.testing.assert_array_equal(y.array, x.array)
    F.sum(y).backward()
    assert mean.grad.dtype == numpy.float32 and proj.grad.dtype == numpy.float32
