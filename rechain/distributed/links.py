"""MultiNodeBatchNormalization: batch normalization over the global batch.

In training mode the mean and variance are those of the examples of all
ranks together, exactly: per channel, the ranks' sums and counts are
all-reduced (one message), then the sums of squared deviations from the
global mean (a second message; two passes, so the variance has no
cancellation error). The computation is written with differentiable rechain
functions and :func:`rechain.distributed.functions.allreduce`, whose
backward all-reduces again: the gradient of each rank's input is that of the
sum of all ranks' losses, the same as single-process batch normalization on
the concatenated batch (of the mean of the losses after the optimizer's
mean), and double backward works. ``gamma`` and ``beta`` get this rank's
part of their gradient; the multi-node optimizer's mean completes it.

Test mode uses the running averages, which every rank updates with the same
global statistics (unbiased variance over the global count), so they stay
equal on all ranks. Under ``F.forget`` replays the statistics are not
communicated again (Note [replays do not communicate] in
``rechain.distributed.functions``), so each rank may plan its own
recomputation. One constraint remains: a chain planned for a budget
(``ChainList.forget(budget=...)``) is measured at its first call by running
its blocks, and these forward passes do communicate, so either every rank
plans for a budget (each its own) or none does (fixed plans, segments and
``F.forget`` may differ freely). The measuring passes also update the
running statistics, as they do in one process.
"""

import numpy

from rechain import configuration
from rechain import variable
from rechain.distributed import functions as dfunctions
from rechain.links.normalization import batch_normalization as _bn


class MultiNodeBatchNormalization(_bn.BatchNormalization):
    """``L.BatchNormalization`` with statistics over the batches of all ranks.

    Args:
        size: Shape (or length) of the normalised channels, as BatchNormalization.
        comm: A communicator of :func:`rechain.distributed.create_communicator`.
        decay, eps, dtype, use_gamma, use_beta, initial_gamma, initial_beta,
            axis, initial_avg_mean, initial_avg_var: As ``L.BatchNormalization``.
        communication_backend (str): ChainerMN's choice between MPI and NCCL;
            ``'auto'`` and ``'mpi'`` are accepted (MPI is what there is).

    Example:
        >>> bn = chainermn.links.MultiNodeBatchNormalization(64, comm)
    """

    def __init__(self, size, comm, decay=0.9, eps=2e-5, dtype=None, use_gamma=True,
                 use_beta=True, initial_gamma=None, initial_beta=None,
                 communication_backend="auto", axis=None, initial_avg_mean=None,
                 initial_avg_var=None):
        if communication_backend not in ("auto", "mpi"):
            raise ValueError(f"MultiNodeBatchNormalization: communication_backend must be "
                             f"'auto' or 'mpi' (no NCCL here), got {communication_backend!r}")
        super().__init__(size, decay=decay, eps=eps, dtype=dtype, use_gamma=use_gamma,
                         use_beta=use_beta, initial_gamma=initial_gamma,
                         initial_beta=initial_beta, axis=axis,
                         initial_avg_mean=initial_avg_mean, initial_avg_var=initial_avg_var)
        self.comm = comm
        self._cache = dfunctions.new_cache()

    def _normalize(self, x, gamma, beta, eps, axis, running_mean=None, running_var=None,
                   decay=None):
        from rechain import functions as F
        x = variable.as_variable(x)
        axis = tuple(a % x.ndim for a in axis)
        kept = tuple(1 if i in axis else n for i, n in enumerate(x.shape))
        pshape = tuple(n for i, n in enumerate(x.shape) if i not in axis)
        compute = numpy.float32 if x.dtype == numpy.float16 else x.dtype
        xc = F.cast(x, compute) if x.dtype != compute else x
        count = 1
        for a in axis:
            count *= x.shape[a]
        xp = self.xp
        # One message: the per-channel sums and this rank's count.
        local = F.concat((F.reshape(F.sum(xc, axis=axis), (-1,)),
                          xp.full((1,), count, dtype=compute)), axis=0)
        total = dfunctions.allreduce(self.comm, local, cache=self._cache)
        m = float(total.array[-1])
        mean = F.reshape(total[:-1], kept) * (1.0 / m)
        d = xc - F.broadcast_to(mean, x.shape)
        # Second message: sums of squared deviations from the global mean.
        ss = dfunctions.allreduce(self.comm, F.reshape(F.sum(d * d, axis=axis), (-1,)),
                                  cache=self._cache)
        var = F.reshape(ss, kept) * (1.0 / m)
        inv_std = (var + eps) ** -0.5
        xhat = d * F.broadcast_to(inv_std, x.shape)
        g = F.broadcast_to(F.reshape(F.cast(gamma, compute), kept), x.shape)
        b = F.broadcast_to(F.reshape(F.cast(beta, compute), kept), x.shape)
        y = xhat * g + b
        if y.dtype != x.dtype:
            y = F.cast(y, x.dtype)
        if running_mean is not None and not configuration.config.in_recomputing:
            unbias = m / max(m - 1.0, 1.0)
            rm = mean.array.reshape(pshape).astype(running_mean.dtype)
            rv = (var.array.reshape(pshape) * unbias).astype(running_var.dtype)
            running_mean *= decay
            running_mean += (1 - decay) * rm
            running_var *= decay
            running_var += (1 - decay) * rv
        return y


def create_mnbn_model(link, comm, communication_backend="auto"):
    """A copy of ``link`` whose ``L.BatchNormalization`` links are
    :class:`MultiNodeBatchNormalization` (ChainerMN's helper).

    Parameters, running statistics and settings are carried over; other
    links are deep copies. Subclasses of BatchNormalization that fuse more
    work (``L.BatchNormalizationReLU``) are left as they are.
    """
    import copy

    from rechain.links import link as _link

    def convert(x):
        if type(x) is _bn.BatchNormalization:
            if x.avg_mean is None:
                raise ValueError(f"create_mnbn_model: {_link._link_label(x)} is not "
                                 f"initialised yet (run one forward pass first)")
            m = MultiNodeBatchNormalization(
                x.avg_mean.shape, comm, decay=x.decay, eps=x.eps, dtype=x.avg_mean.dtype,
                use_gamma=x.use_gamma, use_beta=x.use_beta,
                communication_backend=communication_backend, axis=x.axis)
            for name in ("gamma", "beta"):
                if hasattr(x, name):
                    getattr(m, name).array[...] = getattr(x, name).array
            m.avg_mean[...] = x.avg_mean
            m.avg_var[...] = x.avg_var
            m.N = x.N
            m.name = x.name
            return m
        if isinstance(x, _link.Sequential):
            layers = [convert(la) if isinstance(la, _link.Link) else la for la in x._layers]
            x._layers[:] = layers
            x._sync()
        elif isinstance(x, _link.ChainList):
            x._children[:] = [convert(c) for c in x._children]
            x._rename()
        elif isinstance(x, _link.Chain):
            for name in sorted(x._children):
                child = x.__dict__[name]
                new = convert(child)
                if new is not child:
                    with x.init_scope():
                        setattr(x, name, new)
        return x

    return convert(copy.deepcopy(link))
