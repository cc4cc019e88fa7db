"""det, batch_det, inv, batch_inv, cholesky, diagonal."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]


def _wellcond(rng, shape):
    """Random matrices plus n times the identity: far from singular."""
    n = shape[-1]
    return rng.uniform(-1, 1, shape) + n * numpy.eye(n)


def _spd(rng, n, batch=()):
    m = rng.uniform(-1, 1, batch + (n, n))
    return m @ numpy.swapaxes(m, -1, -2) + n * numpy.eye(n)


# ---------------------------------------------------------------- det

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_det_forward(rng, n, dtype):
    a = _wellcond(rng, (n, n)).astype(dtype)
    y = F.det(a)
    assert y.shape == () and y.dtype == dtype
    numpy.testing.assert_allclose(y.array, numpy.linalg.det(a.astype(numpy.float64)),
                                  rtol=1e-5 if dtype == numpy.float32 else 1e-13)
    b = numpy.stack([a, 2 * a, -a])
    yb = F.batch_det(b)
    assert yb.shape == (3,) and yb.dtype == dtype
    numpy.testing.assert_allclose(yb.array, numpy.linalg.det(b.astype(numpy.float64)),
                                  rtol=1e-5 if dtype == numpy.float32 else 1e-13)


def test_det_gradient_is_cofactor_matrix():
    a = numpy.array([[1.0, 2.0], [3.0, 4.0]])
    v = Variable(a.copy())
    F.det(v).backward()
    numpy.testing.assert_allclose(v.grad, [[4.0, -3.0], [-2.0, 1.0]], rtol=1e-14)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_det_grads(rng, grads, dtype):
    grads(F.det, (_wellcond(rng, (3, 3)),), dtype)
    grads(F.batch_det, (_wellcond(rng, (2, 3, 3)),), dtype)


# ---------------------------------------------------------------- inv

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 4])
def test_inv_forward(rng, n, dtype):
    a = _wellcond(rng, (n, n)).astype(dtype)
    y = F.inv(a)
    assert y.shape == (n, n) and y.dtype == dtype
    numpy.testing.assert_allclose(y.array @ a, numpy.eye(n),
                                  atol=1e-5 if dtype == numpy.float32 else 1e-14)
    b = _wellcond(rng, (3, n, n)).astype(dtype)
    yb = F.batch_inv(b)
    assert yb.shape == b.shape and yb.dtype == dtype
    numpy.testing.assert_allclose(yb.array, numpy.linalg.inv(b.astype(numpy.float64)),
                                  rtol=1e-4 if dtype == numpy.float32 else 1e-12,
                                  atol=1e-6)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_inv_grads(rng, grads, dtype):
    grads(F.inv, (_wellcond(rng, (3, 3)),), dtype)
    grads(F.batch_inv, (_wellcond(rng, (2, 3, 3)),), dtype)


def test_singular_matrices_raise():
    s = numpy.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(ValueError, match=r"inv: input has singular matrices \(a shape "
                                         r"\(2, 2\)\)"):
        F.inv(s)
    with pytest.raises(ValueError, match="batch_inv: input has singular matrices"):
        F.batch_inv(numpy.stack([numpy.eye(2), s]))


# ---------------------------------------------------------------- cholesky

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 5])
def test_cholesky_forward(rng, n, dtype):
    a = _spd(rng, n).astype(dtype)
    y = F.cholesky(a)
    assert y.shape == (n, n) and y.dtype == dtype
    numpy.testing.assert_array_equal(numpy.triu(y.array, 1), 0)
    numpy.testing.assert_allclose(y.array @ y.array.T, a,
                                  rtol=1e-5 if dtype == numpy.float32 else 1e-13)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_cholesky_grads(rng, grads, dtype):
    # Symmetrise inside: cholesky reads one triangle, its gradient is symmetric.
    def f(a):
        return F.cholesky((a + F.transpose(a)) * 0.5)
    grads(f, (_spd(rng, 3),), dtype)


def test_cholesky_gradient_of_logdet():
    # log det A = 2 sum log diag(L); its gradient is A^-1.
    a = _spd(numpy.random.default_rng(3), 4)
    v = Variable(a.copy())
    F.sum(F.log(F.diagonal(F.cholesky(v)))).backward()
    numpy.testing.assert_allclose(2 * v.grad, numpy.linalg.inv(a), rtol=1e-12)


def test_cholesky_not_positive_definite():
    with pytest.raises(ValueError, match=r"cholesky: a is not positive definite "
                                         r"\(shape \(2, 2\)\)"):
        F.cholesky(numpy.array([[1.0, 2.0], [2.0, 1.0]]))


# ---------------------------------------------------------------- diagonal

@pytest.mark.parametrize("args", [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (0, 1, 2), (2, 2, 0),
                                  (-1, -1, -3)])
def test_diagonal_forward(rng, args):
    x = rng.normal(size=(3, 4, 5))
    y = F.diagonal(x, *args)
    numpy.testing.assert_array_equal(y.array, numpy.diagonal(x, *args))


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("args", [(0, 0, 1), (1, 1, 2), (-2, 2, 0)])
def test_diagonal_grads(rng, grads, args, dtype):
    grads(lambda a: F.diagonal(a, *args), (rng.normal(size=(3, 4, 5)),), dtype)


def test_diagonal_gradient_values():
    v = Variable(numpy.zeros((2, 3)))
    y = F.diagonal(v, offset=1)
    y.grad = numpy.array([5.0, 7.0])
    y.backward()
    numpy.testing.assert_array_equal(v.grad, [[0, 5, 0], [0, 0, 7]])


def test_float16_is_computed_in_float32(rng):
    a = _wellcond(rng, (3, 3)).astype(numpy.float16)
    for f, ref in ((F.det, numpy.linalg.det), (F.inv, numpy.linalg.inv),
                   (F.cholesky, numpy.linalg.cholesky)):
        x = a @ a.T if f is F.cholesky else a
        y = f(x)
        assert y.dtype == numpy.float16
        numpy.testing.assert_allclose(y.array, ref(x.astype(numpy.float32)), rtol=2e-3,
                                      atol=2e-3)


# ---------------------------------------------------------------- forget, bad input

CALLS = {
    "det": lambda x: F.det(x * 2.0),
    "batch_det": lambda x: F.batch_det(F.stack([x, x * x])),
    "inv": lambda x: F.inv(x + x),
    "batch_inv": lambda x: F.batch_inv(F.stack([x, x * 3.0])),
    "cholesky": lambda x: F.cholesky(F.matmul(x, x, transb=True)),
    "diagonal": lambda x: F.diagonal(F.tanh(x), 1),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_forget_gives_plain_outputs_and_gradients(rng, name):
    x_data = _wellcond(rng, (3, 3))
    out = []
    for use in (False, True):
        x = Variable(x_data.copy())
        y = F.forget(CALLS[name], x) if use else CALLS[name](x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name,ndim", [("det", 2), ("batch_det", 3), ("inv", 2),
                                       ("batch_inv", 3), ("cholesky", 2)])
def test_bad_shapes_and_dtypes(name, ndim):
    f = getattr(F, name)
    with pytest.raises(rechain.InvalidType, match=rf"{name}: a must have {ndim} dimensions, "
                                                  r"got shape \(2,\)"):
        f(numpy.ones(2))
    with pytest.raises(rechain.InvalidType, match=rf"{name}: a must "):
        f(numpy.ones((2, 3) if ndim == 2 else (1, 2, 3)))
    with pytest.raises(rechain.InvalidType, match=rf"{name}: a must have a floating"):
        f(numpy.ones((2, 2) if ndim == 2 else (1, 2, 2), numpy.int32))


def test_diagonal_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"diagonal: x must have at least 2 "
                                                  r"dimensions, got shape \(3,\)"):
        F.diagonal(numpy.ones(3))
    with pytest.raises(rechain.InvalidType, match="diagonal: axis1 and axis2 must differ, "
                                                  "got 1 and -1"):
        F.diagonal(numpy.ones((2, 2)), 0, 1, -1)
    with pytest.raises(rechain.InvalidType, match="diagonal: axis2=3 is out of range"):
        F.diagonal(numpy.ones((2, 2)), 0, 0, 3)
