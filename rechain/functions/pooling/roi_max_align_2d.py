"""roi_max_align_2d: RoI align taking the largest sampled value per bin.

The sampling points of :func:`roi_average_align_2d`; per channel the largest
interpolated value (the first on ties, ``-inf`` for a bin with no point
inside the image), and the gradient goes to the four neighbours of that
point. The nodes are :mod:`_roi`'s.
"""

from rechain.functions.pooling import _roi


def roi_max_align_2d(x, rois, roi_indices, outsize, spatial_scale, sampling_ratio=None):
    """RoI align: the maximum of sampled, interpolated values per bin.

    Args:
        x (Variable or ndarray): Images ``(N, C, H, W)``.
        rois (ndarray): ``(R, 4)`` rows ``y_min, x_min, y_max, x_max``.
        roi_indices (ndarray): ``(R,)`` integer image index of each region.
        outsize (int or pair): Output bins ``(outh, outw)``.
        spatial_scale (float): Scale from region coordinates to x's pixels.
        sampling_ratio (int, pair or None): Sampling points per bin along each
            axis; None takes ``ceil(region extent / outsize)``.

    Returns:
        Variable: ``(R, C, outh, outw)``.

    Example:
        >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
        >>> F.roi_max_align_2d(x, np.array([[0, 0, 4, 4]], np.float32),
        ...                    np.array([0], np.int32), 2, 1.0).array
        array([[[[ 7.5,  9. ],
                 [13.5, 15. ]]]], dtype=float32)
    """
    fname = "roi_max_align_2d"
    outsize = _roi.outsize_pair(fname, outsize)
    scale = _roi.check_scale(fname, spatial_scale)
    ratio = _roi.sampling_pair(fname, sampling_ratio)
    rois, batch = _roi.check_inputs(fname, x, rois, roi_indices, 4)
    g, _ = _roi.align_geometry(batch, rois, scale, ratio, x.shape, outsize)
    return _roi.RoiMax(g, -float("inf"), "ROIMaxAlign2D").apply((x,))[0]
