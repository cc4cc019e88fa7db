"""add (n-ary), identity, squared_error / squared_difference, absolute_error,
batch_l2_norm_squared."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]


# ---------------------------------------------------------------- add

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [[(2, 3)] * 3, [(2, 3)] * 5, [(2, 3), (3,), (2, 1), ()]])
def test_add_forward(rng, shapes, dtype):
    xs = [rng.normal(size=s).astype(dtype) for s in shapes]
    y = F.add(*xs)
    want = sum(xs[1:], xs[0])
    assert y.dtype == dtype and y.shape == want.shape
    numpy.testing.assert_allclose(y.array, want, rtol=1e-6)
    for x in xs:  # the inputs are not written to
        assert not numpy.shares_memory(y.array, x)


def test_add_two_and_one():
    a, b = numpy.array([1.0, 2.0]), numpy.array([3.0, 4.0])
    numpy.testing.assert_array_equal(F.add(a, b).array, [4.0, 6.0])
    numpy.testing.assert_array_equal(F.add(a, 2.0).array, [3.0, 4.0])
    v = Variable(b)
    numpy.testing.assert_array_equal(F.add(a, v).array, [4.0, 6.0])
    assert F.add(v) is v


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_add_grads(rng, grads, dtype):
    shapes = [(2, 3), (3,), (2, 1), (2, 3)]
    grads(lambda *xs: F.add(*xs), [rng.normal(size=s) for s in shapes], dtype)


def test_add_gradient_sums_to_each_shape():
    xs = [Variable(numpy.zeros(s)) for s in [(2, 3), (3,), (2, 1)]]
    F.sum(F.add(*xs)).backward()
    numpy.testing.assert_array_equal(xs[0].grad, numpy.ones((2, 3)))
    numpy.testing.assert_array_equal(xs[1].grad, [2.0, 2.0, 2.0])
    numpy.testing.assert_array_equal(xs[2].grad, [[3.0], [3.0]])


def test_add_same_variable_twice():
    x = Variable(numpy.array([1.0, 2.0]))
    F.sum(F.add(x, x, x)).backward()
    numpy.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_add_bad_input():
    with pytest.raises(TypeError, match="add: at least one input is required"):
        F.add()
    with pytest.raises(rechain.InvalidType, match=r"add: xs\[0\] and xs\[2\] must have the "
                                                  r"same dtype, got float64 and float32"):
        F.add(numpy.ones(2), numpy.ones(2), numpy.ones(2, numpy.float32))
    with pytest.raises(rechain.InvalidType, match=r"add: shapes cannot be broadcast together: "
                                                  r"xs\[0\] \(2,\), xs\[1\] \(2,\), "
                                                  r"xs\[2\] \(3,\)"):
        F.add(numpy.ones(2), numpy.ones(2), numpy.ones(3))
    with pytest.raises(rechain.InvalidType, match=r"add: xs\[1\] must be a Variable or an "
                                                  r"ndarray, not list"):
        F.add(numpy.ones(2), [1.0], numpy.ones(2))


# ---------------------------------------------------------------- identity

def test_identity_values_and_graph(rng):
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(4,))
    y = F.identity(a)
    assert isinstance(y, Variable)
    numpy.testing.assert_array_equal(y.array, a)
    x1, x2 = Variable(a.copy()), Variable(b.copy())
    y1, y2 = F.identity(x1, x2)
    assert y1.creator is y2.creator is not None
    F.sum(y1 * 2.0).backward()
    numpy.testing.assert_array_equal(x1.grad, numpy.full((2, 3), 2.0))
    assert x2.grad is None or not x2.grad.any()


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_identity_grads(rng, grads, dtype):
    grads(lambda a, b: F.identity(a, b), (rng.normal(size=(2, 3)), rng.normal(size=(3,))),
          dtype)
    grads(F.identity, (rng.normal(size=(2, 3)),), dtype)


def test_identity_bad_input():
    with pytest.raises(TypeError, match="identity: at least one input is required"):
        F.identity()
    with pytest.raises(rechain.InvalidType, match=r"identity: inputs\[1\] must be a Variable "
                                                  r"or an ndarray, not int"):
        F.identity(numpy.ones(2), 3)


# ---------------------------------------------------------------- differences

DIFFS = {
    "squared_error": (lambda a, b: (a - b) ** 2, lambda a, b: 2 * (a - b)),
    "squared_difference": (lambda a, b: (a - b) ** 2, lambda a, b: 2 * (a - b)),
    "absolute_error": (lambda a, b: numpy.abs(a - b), lambda a, b: numpy.sign(a - b)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(DIFFS))
def test_difference_forward_and_gradient(rng, name, dtype):
    a, b = (rng.normal(size=(3, 4)).astype(dtype) for _ in range(2))
    va, vb = Variable(a.copy()), Variable(b.copy())
    y = getattr(F, name)(va, vb)
    assert y.dtype == dtype and y.shape == a.shape
    numpy.testing.assert_allclose(y.array, DIFFS[name][0](a, b), rtol=1e-6)
    F.sum(y).backward()
    numpy.testing.assert_allclose(va.grad, DIFFS[name][1](a, b), rtol=1e-6)
    numpy.testing.assert_allclose(vb.grad, -DIFFS[name][1](a, b), rtol=1e-6)


def test_absolute_error_zero_gradient_where_equal():
    a = Variable(numpy.array([1.0, 2.0]))
    b = Variable(numpy.array([1.0, 3.0]))
    F.sum(F.absolute_error(a, b)).backward()
    numpy.testing.assert_array_equal(a.grad, [0.0, -1.0])
    numpy.testing.assert_array_equal(b.grad, [0.0, 1.0])


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("name", sorted(DIFFS))
def test_difference_grads(rng, grads, name, dtype):
    a = rng.normal(size=(3, 4))
    b = a + rng.choice([-1.0, 1.0], a.shape) * rng.uniform(0.2, 1.0, a.shape)  # no kinks
    grads(getattr(F, name), (a, b), dtype)


@pytest.mark.parametrize("name", sorted(DIFFS))
def test_difference_bad_input(name):
    n0, n1 = ("x1", "x2") if name == "squared_difference" else ("x0", "x1")
    with pytest.raises(rechain.InvalidType, match=rf"{name}: {n0} and {n1} must have the same "
                                                  r"shape, got \(2, 3\) and \(3,\)"):
        getattr(F, name)(numpy.ones((2, 3)), numpy.ones(3))
    with pytest.raises(rechain.InvalidType, match=rf"{name}: {n0} and {n1} must have the same "
                                                  r"dtype, got float64 and float32"):
        getattr(F, name)(numpy.ones(3), numpy.ones(3, numpy.float32))
    with pytest.raises(rechain.InvalidType, match=rf"{name}: {n0} must have a floating"):
        getattr(F, name)(numpy.ones(3, numpy.int32), numpy.ones(3, numpy.int32))


# ---------------------------------------------------------------- batch_l2_norm_squared

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4), (3, 1)])
def test_batch_l2_norm_squared_forward(rng, shape, dtype):
    x = rng.normal(size=shape).astype(dtype)
    y = F.batch_l2_norm_squared(x)
    assert y.dtype == dtype and y.shape == (shape[0],)
    numpy.testing.assert_allclose(y.array, (x.reshape(shape[0], -1) ** 2).sum(1), rtol=1e-6)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_batch_l2_norm_squared_grads(rng, grads, dtype):
    grads(F.batch_l2_norm_squared, (rng.normal(size=(2, 3, 2)),), dtype)


def test_batch_l2_norm_squared_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"batch_l2_norm_squared: x must have at "
                                                  r"least 2 dimensions, got shape \(3,\)"):
        F.batch_l2_norm_squared(numpy.ones(3))


# ---------------------------------------------------------------- forget

CALLS = {
    "add": lambda x: F.add(x, x * x, F.tanh(x)),
    "identity": lambda x: F.identity(F.tanh(x)) * x,
    "squared_error": lambda x: F.squared_error(F.tanh(x), x * 0.5),
    "squared_difference": lambda x: F.squared_difference(x * 2.0, F.sin(x)),
    "absolute_error": lambda x: F.absolute_error(F.tanh(x), x * 3.0),
    "batch_l2_norm_squared": lambda x: F.batch_l2_norm_squared(F.tanh(x)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_forget_gives_plain_outputs_and_gradients(rng, name):
    x_data = rng.uniform(0.2, 1.0, (3, 4))
    out = []
    for use in (False, True):
        x = Variable(x_data.copy())
        y = F.forget(CALLS[name], x) if use else CALLS[name](x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)
