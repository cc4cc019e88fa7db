"""roi_average_pooling_2d: average pooling of regions of interest.

The bins of :func:`roi_max_pooling_2d`, each averaged (0 for a bin outside
the image). Linear in x; the nodes are :mod:`_roi`'s.
"""

import numpy

from rechain.functions.pooling import _roi


def roi_average_pooling_2d(x, rois, roi_indices, outsize, spatial_scale):
    """Average pooling of each region into a fixed grid.

    Args:
        x (Variable or ndarray): Images ``(N, C, H, W)``.
        rois (ndarray): ``(R, 4)`` rows ``y_min, x_min, y_max, x_max``.
        roi_indices (ndarray): ``(R,)`` integer image index of each region.
        outsize (int or pair): Output bins ``(outh, outw)``.
        spatial_scale (float): Scale from region coordinates to x's pixels.

    Returns:
        Variable: ``(R, C, outh, outw)``.

    Example:
        >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
        >>> F.roi_average_pooling_2d(x, np.array([[0, 0, 4, 4]], np.float32),
        ...                          np.array([0], np.int32), 2, 1.0).array
        array([[[[ 2.5,  4.5],
                 [10.5, 12.5]]]], dtype=float32)
    """
    fname = "roi_average_pooling_2d"
    outsize = _roi.outsize_pair(fname, outsize)
    scale = _roi.check_scale(fname, spatial_scale)
    rois, batch = _roi.check_inputs(fname, x, rois, roi_indices, 4)
    c = rois * rois.dtype.type(scale)
    g = _roi.quantized_geometry(batch, c[:, 0], c[:, 1], c[:, 2], c[:, 3], False, x.shape,
                                outsize)
    count = g.valid.sum(axis=-1).astype(numpy.float64)
    return _roi.RoiAverage(g, 1.0 / numpy.maximum(count, 1), "ROIAveragePooling2D").apply(
        (x,))[0]
