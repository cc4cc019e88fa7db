"""A snapshot of a shuffling iterator resumes with the orders the
uninterrupted run draws, across epoch boundaries (the sampler's generator
state is saved)."""

import numpy
import pytest

from rechain import iterators, serializers


@pytest.mark.parametrize("seed", [0, numpy.random.RandomState(3), numpy.random.default_rng(5)],
                         ids=["int", "RandomState", "Generator"])
@pytest.mark.parametrize("kind", ["serial", "thread"])
def test_resume_continues_the_shuffled_orders(tmp_path, seed, kind):
    data = list(range(10))

    def make(s):
        if kind == "serial":
            return iterators.SerialIterator(data, 3, seed=s)
        sampler = iterators.ShuffleOrderSampler(s)
        return iterators.MultithreadIterator(data, 3, order_sampler=sampler)

    def fresh_seed():
        if isinstance(seed, numpy.random.RandomState):
            return numpy.random.RandomState(3)
        if isinstance(seed, numpy.random.Generator):
            return numpy.random.default_rng(5)
        return seed

    full_it = make(fresh_seed())
    full = [sorted(next(full_it)) for _ in range(12)]
    first = make(fresh_seed())
    head = [sorted(next(first)) for _ in range(4)]   # past the first epoch boundary
    path = tmp_path / "it.npz"
    serializers.save_npz(str(path), first)
    resumed = make(fresh_seed())
    serializers.load_npz(str(path), resumed)
    tail = [sorted(next(resumed)) for _ in range(8)]  # two more boundaries
    for it in (full_it, first, resumed):
        it.finalize()
    assert head + tail == full
