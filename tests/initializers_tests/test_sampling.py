"""UpsamplingDeconvFilter / DownsamplingConvFilter: bilinear resampling weights."""

import numpy
import pytest

import rechain.functions as F
from rechain import initializers
from rechain.initializers import sampling


@pytest.mark.parametrize("target", [initializers.UpsamplingDeconvFilter,
                                    initializers.DownsamplingConvFilter])
@pytest.mark.parametrize("shape", [(5, 5, 3, 3), (5, 5, 6, 6), (5, 1, 3, 3), (5, 1, 4, 4),
                                   (2, 2, 4), (2, 2, 3, 3, 3)])
@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_sums_shape_dtype(target, shape, dtype):
    w = initializers.generate_array(target(dtype=dtype), shape, numpy)
    assert w.shape == shape and w.dtype == dtype
    factor = (numpy.array(shape[2:]) + 1) // 2
    per_channel = factor.prod() if target is initializers.UpsamplingDeconvFilter else 1.0
    numpy.testing.assert_allclose(w.astype(numpy.float64).sum(), per_channel * shape[0],
                                  rtol=1e-3)
    # Only channel i -> i (or i -> 0) is non-zero.
    for i in range(shape[0]):
        for j in range(shape[1]):
            on = (j == i) or shape[1] == 1
            assert bool(w[i, j].any()) == on


def test_kernel_values():
    numpy.testing.assert_allclose(sampling.linear_filter(4, 1), [0.25, 0.75, 0.75, 0.25])
    numpy.testing.assert_allclose(sampling.linear_filter(3, 1), [0.5, 1.0, 0.5])
    numpy.testing.assert_allclose(sampling.linear_filter(3, 2),
                                  numpy.outer([0.5, 1, 0.5], [0.5, 1, 0.5]))
    numpy.testing.assert_allclose(sampling.linear_filter(3, 1, normalize=True),
                                  [0.25, 0.5, 0.25])
    w = initializers.generate_array(initializers.UpsamplingDeconvFilter(), (2, 2, 4, 4), numpy)
    numpy.testing.assert_allclose(w[1, 1], numpy.outer([.25, .75, .75, .25], [.25, .75, .75, .25]))


def test_deconvolution_with_it_upsamples_bilinearly():
    # A constant image stays constant away from the border when upsampled by 2.
    w = initializers.generate_array(initializers.UpsamplingDeconvFilter(), (1, 1, 4, 4), numpy)
    x = numpy.ones((1, 1, 5, 5), numpy.float32)
    y = F.deconvolution_2d(x, w.astype(numpy.float32), stride=2, pad=1).array
    assert y.shape == (1, 1, 10, 10)
    numpy.testing.assert_allclose(y[0, 0, 1:-1, 1:-1], 1.0, rtol=1e-6)
    # A ramp is interpolated linearly in between.
    ramp = numpy.arange(5, dtype=numpy.float32)[None, None, None, :].repeat(5, axis=2)
    y = F.deconvolution_2d(ramp, w.astype(numpy.float32), stride=2, pad=1).array[0, 0, 4]
    numpy.testing.assert_allclose(numpy.diff(y[1:-1]), 0.5, rtol=1e-6)
    # Downsampling a constant keeps it.
    d = initializers.generate_array(initializers.DownsamplingConvFilter(), (1, 1, 4, 4), numpy)
    z = F.convolution_2d(numpy.full((1, 1, 8, 8), 3, numpy.float32), d.astype(numpy.float32),
                         stride=2, pad=1).array
    numpy.testing.assert_allclose(z[0, 0, 1:-1, 1:-1], 3.0, rtol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="interpolation must be 'linear'.*'cubic'"):
        initializers.UpsamplingDeconvFilter(interpolation="cubic")
    init = initializers.DownsamplingConvFilter()
    with pytest.raises(ValueError, match=r"channel axes must be equal.*\(3, 2, 3, 3\)"):
        init(numpy.empty((3, 2, 3, 3), numpy.float32))
    with pytest.raises(ValueError, match=r"one size on every axis.*\(2, 2, 3, 4\)"):
        init(numpy.empty((2, 2, 3, 4), numpy.float32))
    with pytest.raises(ValueError, match=r"at least 3 dimensions.*\(2, 2\)"):
        init(numpy.empty((2, 2), numpy.float32))
    with pytest.raises(ValueError, match="dtype float32 but the initializer was made for float64"):
        initializers.UpsamplingDeconvFilter(dtype=numpy.float64)(
            numpy.empty((1, 1, 2, 2), numpy.float32))
    with pytest.raises(TypeError, match="floating-point"):
        init(numpy.empty((1, 1, 2, 2), numpy.int32))
