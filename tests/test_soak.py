"""Soak: 1,000 training iterations in plain, forget and planned modes keep
traced memory flat (nothing accumulates per iteration: graphs, regions,
rematerializers, optimizer state, caches).

Marked slow: deselected by the default ``python -m pytest`` (pyproject.toml
addopts), run with ``python -m pytest -m slow`` (CI does).
"""

import gc
import tracemalloc

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import demo
from rechain import optimizers

ITERATIONS = 1000
WINDOW = 100
WARMUP = 5          # Adam's state and the plan are made in the first iterations
TOLERANCE = 4096    # bytes


def _train(mode):
    rechain.random.seed(0)
    rng = numpy.random.default_rng(0)
    blocks = rechain.ChainList(*[demo.ResBlock(32) for _ in range(4)])
    planned = blocks.forget(segments=2) if mode == "planned" else None
    opt = optimizers.Adam(alpha=1e-4)
    opt.setup(blocks)
    data = rng.standard_normal((8, 64, 32)).astype(numpy.float32)
    # preallocated: appending to lists would itself grow traced memory
    peaks = numpy.zeros(ITERATIONS, numpy.int64)
    currents = numpy.zeros(ITERATIONS, numpy.int64)
    gc.collect()
    tracemalloc.start()
    try:
        for it in range(ITERATIONS + WARMUP):
            x = data[it % len(data)]
            tracemalloc.reset_peak()
            blocks.cleargrads()
            if mode == "plain":
                h = x
                for b in blocks:
                    h = b(h)
            elif mode == "forget":
                h = rechain.Variable(x)
                for b in blocks:
                    h = F.forget(b, F.dropout(h, 0.1))
            else:
                h = planned(x)
            loss = F.sum(h * h) * (1.0 / x.shape[0])
            loss.backward()
            opt.update()
            del h, loss
            if it >= WARMUP:
                currents[it - WARMUP], peaks[it - WARMUP] = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peaks, currents


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["plain", "forget", "planned"])
def test_traced_memory_stays_flat_over_1000_iterations(mode):
    peaks, currents = _train(mode)
    assert len(peaks) == ITERATIONS
    first, last = peaks[:WINDOW].max(), peaks[-WINDOW:].max()
    assert abs(int(last) - int(first)) <= TOLERANCE, (
        f"{mode}: peak of the first {WINDOW} iterations {first} bytes, of the last "
        f"{WINDOW} {last} bytes")
    first, last = currents[:WINDOW].max(), currents[-WINDOW:].max()
    assert abs(int(last) - int(first)) <= TOLERANCE, (
        f"{mode}: memory held between iterations grew from {first} to {last} bytes")
