"""Every optimizer: a save/load mid-run resumes exactly, and it fits a tiny regression."""

import numpy
import pytest

import rechain.functions as F
import rechain.links as L
from rechain import optimizers, serializers

MAKERS = {
    "SGD": lambda: optimizers.SGD(lr=0.05),
    "MomentumSGD": lambda: optimizers.MomentumSGD(lr=0.02),
    "CorrectedMomentumSGD": lambda: optimizers.CorrectedMomentumSGD(lr=0.02),
    "NesterovAG": lambda: optimizers.NesterovAG(lr=0.02),
    "AdaGrad": lambda: optimizers.AdaGrad(lr=0.1),
    "AdaDelta": lambda: optimizers.AdaDelta(rho=0.9, eps=1e-4),
    "Adam": lambda: optimizers.Adam(alpha=0.02),
    "AdaBound": lambda: optimizers.AdaBound(alpha=0.02, final_lr=0.05),
    "AMSBound": lambda: optimizers.AMSBound(alpha=0.02, final_lr=0.05),
    "RMSprop": lambda: optimizers.RMSprop(lr=0.01),
    "RMSpropGraves": lambda: optimizers.RMSpropGraves(lr=0.005),
    "SMORMS3": lambda: optimizers.SMORMS3(lr=0.02),
    "MSVAG": lambda: optimizers.MSVAG(lr=0.05),
}


def _problem(seed=0):
    rng = numpy.random.RandomState(seed)
    x = rng.randn(64, 3)
    y = x @ numpy.array([[1.5], [-2.0], [0.5]]) + 0.3 + 0.01 * rng.randn(64, 1)
    return x.astype(numpy.float32), y.astype(numpy.float32)


def _model(seed=1):
    rng = numpy.random.RandomState(seed)
    model = L.Linear(3, 1)
    model.W.array[...] = rng.randn(1, 3)
    model.b.array[...] = 0
    return model


def _step(model, opt, x, y):
    loss = F.mean_squared_error(model(x), y)
    model.cleargrads()
    loss.backward()
    opt.update()
    return float(loss.array)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_resume_after_save_and_load_is_exact(name, tmp_path):
    x, y = _problem()
    straight = _model()
    s_opt = MAKERS[name]().setup(straight)
    for _ in range(8):
        _step(straight, s_opt, x, y)

    first = _model()
    f_opt = MAKERS[name]().setup(first)
    for _ in range(4):
        _step(first, f_opt, x, y)
    serializers.save_npz(tmp_path / "m.npz", first)
    serializers.save_npz(tmp_path / "o.npz", f_opt)

    resumed = _model(seed=7)  # different values: loading must overwrite them
    r_opt = MAKERS[name]().setup(resumed)
    serializers.load_npz(tmp_path / "m.npz", resumed)
    serializers.load_npz(tmp_path / "o.npz", r_opt)
    assert r_opt.t == 4 and resumed.W.update_rule.t == 4
    for _ in range(4):
        _step(resumed, r_opt, x, y)
    numpy.testing.assert_array_equal(resumed.W.array, straight.W.array)
    numpy.testing.assert_array_equal(resumed.b.array, straight.b.array)
    for key, value in straight.W.update_rule.state.items():
        numpy.testing.assert_array_equal(resumed.W.update_rule.state[key], value)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_decreases_the_loss_of_a_tiny_regression(name):
    x, y = _problem()
    model = _model()
    opt = MAKERS[name]().setup(model)
    losses = [_step(model, opt, x, y) for _ in range(200)]
    assert numpy.isfinite(losses).all()
    assert losses[-1] < 0.25 * losses[0], (losses[0], losses[-1])
    # not one lucky step: the last twenty are well below the first twenty
    assert numpy.mean(losses[-20:]) < 0.25 * numpy.mean(losses[:20])
