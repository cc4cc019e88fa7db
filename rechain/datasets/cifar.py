"""CIFAR-10 and CIFAR-100, downloaded once and cached (``chainer.datasets.get_cifar10``).

The raw file is the "python version" tarball of the official distribution:
pickled dicts with ``data`` (uint8 ``(N, 3072)``, channel-major RGB) and
``labels`` (CIFAR-10) or ``fine_labels`` (CIFAR-100). The converted arrays
are cached as ``cifar-10.npz`` / ``cifar-100.npz`` (keys ``train_x``,
``train_y``, ``test_x``, ``test_y``) under
``<dataset root>/pfnet/chainer/cifar``, Chainer's layout.

The pickles are read with an unpickler that only admits what these files
contain (NumPy arrays, lists, numbers, strings), so a tampered download
cannot run code.
"""

import io
import os
import pickle
import tarfile

import numpy

from rechain.dataset import download
from rechain.datasets import _image_sets

#: URL of each tarball, ``{name}`` being ``cifar-10`` or ``cifar-100`` (Chainer's URL).
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/{name}-python.tar.gz"

_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),
    ("copy_reg", "_reconstructor"),
    ("copyreg", "_reconstructor"),
    ("__builtin__", "object"),
    ("builtins", "object"),
}


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(
                f"the CIFAR archive holds an unexpected object {module}.{name}; refusing to load it"
            )
        return super().find_class(module, name)


def _load_batch(archive, member, label_key, where):
    try:
        f = archive.extractfile(member)
    except KeyError:
        raise ValueError(f"{where}: the archive has no member {member!r}") from None
    d = _DataUnpickler(io.BytesIO(f.read()), encoding="latin-1").load()
    x = numpy.asarray(d["data"], dtype=numpy.uint8).reshape(-1, 3072)
    y = numpy.asarray(d[label_key], dtype=numpy.uint8)
    if len(x) != len(y):
        raise ValueError(f"{where}: {member} has {len(x)} images but {len(y)} labels")
    return x, y


def _make_cifar_npz(path, name, where):
    archive_path = download._cached_download_any([CIFAR_URL.format(name=name)], where)
    with tarfile.open(archive_path, "r:gz") as archive:
        if name == "cifar-10":
            parts = [_load_batch(archive, f"cifar-10-batches-py/data_batch_{k}", "labels", where)
                     for k in range(1, 6)]
            train_x = numpy.concatenate([x for x, _ in parts])
            train_y = numpy.concatenate([y for _, y in parts])
            test_x, test_y = _load_batch(archive, "cifar-10-batches-py/test_batch", "labels",
                                         where)
        else:
            train_x, train_y = _load_batch(archive, "cifar-100-python/train", "fine_labels",
                                           where)
            test_x, test_y = _load_batch(archive, "cifar-100-python/test", "fine_labels", where)
    numpy.savez_compressed(path, train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y)
    return {"train_x": train_x, "train_y": train_y, "test_x": test_x, "test_y": test_y}


def _get_cifar(name, withlabel, ndim, scale, dtype, where):
    if ndim not in (1, 3):
        raise ValueError(f"{where}: ndim must be 1 or 3, got {ndim!r}")
    dtype, label_dtype = _image_sets.check_dtypes(dtype, numpy.int32, where)
    root = download.get_dataset_directory(os.path.join("pfnet", "chainer", "cifar"))
    raw = download.cache_or_load_file(os.path.join(root, f"{name}.npz"),
                                      lambda p: _make_cifar_npz(p, name, where),
                                      _image_sets.load_npz)
    shape = (-1, 3072) if ndim == 1 else (-1, 3, 32, 32)
    return tuple(
        _image_sets.finish(_image_sets.scale_images(raw[f"{part}_x"].reshape(shape), dtype, scale),
                           raw[f"{part}_y"], withlabel, label_dtype)
        for part in ("train", "test")
    )


def get_cifar10(withlabel=True, ndim=3, scale=1., dtype=None):
    """Return CIFAR-10's 50,000 training and 10,000 test images, downloading once.

    Args:
        withlabel (bool): If True each part is a
            :class:`~rechain.datasets.TupleDataset` of ``(image, label)``
            with int32 labels 0..9; otherwise just the image array.
        ndim (int): 3 gives images ``(3, 32, 32)``, 1 gives ``(3072,)``.
        scale (float): Pixels are scaled from 0..255 to ``[0, scale]``.
        dtype: Floating image dtype; ``rechain.config.dtype`` when None.

    Returns:
        tuple: ``(train, test)``.
    """
    return _get_cifar("cifar-10", withlabel, ndim, scale, dtype, "get_cifar10")


def get_cifar100(withlabel=True, ndim=3, scale=1., dtype=None):
    """Return CIFAR-100's 50,000 training and 10,000 test images, downloading once.

    The labels are the 100 fine labels. Arguments as :func:`get_cifar10`.

    Returns:
        tuple: ``(train, test)``.
    """
    return _get_cifar("cifar-100", withlabel, ndim, scale, dtype, "get_cifar100")
