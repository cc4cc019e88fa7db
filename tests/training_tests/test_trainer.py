"""Trainer: the loop, extensions, reporting, errors and elapsed time."""

import os

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import datasets
from rechain import iterators
from rechain import optimizers
from rechain import serializers
from rechain import training
from rechain.training import trainer as trainer_module


class MLP(rechain.Chain):
    def __init__(self, n_in=4, n_hidden=8, n_out=3):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(n_in, n_hidden)
            self.l2 = L.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


def _dataset(n=24, seed=0):
    rng = numpy.random.RandomState(seed)
    x = rng.randn(n, 4).astype(numpy.float32)
    t = (x[:, 0] > 0).astype(numpy.int32) + (x[:, 1] > 0).astype(numpy.int32)
    return datasets.TupleDataset(x, t)


def _trainer(tmp_path, stop=(6, "iteration"), batch_size=4, **kwargs):
    model = L.Classifier(MLP())
    opt = optimizers.SGD(0.1).setup(model)
    it = iterators.SerialIterator(_dataset(), batch_size, shuffle=False)
    up = training.updaters.StandardUpdater(it, opt)
    return training.Trainer(up, stop, out=str(tmp_path / "out"), **kwargs)


def test_runs_until_the_stop_trigger_and_reports(tmp_path):
    trainer = _trainer(tmp_path, stop=(2, "epoch"))
    seen = []
    trainer.extend(lambda t: seen.append((t.updater.iteration, sorted(t.observation))),
                   name="spy")
    trainer.run()
    assert trainer.updater.iteration == 12  # 24 examples / 4 per batch, 2 epochs
    assert [i for i, _ in seen] == list(range(1, 13))
    assert all(keys == ["main/accuracy", "main/loss"] for _, keys in seen)
    assert os.path.isdir(str(tmp_path / "out"))


def test_training_on_digits_reduces_the_loss(tmp_path):
    train, _ = datasets.get_digits()
    model = L.Classifier(MLP(64, 32, 10))
    opt = optimizers.Adam(0.01).setup(model)
    it = iterators.SerialIterator(train, 64, seed=0)
    trainer = training.Trainer(training.updaters.StandardUpdater(it, opt), (3, "epoch"),
                               out=str(tmp_path))
    losses = []

    @training.make_extension(trigger=(1, "iteration"))
    def record(t):
        losses.append(float(t.observation["main/loss"].array))
    trainer.extend(record)
    trainer.run()
    assert trainer.updater.epoch == 3
    assert numpy.mean(losses[-10:]) < 0.5 * numpy.mean(losses[:5])


def test_reporter_observers_follow_chainer(tmp_path):
    trainer = _trainer(tmp_path)
    model = trainer.updater.get_optimizer("main").target
    observation = {}
    with trainer.reporter.scope(observation):
        rechain.report({"a": 1}, model)
        rechain.report({"b": 2}, model.predictor)
        rechain.report({"c": 3}, model.predictor.l1)
    assert observation == {"main/a": 1, "main/predictor/b": 2, "main/predictor/l1/c": 3}


def test_priority_order_and_registration_ties(tmp_path):
    trainer = _trainer(tmp_path, stop=(1, "iteration"))
    order = []

    def make(tag):
        return lambda t: order.append(tag)
    trainer.extend(make("reader1"), name="r1")
    trainer.extend(make("writer"), name="w", priority=training.PRIORITY_WRITER)
    trainer.extend(make("reader2"), name="r2", priority=training.PRIORITY_READER)
    trainer.extend(make("editor"), name="e", priority=training.PRIORITY_EDITOR)

    @training.make_extension(priority=1000)
    def first(t):
        order.append("first")
    trainer.extend(first)
    trainer.run()
    assert order == ["first", "writer", "editor", "reader1", "reader2"]


def test_names_triggers_and_lookup(tmp_path):
    trainer = _trainer(tmp_path, stop=(6, "iteration"))
    calls = {"a": 0, "b": 0}

    class Count(training.Extension):
        trigger = 2, "iteration"

        def __init__(self, key):
            self.key = key

        def __call__(self, t):
            calls[self.key] += 1

    a, b = Count("a"), Count("b")
    trainer.extend(a)
    trainer.extend(b, trigger=(3, "iteration"))
    assert a.name == "Count" and b.name == "Count_1"
    assert trainer.get_extension("Count_1") is b
    with pytest.raises(ValueError, match="'nope'"):
        trainer.get_extension("nope")
    with pytest.raises(ValueError, match="training"):
        trainer.extend(lambda t: None, name="training")
    with pytest.raises(TypeError, match="callable"):
        trainer.extend(42)
    with pytest.raises(ValueError, match="invoke_before_training"):
        trainer.extend(lambda t: None, invoke_before_training=True)
    trainer.run()
    assert calls == {"a": 3, "b": 2}


def test_extensions_argument_registers_them(tmp_path):
    calls = []

    @training.make_extension()
    def ext(t):
        calls.append(t.updater.iteration)
    trainer = _trainer(tmp_path, stop=(2, "iteration"), extensions=[ext])
    trainer.run()
    assert calls == [1, 2]


