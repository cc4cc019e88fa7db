"""resize_images: bilinear or nearest-neighbour resizing of NCHW images.

Both interpolations are separable: ``y = Mh @ x @ Mw.T`` with constant
interpolation matrices ``Mh`` (out_H, H) and ``Mw`` (out_W, W) built from
Chainer's sampling positions. The resize is thus two matmuls, differentiable
to every order.
"""

import numpy

from rechain import backend
from rechain import variable
from rechain.functions.array import _util
from rechain.functions.math.matmul import matmul
from rechain.utils import type_check


def _matrix(out_n, n, mode, align_corners, dtype):
    """Rows of interpolation weights: output position -> input positions."""
    i = numpy.arange(out_n, dtype=numpy.float64)
    if mode == "nearest":
        pos = numpy.minimum(numpy.floor(i * (n / out_n)), n - 1)
        frac = numpy.zeros_like(pos)
    else:
        if align_corners:
            pos = numpy.linspace(0, n - 1, num=out_n)
        else:
            pos = numpy.maximum((i + 0.5) * (n / out_n) - 0.5, 0)
        frac, pos = numpy.modf(pos)
    lo = pos.astype(numpy.intp)
    hi = numpy.minimum(lo + 1, n - 1)
    m = numpy.zeros((out_n, n))
    rows = numpy.arange(out_n)
    numpy.add.at(m, (rows, lo), 1 - frac)
    numpy.add.at(m, (rows, hi), frac)
    return m.astype(dtype)


def resize_images(x, output_shape, *, mode="bilinear", align_corners=True):
    """Resize ``(N, C, H, W)`` images to ``(N, C, out_H, out_W)``.

    Args:
        x (Variable or ndarray): 4-d float input.
        output_shape (pair of int): ``(out_H, out_W)`` (height first, unlike OpenCV).
        mode (str): ``'bilinear'`` or ``'nearest'``.
        align_corners (bool): Bilinear only: map the corner pixels onto each
            other (True); False samples at pixel centres, as OpenCV.

    Returns:
        Variable: The resized images.

    Example:
        >>> F.resize_images(np.array([[[[0., 1.]]]], np.float32), (1, 3)).array
        array([[[[0. , 0.5, 1. ]]]], dtype=float32)
    """
    f = "resize_images"
    _util.check_input(f, x)
    type_check.expect_float(f, "x", x)
    type_check.expect_ndim(f, "x", x, 4)
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"{f}: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if (not isinstance(output_shape, (tuple, list)) or len(output_shape) != 2
            or not all(_util.is_int(s) and s > 0 for s in output_shape)):
        raise ValueError(f"{f}: output_shape must be a pair of positive ints (out_H, out_W), "
                         f"got {output_shape!r}")
    xp = backend.get_array_module(variable.as_array(x))
    h, w = x.shape[2:]
    oh, ow = (int(s) for s in output_shape)
    mh = xp.asarray(_matrix(oh, h, mode, align_corners, x.dtype))
    mw = xp.asarray(_matrix(ow, w, mode, align_corners, x.dtype))
    return matmul(matmul(mh, x), mw, transb=True)
