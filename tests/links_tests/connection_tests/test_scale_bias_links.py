import re

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L


def _npz_keys(link, tmp_path):
    p = tmp_path / "m.npz"
    rechain.serializers.save_npz(str(p), link)
    with numpy.load(str(p)) as f:
        return sorted(f.files)


def test_bias_with_parameter():
    link = L.Bias(axis=1, shape=(3,))
    numpy.testing.assert_array_equal(link.b.array, numpy.zeros(3, numpy.float32))
    link.b.array[:] = [1, 2, 3]
    x = numpy.random.default_rng(0).normal(size=(2, 3, 4)).astype(numpy.float32)
    y = link(x)
    numpy.testing.assert_allclose(y.array, x + numpy.array([1, 2, 3])[None, :, None])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(link.b.grad, [8, 8, 8])


def test_bias_without_parameter():
    link = L.Bias(axis=2)
    assert list(link.params()) == []
    x, b = numpy.ones((2, 3, 4)), numpy.arange(4.0)
    numpy.testing.assert_array_equal(link(x, b).array, x + b)


def test_scale_with_parameter_and_bias(tmp_path):
    link = L.Scale(axis=1, W_shape=(3,), bias_term=True)
    numpy.testing.assert_array_equal(link.W.array, numpy.ones(3, numpy.float32))
    link.W.array[:] = [1, 2, 3]
    link.bias.b.array[:] = [0.5, 0, -0.5]
    x = numpy.random.default_rng(1).normal(size=(2, 3, 2)).astype(numpy.float32)
    y = link(x)
    ref = x * numpy.array([1, 2, 3])[None, :, None] + numpy.array([0.5, 0, -0.5])[None, :, None]
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-6)
    F.sum(y).backward()
    numpy.testing.assert_allclose(link.W.grad, x.sum(axis=(0, 2)), rtol=1e-6)
    numpy.testing.assert_array_equal(link.bias.b.grad, [4, 4, 4])
    assert _npz_keys(link, tmp_path) == ["W", "bias/b"]


def test_scale_without_parameter():
    link = L.Scale(axis=0)
    x, w = numpy.ones((2, 3)), numpy.array([2.0, 3.0])
    numpy.testing.assert_array_equal(link(x, w).array, [[2, 2, 2], [3, 3, 3]])
    link = L.Scale(axis=1, bias_term=True, bias_shape=(3,))
    assert [n for n, _ in link.namedparams()] == ["/bias/b"]
    y = link(numpy.ones((2, 3), numpy.float32), numpy.full(3, 2.0, numpy.float32))
    numpy.testing.assert_array_equal(y.array, 2.0)


def test_npz_keys(tmp_path):
    assert _npz_keys(L.Bias(shape=(2, 3)), tmp_path) == ["b"]
    assert _npz_keys(L.Scale(W_shape=(2,)), tmp_path) == ["W"]


def test_forget_gives_plain_outputs_and_gradients():
    link = L.Scale(W_shape=(3,), bias_term=True)
    for p in link.params():
        p.array = numpy.random.default_rng(2).normal(size=3)
    x_data = numpy.random.default_rng(3).normal(size=(2, 3, 4))
    out = []
    for use in (False, True):
        link.cleargrads()
        x = rechain.Variable(x_data.copy())
        f = lambda x: link(F.tanh(x))  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad, link.W.grad, link.bias.b.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: L.Scale(bias_term=True), ValueError,
     "Scale: bias_shape must be given when bias_term is True and W_shape is None"),
    (lambda: L.Scale(W_shape=(3,))(numpy.ones((2, 3), numpy.float32),
                                   numpy.ones(3, numpy.float32)),
     TypeError, "Scale: expected 1 input (x; the factors are the parameter W), got 2"),
    (lambda: L.Scale()(numpy.ones((2, 3))), TypeError,
     "Scale: expected 2 inputs (x and the factors y: the link has no parameter W), got 1"),
    (lambda: L.Bias()(numpy.ones((2, 3))), TypeError,
     "Bias: expected 2 inputs (x and the offsets y: the link has no parameter), got 1"),
    (lambda: L.Bias(shape=(4,))(numpy.ones((2, 3), numpy.float32)), rechain.InvalidType,
     "bias: y's shape must equal x.shape[axis:axis + y.ndim]; got y (4,) for x (2, 3)"),
])
def test_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=re.escape(match)):
        call()
