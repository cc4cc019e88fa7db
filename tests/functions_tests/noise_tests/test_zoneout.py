import numpy
import pytest

import rechain
import rechain.functions as F


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_forward_takes_each_element_from_h_or_x(dtype):
    h = numpy.full((20, 30), -1, dtype)
    x = numpy.full((20, 30), 2, dtype)
    y = F.zoneout(h, x, ratio=0.3)
    assert y.dtype == dtype and y.shape == (20, 30)
    assert set(numpy.unique(y.array).tolist()) == {-1.0, 2.0}
    frac_h = (y.array == -1).mean()
    assert 0.2 < frac_h < 0.4


def test_ratio_edges_and_test_mode():
    h, x = numpy.zeros(10), numpy.ones(10)
    numpy.testing.assert_array_equal(F.zoneout(h, x, ratio=0.0).array, x)
    numpy.testing.assert_array_equal(F.zoneout(h, x, ratio=1.0).array, h)
    with rechain.using_config("train", False):
        y = F.zoneout(h, x, ratio=0.9)
    assert isinstance(y, rechain.Variable)
    numpy.testing.assert_array_equal(y.array, x)


def test_gradients_route_to_the_chosen_input(check_grads):
    rng = numpy.random.default_rng(0)
    h, x = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))

    def f(h, x):
        rechain.random.seed(2)  # the same flags at every evaluation
        return F.zoneout(h, x, ratio=0.5)
    check_grads(f, (h, x))
    hv, xv = rechain.Variable(h), rechain.Variable(x)
    y = f(hv, xv)
    F.sum(y).backward()
    from_h = y.array == h
    numpy.testing.assert_array_equal(hv.grad, from_h.astype(float))
    numpy.testing.assert_array_equal(xv.grad, (~from_h).astype(float))


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    rng = numpy.random.default_rng(1)
    h, x = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    rechain.random.seed(8)
    forget_matches_plain(lambda h, x: F.zoneout(h, x, 0.4), (h, x))


def test_bad_input():
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"zoneout: h and x must have the same "
                                                   r"shape, got \(2, 3\) and \(3,\)"):
        F.zoneout(a, a[0])
    with pytest.raises(ValueError, match=r"zoneout: ratio must be a float in \[0, 1\], got 2"):
        F.zoneout(a, a, ratio=2)
    with pytest.raises(TypeError, match="zoneout: the train argument is not supported"):
        F.zoneout(a, a, train=True)
