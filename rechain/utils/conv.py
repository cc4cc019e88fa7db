"""Output sizes of convolutions along one axis (``chainer.utils.conv``)."""


def _dilated(k, d):
    return (k - 1) * d + 1


def get_conv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a convolution or pooling of input length ``size``.

    ``k`` kernel, ``s`` stride, ``p`` padding, ``d`` dilation. With
    ``cover_all`` a last, partial window is added so every input is covered.
    """
    dk = _dilated(k, d)
    if cover_all:
        return (size + 2 * p - dk + s - 1) // s + 1
    return (size + 2 * p - dk) // s + 1


def get_deconv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of the transposed convolution (the inverse of the above)."""
    dk = _dilated(k, d)
    if cover_all:
        return s * (size - 1) + dk - s + 1 - 2 * p
    return s * (size - 1) + dk - 2 * p
