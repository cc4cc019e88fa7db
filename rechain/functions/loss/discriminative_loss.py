"""discriminative_margin_based_clustering_loss (De Brabandere et al., 2017).

Pixel embeddings of one instance are pulled to their mean (variance term),
the means of different instances pushed apart (distance term), and the means
kept small (regularisation). Chainer's definitions are kept, quirks
included: instance ``c + 1`` for ``c`` in ``range(max_embedding_dim)``, the
regularisation norm taken over all images at once, and absent instances
having mean 0. The per-instance sums are matmuls with one-hot masks instead
of Chainer's ``(K, N, K, H, W)`` broadcast, and the L2 norm is taken as at
least 1e-15 so that its gradient is finite at 0 (Chainer's is NaN there).
"""

import numpy

from rechain import backend
from rechain import variable
from rechain.functions.activation.relu import relu
from rechain.functions.array.reshape import reshape
from rechain.functions.array.transpose import transpose
from rechain.functions.math.basic_math import absolute
from rechain.functions.math.matmul import matmul
from rechain.functions.math.minmax import maximum
from rechain.functions.math.sqrt import sqrt
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def _norm(kind, x, axis):
    if kind == 1:
        return _sum(absolute(x), axis=axis)
    sq = _sum(x * x, axis=axis)
    xp = backend.get_array_module(sq.array)
    return sqrt(maximum(sq, xp.full(sq.shape, 1e-30, dtype=sq.dtype)))


def discriminative_margin_based_clustering_loss(embeddings, labels, delta_v, delta_d,
                                                max_embedding_dim, norm=1, alpha=1.0,
                                                beta=1.0, gamma=0.001):
    """The three terms of the discriminative loss of instance embeddings.

    Args:
        embeddings (Variable or ndarray): ``(N, K, H, W)`` float, ``K = max_embedding_dim``.
        labels (ndarray): ``(N, H, W)`` integer instance ids; ``1 .. K`` are
            instances, anything else (0: background) belongs to none.
        delta_v (float): Distance below which a pixel is not pulled.
        delta_d (float): Half the distance beyond which means are not pushed.
        max_embedding_dim (int): K, the number of instances and of embedding channels.
        norm (int): 1 or 2, the norm of distances.
        alpha, beta, gamma (float): Weights of the three terms.

    Returns:
        tuple of Variable: ``(alpha * variance, beta * distance, gamma * regularisation)``,
        each 0-d.

    Example:
        >>> e = np.zeros((1, 2, 2, 2), np.float32)
        >>> lab = np.array([[[1, 1], [2, 2]]])
        >>> [float(v.array) for v in F.discriminative_margin_based_clustering_loss(
        ...     e, lab, 0.5, 1.5, 2)]
        [0.0, 9.0, 0.0]
    """
    f = "discriminative_margin_based_clustering_loss"
    if not isinstance(max_embedding_dim, (int, numpy.integer)) or max_embedding_dim <= 0:
        raise ValueError(f"{f}: max_embedding_dim must be a positive int, got "
                         f"{max_embedding_dim!r}")
    if norm not in (1, 2):
        raise ValueError(f"{f}: norm must be 1 or 2, got {norm!r}")
    if type_check.enabled():
        type_check.expect_float(f, "embeddings", embeddings)
        type_check.expect_ndim(f, "embeddings", embeddings, 4)
        type_check.expect_kind(f, "labels", labels, "iu", "an integer")
        if embeddings.shape[1] != max_embedding_dim:
            raise type_check.InvalidType(
                f"{f}: embeddings must have max_embedding_dim = {max_embedding_dim} channels, "
                f"got shape {tuple(embeddings.shape)}")
        n, _, h, w = embeddings.shape
        if tuple(labels.shape) != (n, h, w):
            raise type_check.InvalidType(f"{f}: labels must have shape {(n, h, w)} for "
                                         f"embeddings of shape {tuple(embeddings.shape)}, got "
                                         f"{tuple(labels.shape)}")
    k = int(max_embedding_dim)
    n, _, h, w = embeddings.shape
    lab = variable.as_array(labels)
    xp = backend.get_array_module(lab)
    dtype = embeddings.dtype
    onehot = (lab.reshape(n, 1, h * w) == xp.arange(1, k + 1).reshape(1, k, 1)).astype(dtype)
    counts = onehot.sum(axis=2)                                  # (N, K) pixels per instance
    e = reshape(embeddings, (n, k, h * w))                       # (N, E, P)
    means = matmul(onehot, e, transb=True) * (1 / xp.maximum(counts, 1))[:, :, None]
    # regularisation: per instance, the norm over all images and channels
    l_reg = _sum(_norm(norm, transpose(means, (1, 0, 2)), (1, 2))) * (1.0 / (k * n))
    # variance: each member pixel's distance to its instance's mean
    centre = matmul(means, onehot, transa=True)                  # (N, E, P)
    member = onehot.sum(axis=1, keepdims=True)                   # (N, 1, P)
    dist = _norm(norm, (e - centre) * member, 1)                 # (N, P)
    pull = relu(dist - delta_v)
    pull = pull * pull
    per_instance = _sum(matmul(onehot, reshape(pull, (n, h * w, 1))), axis=(0, 2))  # (K,)
    total = xp.maximum(counts.sum(axis=0), 1)
    l_var = _sum(per_instance * (1 / total)) * (1.0 / k)
    # distance: every pair of instance means, image by image
    pairs = [(a, b) for a in range(k) for b in range(a + 1, k)]
    if pairs:
        ia = xp.asarray([a for a, _ in pairs])
        ib = xp.asarray([b for _, b in pairs])
        gap = _norm(norm, means[:, ia] - means[:, ib], 2)      # (N, pairs)
        push = relu(2 * delta_d - gap)
        l_dist = _sum(push * push) * (1.0 / (len(pairs) * n))
    else:
        l_dist = _sum(means) * 0.0
    return alpha * l_var, beta * l_dist, gamma * l_reg
