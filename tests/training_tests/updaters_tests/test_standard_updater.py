"""StandardUpdater."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import backend
from rechain import dataset
from rechain import datasets
from rechain import iterators
from rechain import optimizers
from rechain import serializers
from rechain import training


class Net(rechain.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = L.Linear(3, 2)

    def forward(self, x):
        return self.l(x)


def _data(n=10):
    rng = numpy.random.RandomState(0)
    return datasets.TupleDataset(rng.randn(n, 3).astype(numpy.float32),
                                 rng.randint(0, 2, n).astype(numpy.int32))


def _updater(batch_size=4, **kwargs):
    model = L.Classifier(Net())
    opt = optimizers.SGD(0.1).setup(model)
    it = iterators.SerialIterator(_data(), batch_size, shuffle=False)
    return training.updaters.StandardUpdater(it, opt, **kwargs), it, opt


def test_single_iterator_and_optimizer_are_main():
    up, it, opt = _updater()
    assert up.get_iterator("main") is it
    assert up.get_optimizer("main") is opt
    assert up.get_all_optimizers() == {"main": opt}
    assert training.StandardUpdater is training.updaters.StandardUpdater
    assert isinstance(up, training.Updater)


def test_update_counts_and_follows_the_main_iterator():
    up, it, opt = _updater(batch_size=4)
    assert (up.iteration, up.epoch, up.previous_epoch_detail) == (0, 0, None)
    up.update()
    assert (up.iteration, up.epoch_detail, up.previous_epoch_detail) == (1, 0.4, 0.0)
    assert opt.t == 1
    up.update()
    up.update()  # reaches the end of the 10 examples
    assert up.is_new_epoch and up.epoch == 1 and opt.epoch == 1  # auto_new_epoch


def test_auto_new_epoch_off():
    up, _, opt = _updater(auto_new_epoch=False)
    for _ in range(3):
        up.update()
    assert up.epoch == 1 and opt.epoch == 0


def test_update_matches_a_manual_step():
    up, _, opt = _updater(batch_size=4)
    manual = L.Classifier(Net())
    manual.copyparams(opt.target)
    manual_opt = optimizers.SGD(0.1).setup(manual)
    x, t = dataset.concat_examples(_data()[:4])
    up.update()
    manual_opt.update(manual, x, t)
    for (_, a), (_, b) in zip(opt.target.namedparams(), manual.namedparams()):
        assert numpy.array_equal(a.array, b.array)


def test_dicts_and_loss_func_and_dispatch():
    calls = []

    def loss_func(*args, **kwargs):
        calls.append((len(args), sorted(kwargs)))
        return F.sum(opt.target.l(numpy.ones((1, 3), numpy.float32)))

    model = Net()
    opt = optimizers.SGD(0.1).setup(model)
    dict_it = iterators.SerialIterator([{"a": numpy.zeros(1), "b": numpy.ones(1)}] * 4, 2)
    up = training.updaters.StandardUpdater({"main": dict_it}, {"main": opt},
                                           loss_func=loss_func)
    up.update()
    array_it = iterators.SerialIterator([numpy.zeros(2)] * 4, 2)
    up2 = training.updaters.StandardUpdater(array_it, opt, loss_func=loss_func)
    up2.update()
    assert calls == [(0, ["a", "b"]), (1, [])]


def test_converter_gets_the_device_as_chainer_does():
    seen = []

    @dataset.converter()
    def new_style(batch, device):
        seen.append(("new", device))
        return dataset.concat_examples(batch, device)

    def old_style(batch, device):
        seen.append(("old", device))
        return dataset.concat_examples(batch, device)

    for conv in (new_style, old_style):
        for dev in (None, -1, "@numpy"):
            up, _, _ = _updater(converter=conv, device=dev)
            up.update()
    assert seen[0] == ("new", None)
    assert all(isinstance(d, type(backend.get_device("@numpy"))) for _, d in seen[1:3])
    assert seen[3:] == [("old", None), ("old", -1), ("old", -1)]


def test_input_device_defaults_to_device():
    up, _, _ = _updater(device="@numpy")
    assert up.device == backend.get_device("@numpy") and up.input_device == up.device
    up, _, _ = _updater(input_device=-1)
    assert up.device is None and up.input_device == backend.get_device(-1)


def test_loss_scale_reaches_the_optimizers():
    up, _, opt = _updater(loss_scale=8.0)
    assert opt._loss_scale == 8.0 and up.loss_scale == 8.0


def test_bad_arguments():
    model = Net()
    it = iterators.SerialIterator(_data(), 2)
    with pytest.raises(ValueError, match="setup"):
        training.updaters.StandardUpdater(it, optimizers.SGD())
    opt = optimizers.SGD().setup(model)
    with pytest.raises(ValueError, match="iterator dict is empty"):
        training.updaters.StandardUpdater({}, opt)
    with pytest.raises(TypeError, match="converter"):
        training.updaters.StandardUpdater(it, opt, converter=3)
    up = training.updaters.StandardUpdater({"train": it}, opt)
    with pytest.raises(KeyError, match="'main'"):
        up.epoch
    with pytest.raises(KeyError, match="'gen'"):
        up.get_optimizer("gen")


def test_serialize_keys_and_round_trip():
    up, it, opt = _updater(batch_size=3)
    for _ in range(2):
        up.update()
    s = serializers.DictionarySerializer()
    up.serialize(s)
    assert "iteration" in s.target
    assert "iterator:main/current_position" in s.target
    assert "optimizer:main/t" in s.target
    assert "model:main/predictor/l/W" in s.target
    fresh, fresh_it, fresh_opt = _updater(batch_size=3)
    fresh.serialize(serializers.NpzDeserializer(s.target))
    assert fresh.iteration == 2 and fresh_opt.t == 2
    assert fresh_it.current_position == it.current_position
    assert numpy.array_equal(fresh_opt.target.predictor.l.W.array,
                             opt.target.predictor.l.W.array)


def test_finalize_finalizes_iterators():
    closed = []

    class It(iterators.SerialIterator):
        def finalize(self):
            closed.append(True)

    opt = optimizers.SGD().setup(Net())
    up = training.updaters.StandardUpdater({"main": It(_data(), 2), "b": It(_data(), 2)}, opt)
    up.finalize()
    assert closed == [True, True]


@pytest.mark.gpu
def test_device_moves_model_and_inputs_to_the_gpu():
    import cupy
    cpu_model = L.Classifier(Net())
    gpu_model = L.Classifier(Net())
    gpu_model.copyparams(cpu_model)
    seen = []

    @dataset.converter()
    def spy(batch, device):
        out = dataset.concat_examples(batch, device)
        seen.append(out)
        return out

    gpu_opt = optimizers.SGD(0.1).setup(gpu_model)
    up = training.updaters.StandardUpdater(
        iterators.SerialIterator(_data(), 4, shuffle=False), gpu_opt, converter=spy, device=0)
    assert isinstance(gpu_model.predictor.l.W.array, cupy.ndarray)
    cpu_opt = optimizers.SGD(0.1).setup(cpu_model)
    cpu_up = training.updaters.StandardUpdater(
        iterators.SerialIterator(_data(), 4, shuffle=False), cpu_opt)
    for _ in range(3):
        up.update()
        cpu_up.update()
    assert all(isinstance(a, cupy.ndarray) for a in seen[0])
    numpy.testing.assert_allclose(cupy.asnumpy(gpu_model.predictor.l.W.array),
                                  cpu_model.predictor.l.W.array, rtol=1e-5, atol=1e-6)
