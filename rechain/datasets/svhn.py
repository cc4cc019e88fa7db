"""SVHN (cropped digits), downloaded once and cached (``chainer.datasets.get_svhn``).

The raw files are the MATLAB ``.mat`` files of the official distribution
(``X``: uint8 ``(32, 32, 3, N)``, ``y``: ``(N, 1)`` with 10 meaning the
digit 0); reading them needs SciPy. The converted arrays are cached as
``train.npz`` / ``test.npz`` / ``extra.npz`` (keys ``x``, ``y`` as in the
``.mat`` files) under ``<dataset root>/pfnet/chainer/svhn``, Chainer's
layout.
"""

import os

import numpy

from rechain.dataset import download
from rechain.datasets import _image_sets

#: Base URL of the ``.mat`` files (Chainer's).
SVHN_URL = "http://ufldl.stanford.edu/housenumbers/"


def _scipy_io(where):
    try:
        from scipy import io
    except ImportError as e:
        raise ImportError(
            f"{where} needs SciPy to read the SVHN .mat files, and it is not installed: "
            f"pip install scipy"
        ) from e
    return io


def _make_svhn_npz(path, part, where):
    scipy_io = _scipy_io(where)
    mat_path = download._cached_download_any([f"{SVHN_URL}{part}_32x32.mat"], where)
    raw = scipy_io.loadmat(mat_path)
    x = numpy.asarray(raw["X"]).astype(numpy.uint8)
    y = numpy.asarray(raw["y"]).astype(numpy.uint8)
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.shape[3] != y.size:
        raise ValueError(
            f"{where}: {part}_32x32.mat holds X of shape {x.shape} and y of shape {y.shape}; "
            f"expected (32, 32, 3, N) and N labels"
        )
    numpy.savez_compressed(path, x=x, y=y)
    return {"x": x, "y": y}


def _retrieve(part, where):
    root = download.get_dataset_directory("pfnet/chainer/svhn")
    return download.cache_or_load_file(os.path.join(root, f"{part}.npz"),
                                       lambda p: _make_svhn_npz(p, part, where),
                                       _image_sets.load_npz)


def _preprocess(raw, withlabel, scale, dtype, label_dtype):
    images = _image_sets.scale_images(raw["x"].transpose(3, 2, 0, 1), dtype, scale)
    labels = raw["y"].astype(label_dtype).reshape(-1)
    labels[labels == 10] = 0  # the files label the digit 0 as 10
    return _image_sets.finish(images, labels, withlabel, label_dtype)


def get_svhn(withlabel=True, scale=1., dtype=None, label_dtype=numpy.int32, add_extra=False):
    """Return SVHN's training and test digits (and the extra set), downloading once.

    Images are ``(3, 32, 32)`` arrays (channel, height, width) as in
    Chainer; labels are 0..9.

    Args:
        withlabel (bool): If True each part is a
            :class:`~rechain.datasets.TupleDataset` of ``(image, label)``;
            otherwise just the image array.
        scale (float): Pixels are scaled from 0..255 to ``[0, scale]``.
        dtype: Floating image dtype; ``rechain.config.dtype`` when None.
        label_dtype: Integer label dtype.
        add_extra (bool): Also return the 531,131 "extra" training images.

    Returns:
        tuple: ``(train, test)``, or ``(train, test, extra)``.

    Raises:
        ImportError: If SciPy is not installed.
    """
    where = "get_svhn"
    _scipy_io(where)
    dtype, label_dtype = _image_sets.check_dtypes(dtype, label_dtype, where)
    parts = ["train", "test"] + (["extra"] if add_extra else [])
    return tuple(_preprocess(_retrieve(p, where), withlabel, scale, dtype, label_dtype)
                 for p in parts)
