import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import iterators
from rechain import reporter
from rechain.training import extensions


class _Recorder(rechain.Chain):
    """Reports its input's mean and records the configuration it ran under."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = L.Linear(1, 1, initialW=numpy.ones((1, 1), numpy.float32))
        self.seen = []

    def forward(self, x):
        y = self.l(x)
        self.seen.append((rechain.config.train, rechain.config.enable_backprop,
                          y.creator is None, len(x)))
        reporter.report({"mean": F.mean(x)}, self)
        reporter.report({"child": 1.0}, self.l)
        return y


def _iter(values, batch_size=2, repeat=False):
    data = [numpy.array([v], numpy.float32) for v in values]
    return iterators.SerialIterator(data, batch_size, repeat=repeat, shuffle=False)


def test_evaluate_runs_in_test_mode_without_graph():
    model = _Recorder()
    ev = extensions.Evaluator(_iter([1, 2, 3, 4]), model)
    ev.name = "validation"
    result = ev()
    assert model.seen == [(False, False, True, 2), (False, False, True, 2)]
    assert rechain.config.train is True  # restored
    assert set(result) == {"validation/main/mean", "validation/main/l/child"}
    assert float(result["validation/main/mean"]) == 2.5


def test_iterator_is_reset_so_each_evaluation_sees_all_batches():
    model = _Recorder()
    ev = extensions.Evaluator(_iter([1, 2, 3, 4, 5]), model)
    first, second = ev(), ev()
    assert float(first["main/mean"]) == float(second["main/mean"])
    assert len(model.seen) == 6  # 3 batches, twice


class _NoReset:
    def __init__(self, batches):
        self._batches = list(batches)
        self._i = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self._i == len(self._batches):
            raise StopIteration
        self._i += 1
        return self._batches[self._i - 1]


def test_iterator_without_reset_is_copied():
    model = _Recorder()
    batches = [[numpy.array([1.0], numpy.float32)], [numpy.array([3.0], numpy.float32)]]
    ev = extensions.Evaluator(_NoReset(batches), model)
    with pytest.warns(DeprecationWarning, match="copied"):
        r1 = ev()
    with pytest.warns(DeprecationWarning):
        r2 = ev()
    assert float(r1["main/mean"]) == float(r2["main/mean"]) == 2.0


def test_eval_hook_and_eval_func():
    model = _Recorder()
    calls = []

    def eval_func(x):
        calls.append(rechain.config.train)
        reporter.report({"custom": float(x.sum())})

    ev = extensions.Evaluator(_iter([1, 2]), model, eval_hook=lambda e: calls.append(e),
                              eval_func=eval_func)
    outer = reporter.Reporter()
    observation = {}
    with outer.scope(observation):
        result = ev()
    assert calls == [ev, False]
    assert result == {"custom": 3.0}
    assert observation == {"custom": 3.0}


def test_repeating_iterator_warns():
    with pytest.warns(UserWarning, match="repeat"):
        extensions.Evaluator(_iter([1, 2], repeat=True), _Recorder())


def test_bad_target_raises():
    with pytest.raises(TypeError, match="target 'main' must be a Link"):
        extensions.Evaluator(_iter([1]), lambda x: x)


def test_in_trainer_reports_validation_keys(task):
    t = task(stop=(2, "epoch"))
    t.trainer.extend(extensions.Evaluator(t.valid_iter(), t.model))
    t.trainer.extend(extensions.LogReport())
    t.trainer.run()
    log = t.trainer.get_extension("LogReport").log
    assert len(log) == 2
    # The logged validation loss is the mean over the validation batches of
    # the model after each epoch; check the last one against a direct loop.
    losses = []
    with rechain.using_config("train", False), rechain.no_backprop_mode():
        for batch in [t.dataset[i:i + 20] for i in range(0, 48, 20)]:
            x = numpy.stack([b[0] for b in batch])
            y = numpy.array([b[1] for b in batch])
            losses.append(float(F.softmax_cross_entropy(t.model.predictor(x), y).array))
    assert log[-1]["validation/main/loss"] == pytest.approx(numpy.mean(losses), rel=1e-6)
    assert "validation/main/accuracy" in log[-1]


def test_micro_average(fake_trainer):
    tr = fake_trainer(iters_per_epoch=2)
    ext = extensions.MicroAverage("main/correct", "main/total", "main/accuracy")
    r = reporter.Reporter()
    results = []
    for correct, total in [(3, 4), (1, 8), (2, 2), (0, 2)]:
        tr.step({"main/correct": correct, "main/total": total})
        with r.scope(tr.observation):
            ext(tr)
        results.append(tr.observation.get("main/accuracy"))
    assert results == [None, 4 / 12, None, 2 / 4]
