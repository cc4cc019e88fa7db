"""upsampling_2d: put each value back where max pooling found its maximum.

With the indexes that ``max_pooling_2d(..., return_indices=True)`` returns,
each input element goes to its window's indexed position of a zero image
(adding where windows overlap): exactly max pooling's gradient, so the node
is :class:`~rechain.functions.pooling._pool_nd.MaxPoolingNDGrad`; its
gradient gathers the values at those positions. Only the indexes are kept.
"""

from rechain import backend
from rechain import variable
from rechain.functions.connection._conv_util import ntuple
from rechain.functions.pooling._pool_nd import MaxPoolingNDGrad, PoolParamsND
from rechain.utils import type_check


def upsampling_2d(x, indexes, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """Upsampling of ``(N, C, H, W)`` inputs with max-pooling indexes.

    Args:
        x (Variable or ndarray): Input ``(N, C, h, w)``, e.g. a pooled image.
        indexes (ndarray): Integer array of ``x``'s shape: the position inside
            each window (``i * kw + j``) from :func:`max_pooling_2d`.
        ksize, stride, pad, cover_all: Those of the pooling.
        outsize (pair of ints or None): Output size ``(H, W)``; by default the
            transposed-convolution size. It must pool back to ``(h, w)``.

    Returns:
        Variable: ``(N, C, H, W)``, zero but at the indexed positions.

    Example:
        >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
        >>> y, idx = F.max_pooling_2d(x, 2, return_indices=True)
        >>> F.upsampling_2d(y, idx, 2, outsize=(4, 4)).array[0, 0]
        array([[ 0.,  0.,  0.,  0.],
               [ 0.,  5.,  0.,  7.],
               [ 0.,  0.,  0.,  0.],
               [ 0., 13.,  0., 15.]], dtype=float32)
    """
    fname = "upsampling_2d"
    p = PoolParamsND(fname, 2, ksize, stride, pad, cover_all)
    p.check_params()
    indexes = variable.as_array(indexes)
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
        if x.ndim != 4:
            raise type_check.InvalidType(f"{fname}: x must be 4-d (N, C, H, W), got shape "
                                         f"{tuple(x.shape)}")
        type_check.expect_kind(fname, "indexes", indexes, "iu", "an integer")
        if tuple(indexes.shape) != tuple(x.shape):
            raise type_check.InvalidType(f"{fname}: indexes of shape {tuple(indexes.shape)} "
                                         f"must have x's shape {tuple(x.shape)}")
        k = p.ksize[0] * p.ksize[1]
        if indexes.size and (int(indexes.min()) < 0 or int(indexes.max()) >= k):
            raise ValueError(f"{fname}: indexes must lie in [0, {k}) for ksize {p.ksize}, "
                             f"got [{int(indexes.min())}, {int(indexes.max())}]")
    if outsize is None:
        outsize = p.insize(x.shape[2:])
    else:
        outsize = ntuple(outsize, 2, fname, "outsize")
        if p.outsize(outsize) != tuple(x.shape[2:]):
            raise type_check.InvalidType(
                f"{fname}: outsize {outsize} pools back to {p.outsize(outsize)}, not to x's "
                f"spatial size {tuple(x.shape[2:])} (ksize {p.ksize}, stride {p.stride}, "
                f"pad {p.pad}, cover_all={p.cover_all})")
    xp = backend.get_array_module(indexes)
    indexes = indexes.astype(xp.int32, copy=False)
    return MaxPoolingNDGrad(p, outsize).apply((x, indexes))[0]
