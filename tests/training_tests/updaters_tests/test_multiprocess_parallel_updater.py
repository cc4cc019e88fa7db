"""Chainer's multiprocess_parallel_updater module: its GPU helpers, and an
updater that says it is not available."""

import numpy
import pytest

import rechain
import rechain.links as L
from rechain import backend
from rechain.training import updaters
from rechain.training.updaters import multiprocess_parallel_updater as mpu


def _net():
    net = rechain.Sequential(L.Linear(3, 2), L.Linear(2, 4))
    net.append(L.Linear(None, 2))  # W uninitialized: left out (b has 2)
    return net


def test_the_updater_is_not_available_and_says_what_to_use():
    assert updaters.MultiprocessParallelUpdater is mpu.MultiprocessParallelUpdater
    assert mpu.MultiprocessParallelUpdater.available() is False
    with pytest.raises(RuntimeError, match="rechain.distributed"):
        mpu.MultiprocessParallelUpdater([], None)


def test_size_num_grads_counts_the_non_empty_parameters():
    assert mpu.size_num_grads(_net()) == (3 * 2 + 2 + 2 * 4 + 4 + 2, 5)


@pytest.mark.parametrize("f", [mpu.gather_grads, mpu.gather_params])
def test_gather_on_the_cpu_is_an_error(f):
    with pytest.raises(RuntimeError, match="only on GPU"):
        f(_net())


@pytest.mark.skipif(not backend.gpu_available, reason="needs a GPU")
def test_gather_and_scatter_round_trip_on_a_gpu():
    cupy = backend.cupy
    a, b = _net(), _net()
    a.to_gpu()
    b.to_gpu()
    for p in a.params():
        if p.array is not None:
            p.grad = cupy.full(p.shape, 0.5, p.dtype)
    a[0].W.grad = None                     # gathered as zeros
    g = mpu.gather_grads(a)
    assert g.dtype == numpy.float32 and g.size == mpu.size_num_grads(a)[0]
    mpu.scatter_grads(b, g)
    cupy.testing.assert_array_equal(b[0].W.grad, 0)
    cupy.testing.assert_array_equal(b[1].W.grad, 0.5)
    mpu.scatter_params(b, mpu.gather_params(a))
    for (n, p), (_, q) in zip(sorted(a.namedparams()), sorted(b.namedparams())):
        if p.array is not None:
            cupy.testing.assert_array_equal(p.array, q.array)
