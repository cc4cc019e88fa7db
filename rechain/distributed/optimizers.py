"""create_multi_node_optimizer: an optimizer that trains one model on all ranks.

Note [first update]: the ranks must start from the same parameters. The
wrapper broadcasts rank 0's values when it is set up (``setup(model)``) and,
at an update, whenever the model's parameters changed since the last
broadcast (a lazily initialised parameter such as ``L.Linear(None, 3)``'s got
its value in the forward pass just run, or the model was set up before it was
wrapped). The gradients of such an update were computed from each rank's own
values; if the broadcast changed any value on any rank they are not
gradients of one model, and that update is skipped (parameters are now
rank 0's, nothing else moves), as ChainerMN skips the first update. If every
rank already had rank 0's values (same seed, or values broadcast at setup),
the update is made: with ``optimizer.setup(model)`` on the wrapper and no
lazily initialised parameters, no update is lost.

Every other update all-reduces the gradients to their mean over the ranks
(``comm.multi_node_mean_grad``: one message per dtype), then runs the
wrapped optimizer's update (its hooks see the mean gradients).
"""

import numpy

from rechain import backend
from rechain import variable as _variable


def create_multi_node_optimizer(actual_optimizer, communicator, double_buffering=False,
                                zero_fill=True):
    """Wrap ``actual_optimizer`` so that its updates are those of data parallelism.

    Args:
        actual_optimizer (rechain.Optimizer): Any rechain optimizer.
        communicator: A communicator of :func:`create_communicator`.
        double_buffering (bool): ChainerMN overlaps the all-reduce of step
            ``t`` with step ``t + 1`` on a CUDA stream (one step stale
            gradients, ``pure_nccl`` only). rechain's MPI communicator
            all-reduces host buffers; not implemented (NotImplementedError).
        zero_fill (bool): A parameter without a gradient on some rank counts
            as zeros there (see ``multi_node_mean_grad``).

    Returns:
        An optimizer with the wrapped one's attributes (``lr``, ``t``,
        ``add_hook`` ...) whose ``setup`` broadcasts rank 0's parameters and
        whose ``update`` averages the gradients first (Note [first update]).

    Example:
        >>> optimizer = chainermn.create_multi_node_optimizer(
        ...     rechain.optimizers.Adam(), comm)
        >>> optimizer.setup(model)
    """
    if double_buffering:
        raise NotImplementedError(
            "create_multi_node_optimizer: double_buffering is not implemented: in "
            "ChainerMN it overlaps the all-reduce with the next step on a CUDA stream "
            "(pure_nccl communicator, GPUs); rechain's MPI communicator all-reduces host "
            "buffers between steps. Use double_buffering=False.")
    return _MultiNodeOptimizer(actual_optimizer, communicator, zero_fill)


def _signature(target):
    return tuple((name, id(p), p.array is not None) for name, p in target.namedparams())


class _MultiNodeOptimizer:
    """The optimizer :func:`create_multi_node_optimizer` makes (see there)."""

    def __init__(self, actual_optimizer, communicator, zero_fill):
        d = self.__dict__
        d["actual_optimizer"] = actual_optimizer
        d["communicator"] = communicator
        d["zero_fill"] = zero_fill
        d["_broadcast_signature"] = None

    def setup(self, link):
        """Set up the wrapped optimizer on ``link`` and broadcast rank 0's parameters
        (a collective: every rank calls it)."""
        self.actual_optimizer.setup(link)
        self.communicator.bcast_data(link)
        self.__dict__["_broadcast_signature"] = _signature(link)
        return self

    def update(self, lossfun=None, *args, **kwds):
        """One data-parallel update (Note [first update])."""
        opt = self.actual_optimizer
        target = opt.target
        if target is None:
            raise RuntimeError("multi-node optimizer: call setup(model) before update")
        if lossfun is not None:
            loss = lossfun(*args, **kwds)
            if not isinstance(loss, _variable.Variable):
                raise TypeError(f"multi-node optimizer: lossfun must return a Variable, "
                                f"got {type(loss).__name__}")
            target.cleargrads()
            loss.backward(loss_scale=opt._loss_scale)
            del loss
        if _signature(target) != self._broadcast_signature:
            if not self._broadcast_and_agree(target):
                return
        self.communicator.multi_node_mean_grad(target, self.zero_fill)
        opt.update()

    def _broadcast_and_agree(self, target):
        """Broadcast rank 0's parameters; True when no rank's values changed."""
        before = [None if p.array is None else numpy.array(backend.to_cpu(p.array), copy=True)
                  for _, p in sorted(target.namedparams())]
        self.communicator.bcast_data(target)
        after = [p.array for _, p in sorted(target.namedparams())]
        same = all(b is None or numpy.array_equal(b, backend.to_cpu(a), equal_nan=True)
                   for b, a in zip(before, after))
        self.__dict__["_broadcast_signature"] = _signature(target)
        return self.communicator.allreduce_obj(0 if same else 1) == 0

    def __getattr__(self, name):
        return getattr(self.__dict__["actual_optimizer"], name)

    def __setattr__(self, name, value):
        setattr(self.actual_optimizer, name, value)
