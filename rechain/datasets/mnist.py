"""MNIST, downloaded once and cached (``chainer.datasets.get_mnist``).

The raw files are the gzip'd IDX files of the official distribution. The
converted arrays are cached as ``train.npz`` / ``test.npz`` (keys ``x``:
uint8 ``(N, 784)``, ``y``: uint8 ``(N,)``) under
``<dataset root>/pfnet/chainer/mnist``, the same layout as Chainer, so a
Chainer cache is reused when ``CHAINER_DATASET_ROOT`` points at it.
"""

import gzip
import os

import numpy

from rechain.dataset import download
from rechain.datasets import _image_sets

#: Where the files are fetched from, in order: the address Chainer uses,
#: then the mirror PyTorch's torchvision uses (the first now refuses
#: anonymous downloads). Each is a base URL the file names are appended to.
MNIST_URLS = ["http://yann.lecun.com/exdb/mnist/",
              "https://ossci-datasets.s3.amazonaws.com/mnist/"]

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def _read_idx(path, expected_ndim, where):
    """Read a gzip'd IDX file (big-endian header: magic, dims) of uint8 values."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        raise ValueError(f"{where}: {path} is not an IDX file (it has {len(data)} bytes)")
    zero, dtype_code, ndim = data[0:2], data[2], data[3]
    if zero != b"\x00\x00" or dtype_code != 0x08 or ndim != expected_ndim:
        raise ValueError(
            f"{where}: {path} is not an IDX file of {expected_ndim}-d uint8 data "
            f"(magic bytes {data[:4].hex()})"
        )
    header = 4 + 4 * ndim
    shape = tuple(int(v) for v in numpy.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    size = int(numpy.prod(shape))
    if len(data) - header != size:
        raise ValueError(
            f"{where}: {path} declares shape {shape} ({size} values) but holds "
            f"{len(data) - header}"
        )
    return numpy.frombuffer(data, dtype=numpy.uint8, offset=header).reshape(shape)


def _make_mnist_npz(path, bases, names, where):
    image_name, label_name = names
    image_path = download._cached_download_any([b + image_name for b in bases], where)
    label_path = download._cached_download_any([b + label_name for b in bases], where)
    x = _read_idx(image_path, 3, where)
    y = _read_idx(label_path, 1, where)
    if x.shape[1:] != (28, 28):
        raise ValueError(f"{where}: {image_name} holds images of shape {x.shape[1:]}, not 28x28")
    if len(x) != len(y):
        raise ValueError(
            f"{where}: {image_name} has {len(x)} images but {label_name} has {len(y)} labels"
        )
    x = x.reshape(len(x), 784)
    numpy.savez_compressed(path, x=x, y=y)
    return {"x": x, "y": y}


def _retrieve(directory, part, bases, where):
    root = download.get_dataset_directory(directory)
    path = os.path.join(root, f"{part}.npz")
    return download.cache_or_load_file(
        path, lambda p: _make_mnist_npz(p, bases, _FILES[part], where), _image_sets.load_npz)


def _preprocess(raw, withlabel, ndim, scale, dtype, label_dtype, rgb_format):
    images = raw["x"]
    if ndim == 1:
        images = images.reshape(-1, 784)
    elif ndim == 2:
        images = images.reshape(-1, 28, 28)
    else:
        images = images.reshape(-1, 1, 28, 28)
        if rgb_format:
            images = numpy.broadcast_to(images, (len(images), 3, 28, 28))
    return _image_sets.finish(_image_sets.scale_images(images, dtype, scale), raw["y"],
                              withlabel, label_dtype)


def _get_mnist_like(directory, bases, withlabel, ndim, scale, dtype, label_dtype, rgb_format,
                    where):
    if ndim not in (1, 2, 3):
        raise ValueError(f"{where}: ndim must be 1, 2 or 3, got {ndim!r}")
    if rgb_format and ndim != 3:
        raise ValueError(f"{where}: rgb_format=True needs ndim=3, got ndim={ndim}")
    dtype, label_dtype = _image_sets.check_dtypes(dtype, label_dtype, where)
    return tuple(
        _preprocess(_retrieve(directory, part, bases, where), withlabel, ndim, scale, dtype,
                    label_dtype, rgb_format)
        for part in ("train", "test")
    )


def get_mnist(withlabel=True, ndim=1, scale=1., dtype=None, label_dtype=numpy.int32,
              rgb_format=False):
    """Return MNIST's 60,000 training and 10,000 test digits, downloading once.

    Args:
        withlabel (bool): If True each part is a
            :class:`~rechain.datasets.TupleDataset` of ``(image, label)``;
            otherwise just the image array.
        ndim (int): Shape of an image: 1 gives ``(784,)``, 2 ``(28, 28)``,
            3 ``(1, 28, 28)`` (``(3, 28, 28)`` with ``rgb_format``).
        scale (float): Pixels are scaled from 0..255 to ``[0, scale]``.
        dtype: Floating image dtype; ``rechain.config.dtype`` when None.
        label_dtype: Integer label dtype.
        rgb_format (bool): With ``ndim=3``, repeat the grey channel 3 times.

    Returns:
        tuple: ``(train, test)``.

    Raises:
        rechain.dataset.download.DownloadError: If the files are not cached
            and cannot be downloaded; the message says where to put them.
    """
    return _get_mnist_like("pfnet/chainer/mnist", MNIST_URLS, withlabel, ndim, scale, dtype,
                           label_dtype, rgb_format, "get_mnist")