def test_initialize_call_before_training_and_finalize(tmp_path):
    events = []

    class Ext(training.Extension):
        def initialize(self, t):
            events.append(("init", t.updater.iteration))

        def __call__(self, t):
            events.append(("call", t.updater.iteration))

        def finalize(self):
            events.append(("finalize",))

    class Done:
        finished = True

        def __call__(self, trainer):
            return False

    class Skipped(training.Extension):
        def initialize(self, t):
            events.append(("skipped init",))

        def __call__(self, t):
            pass

    trainer = _trainer(tmp_path, stop=(2, "iteration"))
    trainer.extend(Ext(), call_before_training=True)
    trainer.extend(Skipped(), trigger=Done())
    trainer.run()
    assert events == [("init", 0), ("call", 0), ("call", 1), ("call", 2), ("finalize",)]
    assert trainer.is_before_training is False
    with pytest.raises(RuntimeError, match="already run"):
        trainer.run()


def test_error_calls_on_error_then_finalize_and_reraises(tmp_path, capsys):
    events = []

    class Boom(training.Extension):
        def __call__(self, t):
            if t.updater.iteration == 3:
                raise ValueError("boom at 3")

        def on_error(self, t, exc, tb):
            events.append(("on_error", type(exc).__name__, str(exc), tb is not None))
            raise RuntimeError("the handler fails too")

        def finalize(self):
            events.append(("finalize boom",))

    class Watch(training.Extension):
        priority = 0

        def __call__(self, t):
            pass

        def on_error(self, t, exc, tb):
            events.append(("on_error watch", t.updater.iteration))

        def finalize(self):
            events.append(("finalize watch",))

    trainer = _trainer(tmp_path, stop=(10, "iteration"))
    finalized = []
    trainer.updater.finalize = lambda: finalized.append(True)
    trainer.extend(Boom())
    trainer.extend(Watch())
    with pytest.raises(ValueError, match="boom at 3"):
        trainer.run()
    assert events == [("on_error", "ValueError", "boom at 3", True), ("on_error watch", 3),
                      ("finalize boom",), ("finalize watch",)]
    assert finalized == [True]
    err = capsys.readouterr().err
    assert "Exception in main training loop: boom at 3" in err
    assert "Exception in error handler: the handler fails too" in err


def test_error_message_can_be_silenced(tmp_path, capsys):
    trainer = _trainer(tmp_path)

    def fail(t):
        raise KeyError("x")
    trainer.extend(fail)
    with pytest.raises(KeyError):
        trainer.run(show_loop_exception_msg=False)
    assert "Exception in main training loop" not in capsys.readouterr().err


def test_a_failing_finalize_is_raised_after_all_finalizers(tmp_path):
    done = []

    class A(training.Extension):
        def __call__(self, t):
            pass

        def finalize(self):
            raise OSError("disk full")

    class B(training.Extension):
        priority = 0

        def __call__(self, t):
            pass

        def finalize(self):
            done.append("B")

    trainer = _trainer(tmp_path)
    trainer.extend(A())
    trainer.extend(B())
    with pytest.raises(OSError, match="disk full"):
        trainer.run()
    assert done == ["B"]


def test_out_that_is_a_file_is_an_error(tmp_path):
    path = tmp_path / "out"
    path.write_text("not a directory")
    with pytest.raises(FileExistsError, match="not a directory"):
        _trainer(tmp_path).run()


class _Clock:
    def __init__(self, start=100.0, step=0.5):
        self.now = start
        self.step = step

    def __call__(self):
        self.now += self.step
        return self.now


def test_elapsed_time_and_resume(tmp_path, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(trainer_module, "_get_time", clock)
    trainer = _trainer(tmp_path, stop=(4, "iteration"))
    with pytest.raises(RuntimeError, match="not started"):
        trainer.elapsed_time
    times = []
    trainer.extend(lambda t: times.append(t.elapsed_time), name="t")
    trainer.run()
    assert times == [0.5, 1.0, 1.5, 2.0]  # every reading advances the fake clock 0.5 s
    final = trainer.elapsed_time
    assert final == 2.5 and trainer.elapsed_time == final  # frozen after the run
    s = serializers.DictionarySerializer()
    trainer.serialize(s)
    assert float(s.target["_snapshot_elapsed_time"]) == 2.5
    resumed = _trainer(tmp_path, stop=(6, "iteration"))
    resumed.serialize(serializers.NpzDeserializer(s.target))
    later = []
    resumed.extend(lambda t: later.append(t.elapsed_time), name="t")
    resumed.run()
    assert later == [3.0, 3.5]  # continues from 2.5 s


def test_time_trigger_in_a_trainer_with_patched_clock(tmp_path, monkeypatch):
    monkeypatch.setattr(trainer_module, "_get_time", _Clock(step=1.0))
    trainer = _trainer(tmp_path, stop=(8, "iteration"))
    fired = []
    trainer.extend(lambda t: fired.append(t.updater.iteration), name="timed",
                   trigger=training.triggers.TimeTrigger(2.5))
    trainer.run()
    # one clock reading (1 s) per iteration: elapsed 3 > 2.5, then 6 > 5, then 8 > 7.5
    assert fired == [3, 6, 8]


def test_early_stopping_stops_the_trainer_at_the_right_iteration(tmp_path):
    trainer = _trainer(tmp_path, stop=None)
    values = iter([5.0, 4.0, 4.5, 4.2, 4.1, 3.0, 9.0])

    @training.make_extension(priority=training.PRIORITY_WRITER)
    def fake_loss(t):
        t.observation["val/loss"] = next(values)
    trainer.extend(fake_loss)
    trainer.stop_trigger = training.triggers.EarlyStoppingTrigger(
        check_trigger=(1, "iteration"), monitor="val/loss", patience=3,
        max_trigger=(100, "iteration"))
    trainer.run()
    # the stop trigger looks at iteration k's observation before update k+1:
    # best 4.0 after 2, no better at 3, 4, 5: stops before the 6th update
    assert trainer.updater.iteration == 5
