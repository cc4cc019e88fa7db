"""Bilinear up- and downsampling filters (``UpsamplingDeconvFilter``, ``DownsamplingConvFilter``).

The weights that make a strided (de)convolution a bilinear resampling, as used
to initialise the upsampling layers of fully convolutional networks (Long et
al., 2015, https://arxiv.org/abs/1411.4038). For a kernel of size ``k`` the
profile along each axis is ``1 - |i - c| / f`` with ``f = (k + 1) // 2`` and
``c`` the kernel's center (``f - 1`` for odd ``k``, ``f - 0.5`` for even);
the filter is the outer product of the profiles over the spatial axes.
Channel ``i`` maps to channel ``i`` only. The matching stride is ``f``.
"""

import numpy

from rechain import backend
from rechain.initializers import base


def linear_filter(size, ndim, normalize=False):
    """The ``ndim``-d bilinear kernel of ``size`` per axis (sum 1 with ``normalize``).

    Example:
        >>> linear_filter(4, 1)
        array([0.25, 0.75, 0.75, 0.25])
    """
    factor = (size + 1) // 2
    center = factor - 1.0 if size % 2 == 1 else factor - 0.5
    profile = 1.0 - numpy.abs(numpy.arange(size) - center) / factor
    kernel = profile
    for _ in range(ndim - 1):
        kernel = numpy.multiply.outer(kernel, profile)
    if normalize:
        kernel = kernel / kernel.sum()
    return kernel


class _SamplingFilter(base.Initializer):

    _normalize = False

    def __init__(self, interpolation="linear", dtype=None):
        if interpolation != "linear":
            raise ValueError(f"{type(self).__name__}: interpolation must be 'linear' (the only "
                             f"one there is), got {interpolation!r}")
        super().__init__(dtype)
        self.interpolation = interpolation

    def __call__(self, array):
        name = type(self).__name__
        base.check_float(name, array)
        if self.dtype is not None and array.dtype != self.dtype:
            raise ValueError(f"{name}: the array has dtype {array.dtype} but the initializer "
                             f"was made for {self.dtype}")
        shape = array.shape
        if len(shape) < 3:
            raise ValueError(f"{name}: needs a filter of at least 3 dimensions (channels, "
                             f"channels, kernel...), got shape {shape}")
        first, second = shape[:2]
        if second != 1 and first != second:
            raise ValueError(f"{name}: the two channel axes must be equal, or the second 1, got "
                             f"shape {shape}")
        kernel = shape[2:]
        if any(k != kernel[0] for k in kernel):
            raise ValueError(f"{name}: the kernel must have one size on every axis, got "
                             f"shape {shape}")
        xp = backend.get_array_module(array)
        filt = xp.asarray(linear_filter(kernel[0], len(kernel), self._normalize))
        channels = xp.arange(first)
        array[...] = 0
        array[channels, channels if second != 1 else 0] = filt


class UpsamplingDeconvFilter(_SamplingFilter):
    """Bilinear upsampling weights for a deconvolution (``L.DeconvolutionND``/``2D``).

    Fills ``W[i, i]`` (or ``W[i, 0]`` when the second axis is 1) with the
    bilinear kernel, whose values sum to ``f ** ndim`` (see the module note),
    and zeros elsewhere; use it with ``stride = (ksize + 1) // 2``.

    Args:
        interpolation (str): ``'linear'``.
        dtype: dtype of generated arrays.

    Example:
        >>> W = initializers.generate_array(UpsamplingDeconvFilter(), (3, 3, 4, 4), numpy)
        >>> float(W[0, 0].sum()), float(W[0, 1].sum())
        (4.0, 0.0)
    """


class DownsamplingConvFilter(_SamplingFilter):
    """Bilinear downsampling weights for a convolution (``L.ConvolutionND``/``2D``).

    As :class:`UpsamplingDeconvFilter`, with the kernel normalised to sum 1;
    use it with ``stride = (ksize + 1) // 2``.

    Args:
        interpolation (str): ``'linear'``.
        dtype: dtype of generated arrays.
    """

    _normalize = True
