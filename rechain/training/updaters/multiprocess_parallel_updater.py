"""Chainer's ``multiprocess_parallel_updater`` module: its GPU helpers, and an
updater that says it is not available.

Chainer's ``MultiprocessParallelUpdater`` trains one model on several GPUs of
one machine with one process per GPU and NCCL all-reduce. rechain has no such
updater (data-parallel training runs on MPI through :mod:`rechain.distributed`,
ChainerMN's API): :meth:`MultiprocessParallelUpdater.available` is False, the
test Chainer programs make before choosing it, and creating one raises
``RuntimeError`` saying what to use instead.

The array helpers work as Chainer's: :func:`gather_grads` /
:func:`gather_params` put the gradients / arrays of a link's parameters (in
the order of their sorted names, empty and uninitialized ones left out) into one float32 CuPy
array, :func:`scatter_grads` / :func:`scatter_params` put such an array back.
They work on a link on a GPU only, as in Chainer (``RuntimeError`` on the CPU).
"""

import numpy

from rechain import backend
from rechain.training.updaters import standard_updater


class MultiprocessParallelUpdater(standard_updater.StandardUpdater):
    """Not available in rechain (Chainer's NCCL multi-process updater).

    Raises:
        RuntimeError: Always; :meth:`available` is False.
    """

    def __init__(self, iterators, optimizer, *args, **kwargs):
        raise RuntimeError(
            "MultiprocessParallelUpdater: rechain has no NCCL multi-process updater "
            "(MultiprocessParallelUpdater.available() is False); train on several GPUs "
            "with rechain.distributed (ChainerMN's API, on MPI), or use StandardUpdater")

    @staticmethod
    def available():
        """False: rechain has no NCCL multi-process updater."""
        return False


def size_num_grads(link):
    """``(total size, count)`` of the link's parameters that are not empty
    (an uninitialized one counts as empty)."""
    size = num = 0
    for param in link.params():
        if param.array is None or param.size == 0:
            continue
        size += param.size
        num += 1
    return size, num


def _params(link):
    return [p for _, p in sorted(link.namedparams()) if p.array is not None and p.size != 0]


def _gather(link, target, where):
    if link.xp is numpy:
        raise RuntimeError(f"{where} works only on GPU (the link's arrays are NumPy arrays)")
    cupy = backend.cupy
    parts = []
    for p in _params(link):
        d = getattr(p, target)
        parts.append(cupy.zeros(p.size, numpy.float32) if d is None
                     else d.ravel().astype(numpy.float32))
    if not parts:
        return cupy.zeros(0, numpy.float32)
    return cupy.concatenate(parts)


def _scatter(link, array, target):
    cupy = backend.cupy
    start = 0
    for p in _params(link):
        d = getattr(p, target)
        if d is None:
            d = cupy.zeros(p.shape, p.dtype)
            setattr(p, target, d)
        d[...] = array[start:start + p.size].reshape(p.shape).astype(p.dtype)
        start += p.size


def gather_grads(link):
    """The gradients of the link's parameters in one float32 CuPy array (a
    parameter without a gradient gives zeros)."""
    return _gather(link, "grad", "gather_grads")


def gather_params(link):
    """The arrays of the link's parameters in one float32 CuPy array."""
    return _gather(link, "data", "gather_params")


def scatter_grads(link, array):
    """Put an array made by :func:`gather_grads` back into the gradients."""
    _scatter(link, array, "grad")


def scatter_params(link, array):
    """Put an array made by :func:`gather_params` back into the parameters."""
    _scatter(link, array, "data")
