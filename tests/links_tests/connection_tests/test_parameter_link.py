"""L.Parameter: a link holding one array as its parameter W."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import optimizers
from rechain.serializers import load_npz, save_npz


def test_holds_the_array_and_returns_it_joined_to_the_graph():
    a = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    p = L.Parameter(a)
    assert isinstance(p.W, rechain.Parameter) and p.W.array is a
    assert [name for name, _ in p.namedparams()] == ["/W"]
    y = p()
    assert y is not p.W and y.creator is not None
    numpy.testing.assert_array_equal(y.array, a)
    F.sum(y * y).backward()
    numpy.testing.assert_array_equal(p.W.grad, 2 * a)


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_keeps_dtype_and_trains(dtype):
    p = L.Parameter(numpy.full((3,), 2, dtype=dtype))
    assert p.W.dtype == dtype
    opt = optimizers.SGD(lr=0.25).setup(p)
    p.cleargrads()
    F.sum(p() * p()).backward()   # gradient 2 W = 4
    opt.update()
    numpy.testing.assert_allclose(p.W.array, numpy.full(3, 1.0), rtol=1e-3)


def test_serializes(tmp_path):
    p = L.Parameter(numpy.ones((2, 2), numpy.float32) * 3)
    save_npz(str(tmp_path / "p.npz"), p)
    q = L.Parameter(numpy.zeros((2, 2), numpy.float32))
    load_npz(str(tmp_path / "p.npz"), q)
    numpy.testing.assert_array_equal(q.W.array, p.W.array)


def test_no_backprop_mode_and_volatile():
    p = L.Parameter(numpy.ones(2, numpy.float32))
    with rechain.no_backprop_mode():
        assert p().creator is None
    assert p(volatile="off").creator is not None
    with pytest.raises(ValueError, match="volatile='on' is not supported.*no_backprop_mode"):
        p(volatile="on")


def test_bad_input():
    with pytest.raises(TypeError, match="Parameter: array must be a numpy or cupy array, not list"):
        L.Parameter([1.0, 2.0])


def test_is_not_the_variable_parameter():
    assert L.Parameter is not rechain.Parameter
    assert issubclass(L.Parameter, L.Link)
