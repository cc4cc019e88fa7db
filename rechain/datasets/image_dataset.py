"""Datasets of image files (or of images in zip files), decoded with Pillow when an
example is read.

Pillow is an optional dependency: ``pip install Pillow`` (or
``pip install rechain[image]``). Without it, building one of these datasets
raises ``ImportError`` saying so.
"""

import bisect
import importlib.util
import io
import os
import threading
import zipfile

import numpy

import rechain
from rechain.dataset import dataset_mixin

#: Whether Pillow can be imported (Chainer's ``image_dataset.available``); it is
#: imported only when an image is read.
available = importlib.util.find_spec("PIL") is not None


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


class ZippedImageDataset(dataset_mixin.DatasetMixin):
    """Images read from the members of one zip file, in the archive's order.

    Every member that is not a directory is an example: an array
    ``(channels, height, width)`` as :class:`ImageDataset` makes it. Reading
    one image reads only its member. The dataset pickles (without its open
    file; a copy reopens the archive on first use, also after a fork, e.g.
    when sent to other processes).

    Args:
        zipfilename (str): Path of the zip file.
        dtype: The array dtype; ``rechain.config.dtype`` when None.

    Raises:
        ImportError: If Pillow is not installed.
    """

    def __init__(self, zipfilename, dtype=None):
        _pil_image("ZippedImageDataset")
        self._zipfilename = os.fspath(zipfilename)
        self._zf = zipfile.ZipFile(self._zipfilename)
        self._zf_pid = os.getpid()
        self._dtype = _float_dtype(dtype)
        self._paths = [name for name in self._zf.namelist() if not name.endswith("/")]
        self._names = set(self._paths)
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._paths)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_zf"] = None
        state["_lock"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def get_example(self, i_or_filename):
        """Read image ``i`` (an index) or the member named ``i_or_filename``."""
        if isinstance(i_or_filename, str):
            name = i_or_filename
            if name not in self._names:
                raise KeyError(f"ZippedImageDataset: {self._zipfilename} has no member "
                               f"{name!r}")
        else:
            name = self._paths[i_or_filename]
        with self._lock:
            # A ZipFile is not safe to share across a fork: reopen in a new process.
            if self._zf is None or self._zf_pid != os.getpid():
                self._zf = zipfile.ZipFile(self._zipfilename)
                self._zf_pid = os.getpid()
            data = self._zf.read(name)
        # Pillow may seek, which a zip member stream cannot: decode from memory.
        return _read_image(io.BytesIO(data), self._dtype, "ZippedImageDataset")


class MultiZippedImageDataset(dataset_mixin.DatasetMixin):
    """The images of several zip files, one after the other.

    Args:
        zipfilenames (list of str): Paths of the zip files.
        dtype: The array dtype; ``rechain.config.dtype`` when None.
    """

    def __init__(self, zipfilenames, dtype=None):
        if isinstance(zipfilenames, (str, os.PathLike)):
            raise TypeError("MultiZippedImageDataset: zipfilenames must be a list of paths, "
                            "not one path (use ZippedImageDataset for one file)")
        self._zfs = [ZippedImageDataset(name, dtype) for name in zipfilenames]
        self._starts = [0]
        for ds in self._zfs:
            self._starts.append(self._starts[-1] + len(ds))

    def __len__(self):
        return self._starts[-1]

    def get_example(self, i):
        """Read image ``i`` of the concatenation."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"MultiZippedImageDataset: index {i} is out of range for "
                             f"{len(self)} images")
        if i < 0:
            i += len(self)
        part = bisect.bisect_right(self._starts, i) - 1
        return self._zfs[part].get_example(i - self._starts[part])


class LabeledZippedImageDataset(dataset_mixin.DatasetMixin):
    """``(image, label)`` pairs: images from a zip file, labels from a text file.

    Args:
        zipfilename (str): Path of the zip file of images.
        labelfilename (str): Path of a text file with one ``<member> <label>``
            pair per line (as for :class:`LabeledImageDataset`), each member a
            file name in the archive; example ``i`` is line ``i``.
        dtype: The image dtype; ``rechain.config.dtype`` when None.
        label_dtype: The label dtype (int32).

    Raises:
        ImportError: If Pillow is not installed.
        ValueError: If a line is not ``<member> <label>``, or names a member
            the archive does not have.
    """

    def __init__(self, zipfilename, labelfilename, dtype=None, label_dtype=numpy.int32):
        _pil_image("LabeledZippedImageDataset")
        self._pairs = _read_pairs(os.fspath(labelfilename), "LabeledZippedImageDataset")
        self._zipfile = ZippedImageDataset(zipfilename, dtype=dtype)
        missing = [p for p, _ in self._pairs if p not in self._zipfile._names]
        if missing:
            raise ValueError(f"LabeledZippedImageDataset: {labelfilename} names files that "
                             f"{zipfilename} does not have: {missing[:5]}")
        self._label_dtype = numpy.dtype(label_dtype)

    def __len__(self):
        return len(self._pairs)

    def get_example(self, i):
        """Read image ``i`` and return it with its label."""
        path, label = self._pairs[i]
        return self._zipfile.get_example(path), numpy.array(label, dtype=self._label_dtype)
