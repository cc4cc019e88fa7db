import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import gradient_check
from rechain import serializers
from rechain.utils.type_check import InvalidType

GATES = ("W_r", "U_r", "W_z", "U_z", "W", "U")


def _sig(v):
    return 1 / (1 + numpy.exp(-v))


def _lin(link, x):
    return x @ link.W.array.T + link.b.array


def _ref_step(gru, h, x):
    if h is None:
        z = _sig(_lin(gru.W_z, x))
        return z * numpy.tanh(_lin(gru.W, x))
    r = _sig(_lin(gru.W_r, x) + _lin(gru.U_r, h))
    z = _sig(_lin(gru.W_z, x) + _lin(gru.U_z, h))
    h_bar = numpy.tanh(_lin(gru.W, x) + _lin(gru.U, r * h))
    return z * h_bar + (1 - z) * h


def _make(cls, in_size=3, out_size=4, dtype=numpy.float64):
    with rechain.using_config("dtype", numpy.dtype(dtype)):
        gru = cls(in_size, out_size)
    rng = numpy.random.default_rng(0)
    for p in gru.params():
        p.array[...] = rng.uniform(-0.7, 0.7, p.shape)
    return gru


def _xs(n=3, batch=2, size=3, dtype=numpy.float64, seed=1):
    rng = numpy.random.default_rng(seed)
    return [rng.uniform(-1, 1, (batch, size)).astype(dtype) for _ in range(n)]


# -- StatelessGRU -------------------------------------------------------------------

def test_stateless_matches_reference():
    gru = _make(L.StatelessGRU)
    h = numpy.random.default_rng(2).uniform(-1, 1, (2, 4))
    x = _xs(1)[0]
    numpy.testing.assert_allclose(gru(h, x).array, _ref_step(gru, h, x), rtol=1e-12)


def test_stateless_parameters_and_npz_keys(tmp_path):
    gru = L.StatelessGRU(3, 4)
    shapes = {name: p.shape for name, p in gru.namedparams()}
    expected = {}
    for g in GATES:
        expected[f"/{g}/W"] = (4, 3 if g.startswith("W") else 4)
        expected[f"/{g}/b"] = (4,)
    assert shapes == expected
    path = tmp_path / "gru.npz"
    serializers.save_npz(str(path), gru)
    with numpy.load(str(path)) as f:
        assert set(f.files) == {k[1:] for k in expected}


def test_stateless_lazy_in_size():
    gru = L.StatelessGRU(None, 4)
    y = gru(numpy.zeros((2, 4), numpy.float32), numpy.ones((2, 5), numpy.float32))
    assert y.shape == (2, 4) and gru.W_r.W.shape == (4, 5)


def test_stateless_backward_and_double_backward():
    gru = _make(L.StatelessGRU, in_size=2, out_size=3)
    rng = numpy.random.default_rng(3)
    h, x = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 2))
    gy = rng.uniform(-1, 1, (2, 3))
    params = tuple(gru.params())
    gradient_check.check_backward(gru, (h, x), gy, params=params, seed=0, atol=1e-6,
                                  rtol=1e-5)
    gradient_check.check_double_backward(
        gru, (h, x), gy, (rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 2))), seed=0)


