"""Differentiable communication: allreduce as a FunctionNode.

``allreduce(comm, x)`` is the sum of the ranks' ``x``, on every rank. Every
rank's output depends on every rank's input, so of the objective
``J = sum_s L_s`` (each rank's loss) the gradient of rank ``r``'s input is
``sum_s dL_s/dy``: the all-reduce of the output gradients. The backward is
therefore the same function applied to ``gy``, so gradients of any order are
those of the whole job (the ranks must run the same backward, as they run
the same forward).

Note [replays do not communicate]: ``F.forget`` replays a region's forward
pass during backward, and the freeing backward re-runs recorded nodes; the
ranks' plans may differ (each plans its own recomputation under its own
budget), so a replay must not call MPI, or ranks would wait for collectives
the others never make. The node keeps the output it computed (a re-run of the
same node returns it), and a caller may give a ``cache`` (a small dict it
owns, as ``MultiNodeBatchNormalization`` does): under
``config.in_recomputing`` the output is looked up there by the exact bytes of
the input, which the replay recomputes bit for bit (rechain's recomputation
is exact). Only forward passes outside replays communicate.
"""

import collections

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain.utils import type_check

_CACHE_ENTRIES = 32


def _key(x):
    return (x.shape, x.dtype.str, numpy.ascontiguousarray(backend.to_cpu(x)).tobytes())


class AllReduceSum(function_node.FunctionNode):
    """Sum over the ranks (see the module's notes)."""

    def __init__(self, comm, cache=None):
        self.comm = comm
        self.cache = cache
        self._done = None

    def forward(self, inputs):
        x, = inputs
        key = _key(x)
        if self._done is not None and self._done[0] == key:
            return self._done[1].copy(),
        y = None
        if configuration.config.in_recomputing and self.cache is not None:
            y = self.cache.get(key)
            if y is not None:
                y = y.copy()
        if y is None:
            y = self.comm.allreduce(x)
            if self.cache is not None and not configuration.config.in_recomputing:
                self.cache[key] = y.copy()
                while len(self.cache) > _CACHE_ENTRIES:
                    self.cache.popitem(last=False)
        self._done = (key, y)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return AllReduceSum(self.comm).apply((gy,))


def new_cache():
    """A cache for :func:`allreduce` (an ordered dict of bounded size)."""
    return collections.OrderedDict()


def allreduce(comm, x, cache=None):
    """The sum of every rank's ``x``, differentiable (see the module's notes).

    Args:
        comm: A communicator.
        x (Variable or ndarray): This rank's part; the same shape and dtype on
            every rank.
        cache: Optional dict from :func:`new_cache` for replay-safety.

    Returns:
        Variable: The sum, the same on every rank.
    """
    type_check.expect_array("allreduce", "x", x)
    if x.dtype.kind not in "fc":
        raise type_check.InvalidType(f"allreduce: x must have a floating-point dtype, got "
                                     f"{x.dtype}")
    return AllReduceSum(comm, cache).apply((x,))[0]
