"""Datasets of image files, decoded with Pillow when an example is read.

Pillow is an optional dependency: ``pip install Pillow`` (or
``pip install rechain[image]``). Without it, building one of these datasets
raises ``ImportError`` saying so.
"""

import os

import numpy

import rechain
from rechain.dataset import dataset_mixin


def _pil_image(where):
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(
            f"{where} needs Pillow to read images, and it is not installed: "
            f"pip install Pillow (or pip install 'rechain[image]')"
        ) from e
    return Image


def _float_dtype(dtype):
    return numpy.dtype(rechain.config.dtype if dtype is None else dtype)


def _read_image(path, dtype, where):
    image_module = _pil_image(where)
    with image_module.open(path) as f:
        image = numpy.asarray(f, dtype=dtype)
    if image.ndim == 2:  # greyscale: one channel
        image = image[:, :, None]
    return image.transpose(2, 0, 1)


def _read_pairs(path, where):
    pairs = []
    with open(path) as f:
        for line_number, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2:
                raise ValueError(
                    f"{where}: line {line_number} of {path} must be '<path> <label>', "
                    f"got {line.rstrip()!r}"
                )
            try:
                label = int(fields[1])
            except ValueError:
                raise ValueError(
                    f"{where}: line {line_number} of {path}: the label {fields[1]!r} is not "
                    f"an integer"
                ) from None
            pairs.append((fields[0], label))
    return pairs


class ImageDataset(dataset_mixin.DatasetMixin):
    """Images read from files; each example is an array ``(channels, height, width)``.

    Greyscale images get one channel, RGB three, RGBA four; convert your
    files to one mode beforehand if they are mixed. Pixel values are not
    rescaled (0..255 for 8-bit images).

    Args:
        paths (str or list of str): The image paths, relative to ``root``;
            or the path of a text file listing them, one per line.
        root (str): Directory the paths are relative to.
        dtype: The array dtype; ``rechain.config.dtype`` (float32) when None.

    Raises:
        ImportError: If Pillow is not installed.

    Example:
        >>> ds = ImageDataset(['a.png', 'b.png'], root='images')  # doctest: +SKIP
        >>> ds[0].shape  # doctest: +SKIP
        (3, 32, 32)
    """

    def __init__(self, paths, root=".", dtype=None):
        _pil_image("ImageDataset")
        if isinstance(paths, (str, os.PathLike)):
            with open(paths) as f:
                paths = [line.strip() for line in f if line.strip()]
        self._paths = list(paths)
        self._root = root
        self._dtype = _float_dtype(dtype)

    def __len__(self):
        return len(self._paths)

    def get_example(self, i):
        """Read image ``i``."""
        path = os.path.join(self._root, self._paths[i])
        return _read_image(path, self._dtype, "ImageDataset")


class LabeledImageDataset(dataset_mixin.DatasetMixin):
    """``(image, label)`` pairs: images read from files, integer labels.

    Args:
        pairs (str or list of tuple): ``(path, label)`` pairs with paths
            relative to ``root``; or the path of a text file with one
            ``<path> <label>`` pair per line (Caffe's format).
        root (str): Directory the paths are relative to.
        dtype: The image dtype; ``rechain.config.dtype`` when None.
        label_dtype: The label dtype (int32).

    Raises:
        ImportError: If Pillow is not installed.
        ValueError: If a line of the pairs file is not ``<path> <label>``.

    Each example is ``(image, label)`` with the image shaped
    ``(channels, height, width)`` and the label a 0-d array.
    """

    def __init__(self, pairs, root=".", dtype=None, label_dtype=numpy.int32):
        _pil_image("LabeledImageDataset")
        if isinstance(pairs, (str, os.PathLike)):
            pairs = _read_pairs(os.fspath(pairs), "LabeledImageDataset")
        self._pairs = list(pairs)
        self._root = root
        self._dtype = _float_dtype(dtype)
        self._label_dtype = numpy.dtype(label_dtype)

    def __len__(self):
        return len(self._pairs)

    def get_example(self, i):
        """Read image ``i`` and return it with its label."""
        path, label = self._pairs[i]
        image = _read_image(os.path.join(self._root, path), self._dtype, "LabeledImageDataset")
        return image, numpy.array(label, dtype=self._label_dtype)
