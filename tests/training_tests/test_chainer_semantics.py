"""Training-loop behaviours Chainer 7.8.1's own tests rely on (issue 14)."""

import os
import unittest.mock

import numpy
import pytest

import rechain
from rechain import iterators, optimizers, training
from rechain.backends import _cpu
from rechain.training import extensions
from rechain.training.extensions import _snapshot, snapshot_writers


def _trainer(tmp_path, stop=(1, "iteration")):
    model = rechain.links.Classifier(rechain.links.Linear(3, 2))
    opt = optimizers.SGD()
    opt.setup(model)
    data = [(numpy.ones(3, numpy.float32), numpy.int32(i % 2)) for i in range(4)]
    it = iterators.SerialIterator(data, 2)
    return training.Trainer(training.updaters.StandardUpdater(it, opt), stop,
                            out=str(tmp_path)), data


class _Named:
    """An extension whose own name is not a str (Chainer's tests use mocks)."""
    name = ("not", "a str")

    def __call__(self, trainer):
        self.called = True


def test_extension_name_from_the_extension_is_used_as_it_is(tmp_path):
    trainer, _ = _trainer(tmp_path)
    ext = _Named()
    trainer.extend(ext)
    trainer.run()
    assert ext.called


def test_a_trigger_given_in_place_of_the_name_is_an_error(tmp_path):
    trainer, _ = _trainer(tmp_path)
    with pytest.raises(TypeError, match=r"Trainer.extend: the name must be a str.*trigger="):
        trainer.extend(lambda t: None, (1, "iteration"))


def test_updater_serialize_with_a_serializer_that_returns_nothing(tmp_path):
    trainer, _ = _trainer(tmp_path)
    updater = trainer.updater
    updater.iteration = 5
    calls = []

    class Recorder(rechain.serializer.Serializer):
        def __getitem__(self, key):
            return self

        def __call__(self, key, value):
            calls.append(key)

    updater.serialize(Recorder())
    assert "iteration" in calls and updater.iteration == 5


def test_evaluator_without_targets_fails_at_evaluate_not_construction():
    data = [(numpy.ones(3, numpy.float32), numpy.int32(0))]
    ev = extensions.Evaluator(iterators.SerialIterator(data, 1, repeat=False, shuffle=False), {})
    with pytest.raises(ValueError, match=r"Evaluator.evaluate: without eval_func.*'main'"):
        ev.evaluate()


def test_evaluator_warns_about_a_repeating_iterator():
    data = [(numpy.ones(3, numpy.float32), numpy.int32(0))]
    with pytest.warns(UserWarning, match="repeats"):
        extensions.Evaluator(iterators.SerialIterator(data, 1), {})


def test_evaluator_gives_a_plain_converter_the_legacy_device_id():
    seen = []

    def convert(batch, device):
        seen.append(device)
        return rechain.dataset.concat_examples(batch)

    data = [(numpy.ones(3, numpy.float32), numpy.int32(0))]
    model = rechain.links.Classifier(rechain.links.Linear(3, 2))
    ev = extensions.Evaluator(iterators.SerialIterator(data, 1, repeat=False, shuffle=False),
                              model, converter=convert, device=rechain.get_device("@numpy"))
    r = rechain.Reporter()
    r.add_observer("main", model)
    with r:
        ev.evaluate()
    assert seen == [-1]


def test_to_cpu_converts_containers_element_by_element():
    a = numpy.arange(3)
    out = _cpu._to_cpu((a, [a, None], 2.0))
    assert type(out) is tuple and type(out[1]) is list
    assert out[0] is a and out[1][1] is None and out[2].shape == ()


def test_snapshot_file_helpers(tmp_path):
    for i, name in enumerate(["snap_1", "snap_10", "snap_2", "other_3"]):
        p = tmp_path / name
        p.write_text("x")
        os.utime(p, (1000 + i, 1000 + i))
    found = _snapshot._find_snapshot_files("snap_{.updater.iteration}", str(tmp_path))
    assert [n for _, n in found] == ["snap_1", "snap_10", "snap_2"]   # by mtime
    assert all(isinstance(t, float) for t, _ in found)
    assert _snapshot._find_latest_snapshot("snap_{}", str(tmp_path)) == "snap_2"
    assert _snapshot._find_latest_snapshot("none_{}", str(tmp_path)) is None
    assert _snapshot._find_stale_snapshots("snap_{}", str(tmp_path), 1) == ["snap_1", "snap_10"]


class _FakeWorker:
    """A stand-in for the saving process, with a chosen exit code."""

    def __init__(self, exitcode):
        self.exitcode = exitcode

    def start(self):
        pass

    def join(self):
        pass


@pytest.mark.parametrize("code", [0, "mock"])
def test_writer_reads_only_an_int_exit_code_as_a_failure(tmp_path, code):
    # Chainer's tests patch the worker with a MagicMock, whose exitcode is a
    # (truthy) MagicMock too: not a process's exit code, so not a failure
    code = unittest.mock.MagicMock() if code == "mock" else code

    class Writer(snapshot_writers.StandardWriter):
        def create_worker(self, filename, outdir, target, **kwds):
            return _FakeWorker(code)

    w = Writer()
    w("x.npz", str(tmp_path), rechain.links.Linear(2, 2))
    w.finalize()


def test_writer_reports_a_nonzero_exit_code(tmp_path):
    class Writer(snapshot_writers.StandardWriter):
        def create_worker(self, filename, outdir, target, **kwds):
            return _FakeWorker(3)

    w = Writer()
    w("x.npz", str(tmp_path), rechain.links.Linear(2, 2))
    with pytest.raises(RuntimeError, match=r"saving a snapshot failed \(exit code 3\)"):
        w.finalize()
