"""depthwise_convolution_2d: each input channel convolved with its own filters.

A grouped convolution with one group per input channel: ``W`` of shape
``(multiplier, C, kh, kw)`` is rearranged to ``(C * multiplier, 1, kh, kw)``
(output channel ``c * multiplier + m`` is input channel ``c`` filtered by
``W[m, c]``) and handed to :func:`convolution_2d` with ``groups=C``; the
rearrangement is differentiable, so gradients of every order come from the
convolution's nodes.
"""

from rechain.functions.array.reshape import reshape
from rechain.functions.array.transpose import transpose
from rechain.functions.connection._conv_util import call_as
from rechain.functions.connection.convolution_2d import convolution_2d
from rechain.utils import type_check


def depthwise_convolution_2d(x, W, b=None, stride=1, pad=0):
    """Two-dimensional depthwise convolution of NCHW images.

    ``y[n, c * M + m] = conv(x[n, c], W[m, c]) + b[c * M + m]`` for the channel
    multiplier ``M = W.shape[0]``.

    Args:
        x (Variable or ndarray): Input ``(N, C, H, W)``.
        W (Variable or ndarray): Filters ``(M, C, kh, kw)``.
        b (Variable, ndarray or None): Bias ``(C * M,)``.
        stride (int or pair): Stride.
        pad (int or pair): Zero padding.

    Returns:
        Variable: ``(N, C * M, out_h, out_w)``.

    Example:
        >>> F.depthwise_convolution_2d(np.ones((2, 3, 4, 7)), np.ones((2, 3, 3, 3)),
        ...                            np.zeros(6)).shape
        (2, 6, 2, 5)
    """
    fname = "depthwise_convolution_2d"
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
        type_check.expect_float(fname, "W", W)
        if x.ndim != 4:
            raise type_check.InvalidType(f"{fname}: x must be 4-d (N, C, H, W), got shape "
                                         f"{tuple(x.shape)}")
        if W.ndim != 4:
            raise type_check.InvalidType(f"{fname}: W must be 4-d (multiplier, C, kh, kw), "
                                         f"got shape {tuple(W.shape)}")
        if W.shape[1] != x.shape[1]:
            raise type_check.InvalidType(
                f"{fname}: W {tuple(W.shape)} has {W.shape[1]} input channels (axis 1), but "
                f"x {tuple(x.shape)} has {x.shape[1]}")
        if b is not None and tuple(b.shape) != (W.shape[0] * W.shape[1],):
            raise type_check.InvalidType(
                f"{fname}: b must have shape ({W.shape[0] * W.shape[1]},) (multiplier * C "
                f"for W {tuple(W.shape)}), got {tuple(b.shape)}")
    m, c, kh, kw = W.shape
    Wg = reshape(transpose(W, (1, 0, 2, 3)), (c * m, 1, kh, kw))
    return call_as(fname, "convolution_2d", convolution_2d, x, Wg, b, stride, pad, groups=c)
