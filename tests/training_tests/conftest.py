"""Fixtures for the training tests: a stand-in trainer and updater for triggers."""

import pytest


class FakeUpdater:
    """Walks ``epoch_size`` examples ``batch_size`` at a time, like a SerialIterator."""

    def __init__(self, batch_size=3, epoch_size=10):
        self.batch_size = batch_size
        self.epoch_size = epoch_size
        self.iteration = 0
        self.previous_epoch_detail = None

    @property
    def epoch_detail(self):
        return self.iteration * self.batch_size / self.epoch_size

    @property
    def epoch(self):
        return int(self.epoch_detail)

    def update(self):
        self.previous_epoch_detail = self.epoch_detail
        self.iteration += 1


class FakeTrainer:
    def __init__(self, updater=None):
        self.updater = FakeUpdater() if updater is None else updater
        self.observation = {}
        self.elapsed_time = 0.0


def fire_sequence(trigger, trainer, n, observations=None):
    """Advance ``n`` iterations, calling the trigger after each; the 1-based
    iterations on which it fired."""
    fired = []
    for i in range(n):
        trainer.updater.update()
        if observations is not None:
            trainer.observation = observations[i]
        if trigger(trainer):
            fired.append(trainer.updater.iteration)
    return fired


@pytest.fixture
def make_trainer():
    """``make_trainer(batch_size=3, epoch_size=10)``: a FakeTrainer."""
    def make(batch_size=3, epoch_size=10):
        return FakeTrainer(FakeUpdater(batch_size, epoch_size))
    return make


@pytest.fixture
def fire():
    """``fire(trigger, trainer, n, observations=None)``: see fire_sequence."""
    return fire_sequence
