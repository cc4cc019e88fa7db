"""roi_pooling_2d: max pooling of regions of interest (Fast R-CNN, Girshick 2015).

Regions are ``(batch index, x_min, y_min, x_max, y_max)`` rows; each is
rounded to pixels and split into ``outh x outw`` bins whose maximum is taken
per channel (0 for a bin outside the image). The nodes are :mod:`_roi`'s.
"""

from rechain.functions.pooling import _roi


def roi_pooling_2d(x, rois, outh, outw, spatial_scale):
    """Max pooling of each region into a fixed ``(outh, outw)`` grid.

    Args:
        x (Variable or ndarray): Images ``(N, C, H, W)``.
        rois (ndarray): ``(R, 5)``: image index, then ``x_min, y_min, x_max,
            y_max`` in input coordinates (scaled by ``spatial_scale``),
            inclusive.
        outh, outw (int): Output bins.
        spatial_scale (float): Scale from region coordinates to x's pixels.

    Returns:
        Variable: ``(R, C, outh, outw)``.

    Example:
        >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
        >>> F.roi_pooling_2d(x, np.array([[0, 0, 0, 3, 3]], np.float32), 2, 2, 1.0).array
        array([[[[ 5.,  7.],
                 [13., 15.]]]], dtype=float32)
    """
    fname = "roi_pooling_2d"
    outh, outw = _roi.outsize_pair(fname, (outh, outw))
    scale = _roi.check_scale(fname, spatial_scale)
    rois, _ = _roi.check_inputs(fname, x, rois, None, 5)
    batch = rois[:, 0].astype("int64")
    if batch.size and (batch.min() < 0 or batch.max() >= x.shape[0]):
        raise ValueError(f"{fname}: the image indices rois[:, 0] must lie in [0, "
                         f"{x.shape[0]}), got [{batch.min()}, {batch.max()}]")
    c = rois[:, 1:] * rois.dtype.type(scale)
    g = _roi.quantized_geometry(batch, c[:, 1], c[:, 0], c[:, 3], c[:, 2], True, x.shape,
                                (outh, outw))
    return _roi.RoiMax(g, 0.0, "ROIPooling2D").apply((x,))[0]
