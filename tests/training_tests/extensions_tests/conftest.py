"""Shared pieces of the extension tests: a tiny classification task, a real
trainer on it, and a fake trainer for unit tests of single extensions."""

import numpy
import pytest

import rechain.links as L
from rechain import iterators
from rechain import optimizers
from rechain import training


def _dataset(n=48, seed=0):
    rng = numpy.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(numpy.float32)
    t = (x.sum(axis=1) > 0).astype(numpy.int32)
    return list(zip(x, t))


class _Task:
    """Model, optimizer, iterators and a trainer over a 48-example dataset."""

    def __init__(self, out, stop=(2, "epoch"), batch_size=16, lr=0.1, seed=0, shuffle=True):
        self.dataset = _dataset()
        self.model = L.Classifier(L.Linear(3, 2, initialW=_init_w()))
        self.optimizer = optimizers.SGD(lr)
        self.optimizer.setup(self.model)
        if shuffle:
            self.train_iter = iterators.SerialIterator(self.dataset, batch_size, seed=seed)
        else:
            self.train_iter = iterators.SerialIterator(self.dataset, batch_size, shuffle=False)
        self.updater = training.updaters.StandardUpdater(self.train_iter, self.optimizer)
        self.trainer = training.Trainer(self.updater, stop, out=str(out))

    def valid_iter(self, batch_size=20):
        return iterators.SerialIterator(self.dataset, batch_size, repeat=False,
                                        shuffle=False)


def _init_w():
    return numpy.arange(6, dtype=numpy.float32).reshape(2, 3) / 10 - 0.25


@pytest.fixture
def task(tmp_path):
    """A factory of :class:`_Task` writing into ``tmp_path / 'out'`` by default."""
    def make(out=None, **kwargs):
        return _Task(tmp_path / "out" if out is None else out, **kwargs)
    return make


class FakeUpdater:
    def __init__(self, optimizer=None, iters_per_epoch=4):
        self.iteration = 0
        self.iters_per_epoch = iters_per_epoch
        self._optimizer = optimizer

    @property
    def epoch(self):
        return self.iteration // self.iters_per_epoch

    @property
    def epoch_detail(self):
        return self.iteration / self.iters_per_epoch

    @property
    def previous_epoch_detail(self):
        if self.iteration == 0:
            return None
        return (self.iteration - 1) / self.iters_per_epoch

    @property
    def is_new_epoch(self):
        return self.iteration > 0 and self.iteration % self.iters_per_epoch == 0

    def get_optimizer(self, name):
        if name != "main":
            raise KeyError(name)
        return self._optimizer

    def get_all_optimizers(self):
        return {"main": self._optimizer}


class FakeTrainer:
    """Just the attributes extensions read; ``step()`` advances one iteration."""

    def __init__(self, out, optimizer=None, iters_per_epoch=4, stop=(8, "iteration")):
        self.out = str(out)
        self.updater = FakeUpdater(optimizer, iters_per_epoch)
        self.observation = {}
        self.elapsed_time = 0.0
        self.is_before_training = False
        self.stop_trigger = training.get_trigger(stop)
        self._extensions = {}

    def get_extension(self, name):
        return self._extensions[name]

    def step(self, observation=None):
        self.updater.iteration += 1
        self.elapsed_time += 1.0
        self.observation = dict(observation or {})


@pytest.fixture
def fake_trainer(tmp_path):
    def make(**kwargs):
        return FakeTrainer(tmp_path / "fake", **kwargs)
    return make
