"""arcsin, arccos, arctan, arctan2, sinh, cosh, arctanh; floor, ceil, fix, sign."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]

# name -> (NumPy reference, analytic derivative, domain of the test inputs)
OPS = {
    "arcsin": (numpy.arcsin, lambda a: 1 / numpy.sqrt(1 - a * a), (-0.9, 0.9)),
    "arccos": (numpy.arccos, lambda a: -1 / numpy.sqrt(1 - a * a), (-0.9, 0.9)),
    "arctan": (numpy.arctan, lambda a: 1 / (1 + a * a), (-3.0, 3.0)),
    "sinh": (numpy.sinh, numpy.cosh, (-3.0, 3.0)),
    "cosh": (numpy.cosh, numpy.sinh, (-3.0, 3.0)),
    "arctanh": (numpy.arctanh, lambda a: 1 / (1 - a * a), (-0.9, 0.9)),
}


def _draw(rng, name, shape, dtype):
    lo, hi = OPS[name][2]
    return numpy.asarray(rng.uniform(lo, hi, size=shape)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("name", sorted(OPS))
class TestUnary:
    def test_forward(self, rng, name, shape, dtype):
        x = _draw(rng, name, shape, dtype)
        y = getattr(F, name)(x)
        assert isinstance(y, Variable) and y.shape == shape and y.dtype == dtype
        numpy.testing.assert_allclose(y.array, OPS[name][0](x.astype(numpy.float64)),
                                      rtol=1e-6 if dtype == numpy.float32 else 1e-15)

    def test_backward_matches_formula(self, rng, name, shape, dtype):
        x = Variable(_draw(rng, name, shape, dtype))
        y = getattr(F, name)(x)
        y.grad = numpy.ones(shape, dtype)
        y.backward()
        assert x.grad.dtype == dtype
        numpy.testing.assert_allclose(x.grad, OPS[name][1](x.array.astype(numpy.float64)),
                                      rtol=1e-5 if dtype == numpy.float32 else 1e-14)

    def test_grads(self, rng, grads, name, shape, dtype):
        grads(getattr(F, name), (_draw(rng, name, shape, dtype),), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_arctan2_forward_quadrants(dtype):
    x1 = numpy.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0], dtype)
    x2 = numpy.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0], dtype)
    y = F.arctan2(x1, x2)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, numpy.arctan2(x1, x2), rtol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s1,s2", [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 3))])
def test_arctan2_grads(rng, grads, s1, s2, dtype):
    x1 = rng.uniform(0.5, 2.0, s1) * rng.choice([-1, 1], s1)
    x2 = rng.uniform(0.5, 2.0, s2) * rng.choice([-1, 1], s2)
    grads(F.arctan2, (x1, x2), dtype)


def test_arctan2_gradient_values():
    x1, x2 = Variable(numpy.array([3.0])), Variable(numpy.array([4.0]))
    F.arctan2(x1, x2).backward()
    numpy.testing.assert_allclose(x1.grad, [4 / 25], rtol=1e-15)
    numpy.testing.assert_allclose(x2.grad, [-3 / 25], rtol=1e-15)


ALL = sorted(OPS) + ["arctan2"]


@pytest.mark.parametrize("name", ALL)
def test_forget_gives_plain_outputs_and_gradients(rng, name):
    x_data = rng.uniform(-1, 1, (3, 4))
    out = []
    for use in (False, True):
        x = Variable(x_data.copy())
        if name == "arctan2":
            f = lambda x: F.arctan2(F.tanh(x), x * x + 0.5)  # noqa: E731
        else:
            f = lambda x: getattr(F, name)(F.tanh(x) * 0.8) * x  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(OPS))
def test_integer_input_is_rejected(name):
    with pytest.raises(rechain.InvalidType,
                       match=rf"{name}: x must have a floating-point dtype, got int32"):
        getattr(F, name)(numpy.zeros(3, numpy.int32))


def test_arctan2_bad_input():
    with pytest.raises(rechain.InvalidType, match="arctan2: x1 and x2 must have the same "
                                                  "dtype, got float32 and float64"):
        F.arctan2(numpy.ones(3, numpy.float32), numpy.ones(3))
    with pytest.raises(rechain.InvalidType, match=r"arctan2: shapes cannot be broadcast "
                                                  r"together: x1 \(2, 3\), x2 \(2,\)"):
        F.arctan2(numpy.ones((2, 3)), numpy.ones(2))
    with pytest.raises(rechain.InvalidType, match="arctan2: x2 must have a floating"):
        F.arctan2(numpy.ones(3), numpy.ones(3, numpy.int64))


# ---------------------------------------------------------------- rounding

ROUND = {"floor": numpy.floor, "ceil": numpy.ceil, "fix": numpy.fix, "sign": numpy.sign}
VALUES = [-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.0, numpy.inf, -numpy.inf]


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64, numpy.int32])
@pytest.mark.parametrize("name", sorted(ROUND))
def test_rounding_values_and_dtype(name, dtype):
    x = numpy.array(VALUES if dtype != numpy.int32 else [-3, 0, 2, 7]).astype(dtype)
    y = getattr(F, name)(x)
    assert isinstance(y, Variable) and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, ROUND[name](x))
    assert numpy.isnan(getattr(F, name)(numpy.array([numpy.nan])).array[0])


@pytest.mark.parametrize("name", sorted(ROUND))
def test_rounding_is_disconnected(name):
    x = Variable(numpy.array([0.5, -1.5]))
    y = getattr(F, name)(x)
    assert y.creator is None and not y.requires_grad
    z = F.sum(y * 2.0 + x)  # the constant leaves the rest of the graph intact
    z.backward()
    numpy.testing.assert_array_equal(x.grad, [1.0, 1.0])


@pytest.mark.parametrize("name", sorted(ROUND))
def test_rounding_rejects_non_numeric(name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: x must have a numeric dtype, "
                                                  r"got bool"):
        getattr(F, name)(numpy.array([True, False]))
    with pytest.raises(rechain.InvalidType, match=rf"{name}: x must be a Variable or an "
                                                  r"ndarray, not list"):
        getattr(F, name)([1.0])
