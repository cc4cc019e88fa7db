"""Parameter: array initialisers, lazy initialisation, gradients."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Parameter, Variable


def _initializers():
    return pytest.importorskip(
        "rechain.initializers",
        reason="rechain.initializers (written by another helper) is missing")


def test_array_initializer():
    a = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    p = Parameter(a, name="W")
    assert isinstance(p, Variable)
    assert p.array is a
    assert p.shape == (2, 3)
    assert p.dtype == numpy.float32
    assert p.name == "W"
    assert p.requires_grad is True
    assert p.creator is None
    assert p.grad is None
    assert p.initializer is None
    assert p.is_initialized


def test_array_initializer_with_matching_shape():
    a = numpy.zeros((2, 3), numpy.float64)
    p = Parameter(a, shape=(2, 3))
    assert p.array is a
    p = Parameter(numpy.zeros(4, numpy.float32), shape=4)
    assert p.shape == (4,)


def test_array_initializer_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"Parameter: .*\(2, 3\).*\(3, 2\)"):
        Parameter(numpy.zeros((2, 3), numpy.float32), shape=(3, 2))


def test_variable_as_initializer_takes_its_array():
    v = Variable(numpy.ones(3, numpy.float32))
    p = Parameter(v)
    assert p.array is v.array


def test_bad_initializer_type_raises():
    with pytest.raises(TypeError, match=r"Parameter: initializer .* not dict"):
        Parameter({"fill": 0})


def test_string_initializer_raises_at_construction():
    with pytest.raises(TypeError, match=r"Parameter: initializer .* not str"):
        Parameter("zeros")


def test_grad_is_none_until_backward_reaches_it():
    w = Parameter(numpy.array([1.0, 2.0, 3.0], numpy.float32))
    unused = Parameter(numpy.ones(3, numpy.float32))
    x = Variable(numpy.array([2.0, 2.0, 2.0], numpy.float32))
    assert w.grad is None
    y = F.sum(w * x)
    assert w.grad is None  # forward does not touch grads
    y.backward()
    numpy.testing.assert_array_equal(w.grad, x.array)
    assert unused.grad is None
    assert w.grad.dtype == numpy.float32


def test_parameter_gradients_accumulate_and_clear():
    w = Parameter(numpy.array([1.0, 2.0], numpy.float64))
    for _ in range(3):
        F.sum(w * w).backward()
    numpy.testing.assert_allclose(w.grad, 3 * 2 * w.array)
    w.cleargrad()
    assert w.grad is None


def test_in_place_update_keeps_graph_consistent():
    w = Parameter(numpy.array([1.0, -1.0], numpy.float64))
    for _ in range(5):
        w.cleargrad()
        F.sum(w * w).backward()
        w.array -= 0.25 * w.grad
    numpy.testing.assert_allclose(w.array, numpy.array([1.0, -1.0]) * 0.5 ** 5)


def test_repr_is_chainers():
    # Chainer prints a Parameter as a variable
    assert repr(Parameter(numpy.array([1.25], numpy.float32), name="b")) == "variable b([1.25])"


# -- lazy initialisation (needs rechain.initializers) ---------------------------------

def test_callable_initializer_without_shape_is_lazy():
    init = _initializers()
    p = Parameter(init.Constant(2.5))
    assert p.array is None
    assert not p.is_initialized
    assert p.grad is None
    with pytest.warns(DeprecationWarning):
        p.zerograd()  # uninitialised: no-op, no crash
    assert p.grad is None
    p.initialize((2, 3))
    assert p.is_initialized
    assert p.shape == (2, 3)
    assert p.dtype == numpy.float32  # config.dtype default
    numpy.testing.assert_array_equal(p.array, numpy.full((2, 3), 2.5))
    assert p.node.shape == (2, 3)


def test_callable_initializer_with_shape_initialises_at_once():
    init = _initializers()
    p = Parameter(init.Constant(-1.0), shape=4)
    assert p.shape == (4,)
    numpy.testing.assert_array_equal(p.array, -numpy.ones(4))


def test_plain_function_initializer():
    def fill(a):
        a[...] = numpy.arange(a.size).reshape(a.shape)
    p = Parameter(fill, shape=(2, 2))
    numpy.testing.assert_array_equal(p.array, [[0, 1], [2, 3]])


def test_scalar_initializer_is_constant_and_lazy():
    _initializers()
    p = Parameter(3.0)
    assert p.array is None
    p.initialize(3)
    numpy.testing.assert_array_equal(p.array, numpy.full(3, 3.0, numpy.float32))


def test_no_initializer_gives_nan_after_initialize():
    _initializers()
    p = Parameter()
    assert p.array is None
    p.initialize((2,))
    assert numpy.isnan(p.array).all()


def test_lazy_initialisation_follows_config_dtype():
    init = _initializers()
    p = Parameter(init.Constant(1.0))
    with rechain.using_config("dtype", numpy.dtype(numpy.float64)):
        p.initialize((2,))
    assert p.dtype == numpy.float64


def test_initializer_dtype_wins():
    init = _initializers()
    p = Parameter(init.Constant(1.0, dtype=numpy.float16), shape=(2,))
    assert p.dtype == numpy.float16


def test_lazy_parameter_is_usable_after_initialize():
    init = _initializers()
    p = Parameter(init.Constant(2.0))
    p.initialize((3,))
    F.sum(p * p).backward()
    numpy.testing.assert_array_equal(p.grad, numpy.full(3, 4.0))


# -- copy and pickle ----------------------------------------------------------------

def test_parameter_deepcopy_and_pickle():
    import copy
    import pickle
    p = Parameter(numpy.array([1.0, 2.0], numpy.float32), name="W")
    p.grad = numpy.array([0.5, 0.5], numpy.float32)
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert isinstance(q, Parameter)
        assert q.name == "W"
        numpy.testing.assert_array_equal(q.array, p.array)
        assert q.array is not p.array
        numpy.testing.assert_array_equal(q.grad, p.grad)


def test_lazy_parameter_deepcopy_keeps_initializer():
    import copy
    init = _initializers()
    p = Parameter(init.Constant(4.0))
    q = copy.deepcopy(p)
    assert q.array is None
    q.initialize((2,))
    numpy.testing.assert_array_equal(q.array, [4.0, 4.0])


def test_parameter_deepcopy_keeps_update_rule():
    import copy

    class Rule:
        def update(self, param):
            param.array -= 1

    p = Parameter(numpy.zeros(2, numpy.float32))
    p.update_rule = Rule()
    q = copy.deepcopy(p)
    assert q.update_rule is not None
    q.update()
    numpy.testing.assert_array_equal(q.array, [-1.0, -1.0])


def test_copydata_initializes_an_uninitialized_side():
    from rechain import initializers
    dst = rechain.Parameter(numpy.arange(6, dtype=numpy.float32).reshape(2, 3))
    before = dst.array
    src = rechain.Parameter(initializers.Constant(7.0))      # no array yet
    dst.copydata(src)                                         # src gets dst's shape, then copies
    assert src.array.shape == (2, 3) and dst.array is before
    numpy.testing.assert_array_equal(dst.array, numpy.full((2, 3), 7.0, numpy.float32))
    empty = rechain.Parameter(initializers.Zero())
    empty.copydata(dst)                                       # dst side initialized, then filled
    numpy.testing.assert_array_equal(empty.array, dst.array)
    a, b = rechain.Parameter(initializers.Zero()), rechain.Parameter(initializers.Zero())
    a.copydata(b)                                             # both uninitialized: nothing
    assert a.array is None and b.array is None


def test_dtype_of_an_uninitialized_parameter():
    import rechain.initializers as I
    assert rechain.Parameter(I.Normal(dtype=numpy.float16)).dtype == numpy.float16
    p = rechain.Parameter(I.Normal(), name="W")
    with pytest.raises(RuntimeError, match="Parameter 'W': the dtype of an uninitialized"):
        p.dtype
    p.initialize((2, 3))
    assert p.dtype == rechain.config.dtype


def test_zerograd_before_initialization_zero_fills_the_gradient_at_initialize():
    # Chainer's: zerograd() on an uninitialized parameter makes initialize() give
    # a zero gradient; cleargrad() takes that back; otherwise the gradient stays None
    p = Parameter()
    with pytest.warns(DeprecationWarning):
        p.zerograd()
    assert p.grad is None
    p.initialize((2, 3))
    numpy.testing.assert_array_equal(p.grad, numpy.zeros((2, 3), numpy.float32))
    p.initialize((2, 3))  # once: a later initialization leaves the gradient alone
    assert p.grad is not None
    q = Parameter()
    with pytest.warns(DeprecationWarning):
        q.zerograd()
    q.cleargrad()
    q.initialize(3)
    assert q.grad is None
    assert Parameter(shape=3).grad is None


class _HostDevice(rechain.backend.Device):
    """A device of the user's whose arrays are NumPy's (Chainer's tests have one)."""

    xp = numpy
    supported_array_types = (numpy.ndarray,)

    def __init__(self, index):
        self.index = index
        self.sent = 0

    def __eq__(self, other):
        return isinstance(other, _HostDevice) and other.index == self.index

    __hash__ = rechain.backend.Device.__hash__

    def send_array(self, array):
        self.sent += 1
        return array.copy()


def test_parameter_keeps_a_user_device_object_it_was_sent_to():
    dev = _HostDevice(3)
    lazy, p = Parameter(), Parameter(numpy.ones(2, numpy.float32))
    p.grad = numpy.full(2, 5, numpy.float32)
    a = p.array
    for x in (lazy, p):
        x.to_device(dev)
        assert x.device is dev
    assert dev.sent == 2 and p.array is not a  # array and gradient went through send
    numpy.testing.assert_array_equal(p.grad, [5, 5])
    lazy.initialize(2)
    assert lazy.device is dev
    p.to_device("@numpy")
    assert p.device == rechain.backend.CpuDevice()
    lazy.to_cpu()
    assert lazy.device == rechain.backend.CpuDevice()
