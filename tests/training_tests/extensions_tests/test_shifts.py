import math

import pytest

from rechain import serializers
from rechain.training import extensions


class _Opt:
    def __init__(self, lr=0.5):
        self.lr = lr


def _values(ext, trainer, opt, n):
    ext.initialize(trainer)
    values = [opt.lr]
    for _ in range(n):
        trainer.step()
        ext(trainer)
        values.append(opt.lr)
    return values


# Chainer v7.8.1's formulas, value after the t-th call (t = 0: at initialize).
CASES = [
    (lambda: extensions.ExponentialShift("lr", 0.5), lambda t: 0.5 * 0.5 ** t),
    (lambda: extensions.ExponentialShift("lr", 0.5, init=2.0, target=0.3),
     lambda t: max(2.0 * 0.5 ** t, 0.3)),
    (lambda: extensions.ExponentialShift("lr", 2.0, target=3.0),
     lambda t: min(0.5 * 2.0 ** t, 3.0)),
    (lambda: extensions.StepShift("lr", 0.1, 3), lambda t: 0.5 * 0.1 ** math.floor(t / 3)),
    (lambda: extensions.StepShift("lr", 0.1, 2, target=0.004),
     lambda t: max(0.5 * 0.1 ** (t // 2), 0.004)),
    (lambda: extensions.LinearShift("lr", (1.0, 0.0), (2, 6)),
     lambda t: 1.0 if t <= 2 else 0.0 if t >= 6 else 1.0 + (t - 2) / 4 * -1.0),
    (lambda: extensions.PolynomialShift("lr", 0.9, 6),
     lambda t: 0.5 * max(1 - t / 6, 0) ** 0.9),
    (lambda: extensions.PolynomialShift("lr", 2, 6, target=0.1),
     lambda t: max(0.5 * max(1 - t / 6, 0) ** 2, 0.1)),
    (lambda: extensions.InverseShift("lr", 0.3, 0.75),
     lambda t: 0.5 * (1 + 0.3 * t) ** -0.75),
    (lambda: extensions.InverseShift("lr", 0.3, 1.0, target=0.3),
     lambda t: max(0.5 * (1 + 0.3 * t) ** -1.0, 0.3)),
    (lambda: extensions.MultistepShift("lr", 0.1, [2, 5], 1.0),
     lambda t: 1.0 * 0.1 ** sum(t >= s for s in [2, 5])),
    (lambda: extensions.WarmupShift("lr", 0.0, 4, 1.0),
     lambda t: (min(t, 4) * 1.0 + (4 - min(t, 4)) * 0.0) / 4),
]


@pytest.mark.parametrize("make, formula", CASES)
def test_values_follow_chainer_formulas(make, formula, fake_trainer):
    opt = _Opt()
    tr = fake_trainer(optimizer=opt)
    values = _values(make(), tr, opt, 9)
    assert values == pytest.approx([formula(t) for t in range(10)], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("make, formula", CASES)
def test_resume_continues_the_schedule(make, formula, fake_trainer, tmp_path):
    opt = _Opt()
    tr = fake_trainer(optimizer=opt)
    ext = make()
    _values(ext, tr, opt, 4)
    path = str(tmp_path / "s.npz")
    serializers.save_npz(path, ext)
    opt2 = _Opt()
    tr2 = fake_trainer(optimizer=opt2)
    ext2 = make()
    serializers.load_npz(path, ext2)   # loaded before initialize (Trainer resume)
    assert _values(ext2, tr2, opt2, 3) == pytest.approx([formula(t) for t in range(4, 8)])
    opt3 = _Opt()
    tr3 = fake_trainer(optimizer=opt3)
    ext3 = make()
    ext3.initialize(tr3)
    serializers.load_npz(path, ext3)   # loaded after initialize (autoload)
    assert opt3.lr == pytest.approx(formula(4))


def test_explicit_optimizer_is_used(fake_trainer):
    main, other = _Opt(1.0), _Opt(1.0)
    tr = fake_trainer(optimizer=main)
    ext = extensions.ExponentialShift("lr", 0.5, optimizer=other)
    _values(ext, tr, other, 2)
    assert main.lr == 1.0 and other.lr == 0.25


def test_bad_arguments(fake_trainer):
    with pytest.raises(ValueError, match="rate"):
        extensions.ExponentialShift("lr", -1)
    with pytest.raises(ValueError, match="gamma"):
        extensions.InverseShift("lr", -1, 1)
    with pytest.raises(ValueError, match="t1 < t2"):
        extensions.LinearShift("lr", (1, 0), (5, 5))
    with pytest.raises(ValueError, match="ascending"):
        extensions.MultistepShift("lr", 0.1, [5, 2], 1.0)
    ext = extensions.ExponentialShift("alpha", 0.5)
    with pytest.raises(AttributeError, match="no attribute 'alpha'"):
        ext.initialize(fake_trainer(optimizer=_Opt()))


def test_real_trainer_sets_lr_each_epoch(task):
    t = task(stop=(3, "epoch"))
    t.trainer.extend(extensions.ExponentialShift("lr", 0.5), trigger=(1, "epoch"))
    t.trainer.extend(extensions.observe_lr(), trigger=(1, "iteration"))
    t.trainer.extend(extensions.LogReport(trigger=(1, "iteration")))
    t.trainer.run()
    lrs = [e["lr"] for e in t.trainer.get_extension("LogReport").log]
    # observe_lr runs before the shift (writer priority) in each iteration.
    assert lrs == [0.1] * 3 + [0.05] * 3 + [0.025] * 3
