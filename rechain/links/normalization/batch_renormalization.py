"""The batch-renormalization layer (Ioffe 2017)."""

from rechain.links.normalization.batch_normalization import BatchNormalization


class BatchRenormalization(BatchNormalization):
    """Batch renormalization: batch normalization whose batch statistics are
    corrected towards the running ones by ``r`` (at most ``rmax``) and ``d``
    (at most ``dmax``); see :func:`~rechain.functions.batch_renormalization`.

    In training mode the running statistics are updated as by
    :class:`BatchNormalization` (once per forward; a replay of ``F.forget``
    uses the statistics of before the update, Note [renormalization under
    recompute]); in test mode the layer is :func:`fixed_batch_normalization`
    with them.

    Args:
        size (int or tuple): Shape of the parameters.
        rmax (float): Largest correction of the scale (1: none).
        dmax (float): Largest correction of the shift (0: none).
        decay, eps, dtype, use_gamma, use_beta, initial_gamma, initial_beta,
        initial_avg_mean, initial_avg_var: As for :class:`BatchNormalization`.

    Example:
        >>> brn = L.BatchRenormalization(3, rmax=2.0, dmax=1.0)
        >>> brn(numpy.random.rand(4, 3).astype(numpy.float32)).shape
        (4, 3)
    """

    def __init__(self, size, rmax=1, dmax=0, decay=0.9, eps=2e-5, dtype=None, use_gamma=True,
                 use_beta=True, initial_gamma=None, initial_beta=None, initial_avg_mean=None,
                 initial_avg_var=None):
        super().__init__(size, decay=decay, eps=eps, dtype=dtype, use_gamma=use_gamma,
                         use_beta=use_beta, initial_gamma=initial_gamma,
                         initial_beta=initial_beta, initial_avg_mean=initial_avg_mean,
                         initial_avg_var=initial_avg_var)
        self.rmax = rmax
        self.dmax = dmax

    def _normalize(self, x, gamma, beta, eps, axis, running_mean=None, running_var=None,
                   decay=None):
        from rechain.functions.normalization.batch_renormalization import (
            batch_renormalization)
        # The running statistics are read even where the base class passes
        # none (recompute): r and d need them.
        return batch_renormalization(
            x, gamma, beta, self.rmax, self.dmax, eps=eps, running_mean=self.avg_mean,
            running_var=self.avg_var, decay=self.decay if decay is None else decay,
            update_statistics=running_mean is not None)

    def _repr_fields(self):
        return super()._repr_fields() + f", rmax={self.rmax}, dmax={self.dmax}"
