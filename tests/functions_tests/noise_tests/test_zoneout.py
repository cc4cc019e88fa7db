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


# -- the node: Chainer's Zoneout(ratio), flags as flag_h / flag_x ---------------------

def test_creator_gives_the_flags_as_a_retained_input():
    rng = numpy.random.default_rng(3)
    h, x = (rechain.Variable(rng.normal(size=(6, 7)).astype(numpy.float32)) for _ in range(2))
    y = F.zoneout(h, x, 0.4)
    node = y.creator
    assert isinstance(node, F.noise.zoneout.Zoneout) and node.zoneout_ratio == 0.4
    flag_x, flag_h = node.flag_x, node.flag_h
    assert flag_x.dtype == numpy.bool_ and flag_x.any() and flag_h.any()
    numpy.testing.assert_array_equal(flag_h, ~flag_x)
    numpy.testing.assert_array_equal(y.array, h.array * flag_h + x.array * flag_x)
    kinds = [(k, i) for k, i, _ in rechain.function_node.retained_arrays(node)]
    assert kinds == [("input", 2)]
    assert not any(isinstance(v, numpy.ndarray) for v in vars(node).values())


def test_chainer_node_draws_at_each_apply_from_the_framework_stream():
    h, x = numpy.zeros((50,), numpy.float32), numpy.ones((50,), numpy.float32)
    hv = rechain.Variable(h)
    rechain.random.seed(5)
    node = F.noise.zoneout.Zoneout(0.5)
    y1, = node.apply((hv, x))
    y2, = node.apply((hv, x))
    assert not numpy.array_equal(y1.array, y2.array)
    rechain.random.seed(5)
    numpy.testing.assert_array_equal(F.zoneout(hv, x, 0.5).array, y1.array)


def test_zoneout_under_a_budget_equals_plain():
    from rechain.recompute import eviction
    rng = numpy.random.default_rng(4)
    x_data, w_data = (rng.normal(size=(64, 64)).astype(numpy.float32) for _ in range(2))

    def run(limit):
        rechain.random.seed(9)
        x, w = rechain.Variable(x_data), rechain.Variable(w_data)
        with eviction.budget(limit) as b:
            h = x
            for _ in range(4):
                h = F.zoneout(h, F.tanh(F.matmul(h, w)), 0.3)
            F.sum(h * h).backward()
        return (h.array, x.grad, w.grad), b.stats

    plain, _ = run(2 ** 40)
    got, stats = run(160_000)
    assert stats["evictions"] > 0 and stats["recomputations"] > 0
    for a, b in zip(plain, got):
        numpy.testing.assert_array_equal(a, b)