def test_stateless_bad_shapes():
    gru = L.StatelessGRU(3, 4)
    with pytest.raises(InvalidType, match=r"StatelessGRU: h must have shape \(batch, 4\), "
                                          r"got \(2, 3\)"):
        gru(numpy.zeros((2, 3), numpy.float32), numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(InvalidType, match=r"StatelessGRU: the batch size of x \(3, 3\) must "
                                          r"equal that of h \(2, 4\)"):
        gru(numpy.zeros((2, 4), numpy.float32), numpy.zeros((3, 3), numpy.float32))


# -- StatefulGRU / GRU ----------------------------------------------------------------

@pytest.mark.parametrize("cls", [L.StatefulGRU, L.GRU])
def test_stateful_steps_match_reference(cls):
    gru = _make(cls)
    h = None
    for x in _xs(3):
        y = gru(x)
        h = _ref_step(gru, h, x)
        numpy.testing.assert_allclose(y.array, h, rtol=1e-12, atol=1e-12)
        assert gru.h is y


def test_gru_is_the_stateful_one_and_takes_one_argument():
    assert issubclass(L.GRU, L.StatefulGRU)
    gru = L.GRU(3, 4)
    with pytest.raises(ValueError, match=r"GRU.forward takes one argument \(x\), got 2; "
                                         r"L.GRU is stateful .* use L.StatelessGRU"):
        gru(numpy.zeros((1, 4), numpy.float32), numpy.zeros((1, 3), numpy.float32))
    with pytest.raises(ValueError, match=r"GRU.forward takes one argument \(x\), got 0"):
        gru()


def test_reset_and_set_state():
    gru = _make(L.StatefulGRU)
    gru(_xs(1)[0])
    gru.reset_state()
    assert gru.h is None
    h = numpy.random.default_rng(4).uniform(-1, 1, (2, 4))
    gru.set_state(h)
    x = _xs(1)[0]
    numpy.testing.assert_allclose(gru(x).array, _ref_step(gru, h, x), rtol=1e-12)
    with pytest.raises(InvalidType, match=r"StatefulGRU.set_state: h must have shape "
                                          r"\(batch, 4\), got \(2, 3\)"):
        gru.set_state(numpy.zeros((2, 3)))
    with pytest.raises(InvalidType, match=r"StatefulGRU: the batch size of x \(3, 3\) must "
                                          r"equal that of the state h \(2, 4\)"):
        gru(numpy.zeros((3, 3)))


def test_stateful_bias_init_and_default_bias():
    gru = L.StatefulGRU(3, 4, bias_init=0.25)
    for g in GATES:
        numpy.testing.assert_array_equal(getattr(gru, g).b.array, 0.25)
    numpy.testing.assert_array_equal(L.StatefulGRU(3, 4).U.b.array, 0)


def _run(gru, xs, wrap):
    gru.reset_state()
    gru.cleargrads()
    vs = [rechain.Variable(x.copy()) for x in xs]
    loss = 0
    for v in vs:
        h = F.forget(gru, v) if wrap else gru(v)
        loss = loss + F.sum(h * h)
    loss.backward()
    return ([gru.h.array.copy(), loss.array] + [v.grad for v in vs]
            + [p.grad.copy() for _, p in sorted(gru.namedparams())])


def test_forget_per_step_matches_plain_run():
    gru = _make(L.GRU)
    xs = _xs(4)
    plain, forgot = _run(gru, xs, False), _run(gru, xs, True)
    for a, b in zip(plain, forgot):
        numpy.testing.assert_array_equal(a, b)


def test_forget_over_a_sequence_with_reset_inside():
    gru = _make(L.StatefulGRU)
    xs = _xs(3)

    def sequence(*vs):
        gru.reset_state()
        total = 0
        for v in vs:
            total = total + F.sum(gru(v) ** 2)
        return total

    results = []
    for wrap in (False, True):
        gru.cleargrads()
        vs = [rechain.Variable(x.copy()) for x in xs]
        loss = F.forget(sequence, *vs) if wrap else sequence(*vs)
        loss.backward()
        results.append([loss.array, gru.h.array.copy()] + [v.grad for v in vs]
                       + [p.grad.copy() for _, p in sorted(gru.namedparams())])
    for a, b in zip(*results):
        numpy.testing.assert_array_equal(a, b)


def test_dropout_after_steps_replays_under_forget():
    def run(use_forget):
        rechain.random.seed(4)
        gru = _make(L.StatefulGRU)
        loss = 0
        for x in _xs(3):
            def step(v):
                return F.dropout(gru(v), 0.5)
            y = F.forget(step, x) if use_forget else step(x)
            loss = loss + F.sum(y * y)
        loss.backward()
        return loss.array, gru.W.W.grad, rechain.random.get_state()

    plain, forgot = run(False), run(True)
    numpy.testing.assert_array_equal(forgot[0], plain[0])
    numpy.testing.assert_array_equal(forgot[1], plain[1])
    assert forgot[2] == plain[2]


def test_recomputing_flag_leaves_the_state():
    gru = _make(L.StatefulGRU)
    gru(_xs(1)[0])
    h = gru.h
    with rechain.using_config("in_recomputing", True):
        gru(_xs(1)[0])
        gru.reset_state()
        gru.set_state(numpy.zeros((2, 4)))
    assert gru.h is h


@pytest.mark.gpu
def test_gpu_stateful_forget():
    cupy = rechain.backend.cupy
    gru = _make(L.StatefulGRU, dtype=numpy.float32)
    xs = _xs(3, dtype=numpy.float32)
    cpu = _run(gru, xs, False)
    gru.to_gpu()
    gpu = _run(gru, [cupy.asarray(x) for x in xs], True)
    assert isinstance(gru.h.array, cupy.ndarray)
    for a, b in zip(cpu, gpu):
        numpy.testing.assert_allclose(cupy.asnumpy(b), a, rtol=1e-4, atol=1e-5)
