import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import initializers
from rechain.links import link as link_module
from rechain.links.connection.linear import Linear
from rechain.utils.type_check import InvalidType


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("nobias", [False, True])
def test_forward_and_gradients(dtype, nobias):
    with rechain.using_config("dtype", numpy.dtype(dtype)):
        link = Linear(3, 4, nobias=nobias, initial_bias=0.5)
    assert link.W.dtype == dtype and link.W.shape == (4, 3)
    x = numpy.random.rand(5, 3).astype(dtype)
    y = link(x)
    W = link.W.array
    ref = x @ W.T + (0 if nobias else 0.5)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-6)
    gy = numpy.random.rand(5, 4).astype(dtype)
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose(link.W.grad, gy.T @ x, rtol=1e-5)
    if nobias:
        assert link.b is None and "b" not in link._params
    else:
        numpy.testing.assert_allclose(link.b.grad, gy.sum(0), rtol=1e-5)


def test_lazy_in_size_and_one_argument_form():
    for link in (Linear(None, 4), Linear(4)):
        assert link.out_size == 4 and not link.W.is_initialized
        y = link(numpy.ones((2, 3, 2), numpy.float32))   # trailing axes flattened
        assert link.W.shape == (4, 6) and link.in_size == 6 and y.shape == (2, 4)


def test_n_batch_axes():
    link = Linear(3, 2)
    x = numpy.random.rand(4, 5, 3).astype(numpy.float32)
    y = link(x, n_batch_axes=2)
    assert y.shape == (4, 5, 2)
    numpy.testing.assert_allclose(y.array, x @ link.W.array.T, rtol=1e-6)


def test_initializers():
    W = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    link = Linear(3, 2, initialW=W, initial_bias=numpy.array([1, 2], numpy.float32))
    numpy.testing.assert_array_equal(link.W.array, W)
    numpy.testing.assert_array_equal(link.b.array, [1, 2])
    link = Linear(3, 2, initialW=initializers.Constant(0.25))
    assert (link.W.array == 0.25).all() and (link.b.array == 0).all()
    rechain.random.seed(1)
    a = Linear(30, 20).W.array
    assert a.std() == pytest.approx((1 / 30) ** 0.5, rel=0.15)  # LeCunNormal default


def test_feature_mismatch_names_link_and_shapes():
    class Net(link_module.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.l1 = Linear(3, 2)

    net = Net()
    with pytest.raises(InvalidType, match=r"Linear 'l1'.*\(4, 5\).*5 features.*in_size=3"):
        net.l1(numpy.ones((4, 5), numpy.float32))
    with pytest.raises(ValueError, match=r"Linear.*\(4, 5\).*in_size=3"):
        Linear(3, 2)(numpy.ones((4, 5), numpy.float32))
    with pytest.raises(InvalidType, match=r"Linear: input of shape \(3,\) needs more"):
        Linear(3, 2)(numpy.ones(3, numpy.float32))


def test_bad_out_size():
    with pytest.raises(ValueError, match="out_size"):
        Linear(None, None)


def test_used_in_forget_gives_same_gradients():
    link = Linear(3, 3)
    x = numpy.random.rand(2, 3).astype(numpy.float32)
    F.sum(F.tanh(link(x)) ** 2).backward()
    g = link.W.grad.copy()
    link.cleargrads()
    F.sum(F.forget(lambda h: F.tanh(link(h)), x) ** 2).backward()
    numpy.testing.assert_allclose(link.W.grad, g, rtol=1e-6)


@pytest.mark.parametrize("in_size", [-3, 2.5, "3", True])
def test_bad_in_size_names_the_argument(in_size):
    with pytest.raises(ValueError, match=r"Linear: in_size must be a non-negative int"):
        Linear(in_size, 5)


@pytest.mark.parametrize("args", [((3, 3),), (2.5,), (3, -1), (3, True)])
def test_bad_out_size_is_named(args):
    with pytest.raises(ValueError, match=r"Linear: out_size must be a non-negative int, got "):
        Linear(*args)
