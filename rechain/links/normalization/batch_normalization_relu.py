"""BatchNormalizationReLU: the batch-normalization layer followed by ReLU, as one node."""

from rechain.links.normalization import batch_normalization as _bn


class BatchNormalizationReLU(_bn.BatchNormalization):
    """``relu(BatchNormalization(...)(x))`` keeping less for backward.

    In training mode it calls :func:`rechain.functions.batch_normalization_relu`
    (one node that keeps ``x`` but not its output, with the output and
    gradients of the plain pair bit for bit; see Note [lean blocks] in
    :mod:`rechain.functions.normalization.batch_normalization_relu`), in test
    mode ``relu(fixed_batch_normalization(...))``. Everything else is
    :class:`rechain.links.BatchNormalization`'s: arguments, running
    statistics (updated once per forward pass, not under
    ``config.in_recomputing``), ``finetune``.

    It is a subclass rather than an option of ``BatchNormalization`` because it
    computes something else (``relu`` included): the call site says so, while
    the parameters, persistent values and npz keys (``gamma``, ``beta``,
    ``avg_mean``, ``avg_var``, ``N``) stay those of ``BatchNormalization``.
    A snapshot of a plain ``bn`` + ``F.relu`` model loads into the lean
    model and back, and code that looks for ``BatchNormalization`` layers
    (``isinstance``) still finds it.

    Example:
        >>> bn = L.BatchNormalizationReLU(3)
        >>> float(bn(numpy.random.rand(4, 3).astype(numpy.float32)).array.min())
        0.0
    """

    def _normalize(self, x, gamma, beta, **kwargs):
        from rechain.functions.normalization.batch_normalization_relu import (
            batch_normalization_relu)
        return batch_normalization_relu(x, gamma, beta, **kwargs)

    def _normalize_fixed(self, x, gamma, beta, mean, var, **kwargs):
        from rechain.functions.activation.relu import relu
        return relu(super()._normalize_fixed(x, gamma, beta, mean, var, **kwargs))
