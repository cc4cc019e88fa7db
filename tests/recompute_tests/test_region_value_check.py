"""F21: under config.debug the replay of a forget region checks a fingerprint of
every recorded op's outputs (region.py Note [value check])."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import function_node
from rechain.recompute import region


def _x(shape=(3, 4)):
    return rechain.Variable(numpy.random.rand(*shape).astype(numpy.float32))


def test_closure_value_changed_before_backward_names_the_first_op():
    scale = [2.0]

    def f(x):
        h = F.exp(x)           # op #0 : unchanged
        return F.tanh(h * scale[0]) * x   # op #1 MulConstant reads the closure

    with rechain.using_config("debug", True):
        x = _x()
        y = F.forget(f, x)
    scale[0] = 3.0
    with pytest.raises(function_node.RecomputeError) as e:
        F.sum(y).backward()
    msg = str(e.value)
    assert "recompute of test_closure_value_changed_before_backward_names_the_first_op" \
           ".<locals>.f gave other values" in msg
    assert "op #1 of the region, MulConstant(float32 (3, 4))" in msg
    assert "config.debug" in msg


def test_global_array_mutated_in_place_is_caught_even_when_its_sum_is_kept():
    w = numpy.arange(16, dtype=numpy.float32)

    def f(x):
        return F.sum(x * w, axis=1)

    with rechain.using_config("debug", True):
        x = rechain.Variable(numpy.ones((2, 16), numpy.float32))
        y = F.forget(f, x)
    w[0], w[1] = w[1], w[0]          # same sum, other values: the sample sees it
    with pytest.raises(function_node.RecomputeError, match=r"op #0 of the region, Mul\("):
        F.sum(y).backward()


def test_without_debug_nothing_is_checked():
    scale = [2.0]

    def f(x):
        return F.tanh(x * scale[0])

    x = _x()
    y = F.forget(f, x)
    scale[0] = 3.0
    F.sum(y).backward()      # silently recomputed from the new value (documented)
    assert x.grad is not None


@pytest.mark.parametrize("nested", [False, True])
def test_a_faithful_function_passes_the_check_with_the_plain_gradients(nested):
    numpy.random.seed(1)
    model = rechain.Sequential(L.Linear(4, 6), L.BatchNormalization(6), F.relu,
                               lambda h: F.dropout(h, 0.25), L.Linear(6, 2))
    x0 = numpy.random.rand(5, 4).astype(numpy.float32)

    def run(mode):
        rechain.random.seed(7)
        model.cleargrads()
        x = rechain.Variable(x0.copy())
        if mode == "plain":
            y = model(F.tanh(x)) if nested else model(x)
        elif nested:
            y = F.forget(lambda a: F.forget(model, F.tanh(a)), x)
        else:
            y = F.forget(model, x)
        F.sum(y * y).backward()
        return [x.grad] + [p.grad for p in model.params()]

    plain = run("plain")
    with rechain.using_config("debug", True):
        checked = run("forget")
    for a, b in zip(plain, checked):
        numpy.testing.assert_array_equal(a, b)


def test_the_check_records_fingerprints_only_under_debug():
    x = _x()
    regions = []
    orig = region.Region.__init__

    def spy(self, *a, **k):
        orig(self, *a, **k)
        regions.append(self)

    region.Region.__init__ = spy
    try:
        F.forget(lambda a: F.exp(a) * 2, x)
        with rechain.using_config("debug", True):
            F.forget(lambda a: F.exp(a) * 2, x)
    finally:
        region.Region.__init__ = orig
    assert regions[0].prints is None
    assert len(regions[1].prints) == 2


def test_nan_outputs_compare_equal():
    def f(x):
        return F.log(x - 2.0)   # NaN everywhere

    with rechain.using_config("debug", True):
        x = _x()
        with numpy.errstate(invalid="ignore"):
            y = F.forget(f, x)
            F.sum(y).backward()
    assert x.grad.shape == (3, 4)
