"""The 8x8 handwritten digits shipped with rechain, loaded like MNIST.

The data are the 1,797 images of the test set of the UCI "Optical Recognition
of Handwritten Digits" data (Alpaydin & Kaynak, 1998), as distributed by
scikit-learn. Each image is 8x8 with integer pixels in 0..16. The file
``digits.npz`` beside this module holds ``images`` (uint8, (1797, 8, 8)),
``labels`` (uint8, (1797,)) and ``test_indices`` (the fixed test split);
``DIGITS_LICENSE.txt`` says where it came from and how it was made.

No network access is needed: the file is package data, read through
:mod:`importlib.resources`, so it also loads from an installed wheel.
"""

import functools
import importlib.resources

import numpy

from rechain.datasets import tuple_dataset

_FILE = "digits.npz"
#: Largest pixel value of the raw images.
_MAX_PIXEL = 16


@functools.lru_cache(maxsize=1)
def _load_raw():
    """Read ``digits.npz`` once; returns read-only (images, labels, test_mask)."""
    resource = importlib.resources.files("rechain.datasets").joinpath(_FILE)
    with resource.open("rb") as f, numpy.load(f) as data:
        images = numpy.array(data["images"])
        labels = numpy.array(data["labels"])
        test_indices = numpy.array(data["test_indices"])
    test_mask = numpy.zeros(len(labels), dtype=bool)
    test_mask[test_indices] = True
    for a in (images, labels, test_mask):
        a.flags.writeable = False
    return images, labels, test_mask


def _preprocess(images, labels, withlabel, ndim, scale, dtype, label_dtype, rgb_format):
    if ndim == 1:
        images = images.reshape(-1, 64)
    elif ndim == 2:
        images = images.reshape(-1, 8, 8)
    elif ndim == 3:
        images = images.reshape(-1, 1, 8, 8)
        if rgb_format:
            images = numpy.broadcast_to(images, (len(images), 3, 8, 8))
    out = images.astype(dtype)
    out *= dtype.type(scale / _MAX_PIXEL)
    if withlabel:
        return tuple_dataset.TupleDataset(out, labels.astype(label_dtype))
    return out


def get_digits(withlabel=True, ndim=1, scale=1.0, dtype=None, label_dtype=numpy.int32,
               rgb_format=False):
    """Return the 8x8 digits as ``(train, test)``, shaped like ``get_mnist``.

    The split is fixed: 1,437 training and 360 test examples, the test set
    stratified by class (35 to 37 images of each digit). The same call always
    returns the same examples in the same order.

    Args:
        withlabel (bool): If True, each part is a
            :class:`~rechain.datasets.TupleDataset` of ``(image, label)``
            pairs; otherwise it is just the image array.
        ndim (int): Shape of one image: 1 gives 64 flat features, 2 gives
            ``(8, 8)``, 3 gives ``(1, 8, 8)`` (``(3, 8, 8)`` with
            ``rgb_format``).
        scale (float): Pixels are scaled linearly from 0..16 to
            ``[0, scale]``.
        dtype: Floating dtype of the images; float32 when None.
        label_dtype: Integer dtype of the labels.
        rgb_format (bool): With ``ndim=3``, repeat the gray channel three
            times.

    Returns:
        tuple: ``(train, test)`` datasets (or image arrays when
        ``withlabel`` is False) of 1,437 and 360 examples.

    Raises:
        ValueError: If ``ndim`` is not 1, 2 or 3, or ``rgb_format`` is set
            with ``ndim`` other than 3.
        TypeError: If ``dtype`` is not floating or ``label_dtype`` is not an
            integer type.

    Example:
        >>> train, test = get_digits()
        >>> x, t = train[0]
        >>> x.shape, x.dtype, t.dtype
        ((64,), dtype('float32'), dtype('int32'))
    """
    if ndim not in (1, 2, 3):
        raise ValueError(f"get_digits: ndim must be 1, 2 or 3, got {ndim!r}")
    if rgb_format and ndim != 3:
        raise ValueError(f"get_digits: rgb_format=True needs ndim=3, got ndim={ndim}")
    dtype = numpy.dtype(numpy.float32 if dtype is None else dtype)
    if not numpy.issubdtype(dtype, numpy.floating):
        raise TypeError(f"get_digits: dtype must be a floating type, got {dtype}")
    label_dtype = numpy.dtype(label_dtype)
    if not numpy.issubdtype(label_dtype, numpy.integer):
        raise TypeError(f"get_digits: label_dtype must be an integer type, got {label_dtype}")

    images, labels, test_mask = _load_raw()
    parts = []
    for mask in (~test_mask, test_mask):
        parts.append(_preprocess(images[mask], labels[mask], withlabel, ndim, scale, dtype,
                                 label_dtype, rgb_format))
    return tuple(parts)
