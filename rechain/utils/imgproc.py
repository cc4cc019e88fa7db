"""Image helpers of the pretrained vision models (``chainer.utils.imgproc``)."""

import numpy


def oversample(images, crop_dims):
    """Cut ten crops out of every image: four corners, the center, and their mirrors.

    Args:
        images (sequence of arrays): Images of one shape ``(C, H, W)`` (a
            4-d array works too).
        crop_dims (pair of ints): ``(h, w)`` of a crop, at most ``(H, W)``.

    Returns:
        numpy.ndarray: ``(10 * len(images), C, h, w)``, image by image: for
        each image the crops at the top-left, top-right, bottom-left and
        bottom-right corners and the center, then the same five flipped left
        to right.

    Example:
        >>> oversample(numpy.zeros((2, 3, 8, 8), numpy.float32), (4, 4)).shape
        (20, 3, 4, 4)
    """
    if len(images) == 0:
        raise ValueError("oversample: images is empty")
    first = images[0]
    if getattr(first, "ndim", None) != 3:
        raise ValueError(f"oversample: each image must be (C, H, W), got shape "
                         f"{getattr(first, 'shape', None)}")
    channels, height, width = first.shape
    crop_h, crop_w = (int(v) for v in crop_dims)
    if not (0 < crop_h <= height and 0 < crop_w <= width):
        raise ValueError(f"oversample: crop_dims {tuple(crop_dims)} does not fit in images "
                         f"of size {(height, width)}")
    top = int(height / 2.0 - crop_h / 2.0)
    left = int(width / 2.0 - crop_w / 2.0)
    corners = [(0, 0), (0, width - crop_w), (height - crop_h, 0),
               (height - crop_h, width - crop_w), (top, left)]
    out = numpy.empty((10 * len(images), channels, crop_h, crop_w), dtype=first.dtype)
    for i, image in enumerate(images):
        if image.shape != first.shape:
            raise ValueError(f"oversample: image {i} has shape {image.shape}, the first "
                             f"{first.shape}; all must have one shape")
        base = 10 * i
        for j, (y, x) in enumerate(corners):
            out[base + j] = image[:, y:y + crop_h, x:x + crop_w]
        out[base + 5:base + 10] = out[base:base + 5, :, :, ::-1]
    return out
