"""Helpers shared by the downloadable image datasets (MNIST-like, CIFAR, SVHN)."""

import numpy

import rechain
from rechain.datasets import tuple_dataset


def check_dtypes(dtype, label_dtype, where):
    dtype = numpy.dtype(rechain.config.dtype if dtype is None else dtype)
    if not numpy.issubdtype(dtype, numpy.floating):
        raise TypeError(f"{where}: dtype must be a floating type, got {dtype}")
    label_dtype = numpy.dtype(label_dtype)
    if not numpy.issubdtype(label_dtype, numpy.integer):
        raise TypeError(f"{where}: label_dtype must be an integer type, got {label_dtype}")
    return dtype, label_dtype


def scale_images(images, dtype, scale):
    """uint8 pixels 0..255 -> ``dtype`` values in ``[0, scale]`` (always a fresh array)."""
    out = images.astype(dtype)
    out *= dtype.type(scale / 255.0)
    return out


def finish(images, labels, withlabel, label_dtype):
    if withlabel:
        return tuple_dataset.TupleDataset(images, labels.astype(label_dtype))
    return images


def load_npz(path):
    """Read every array of an ``.npz`` cache file into a dict (and close it)."""
    with numpy.load(path) as f:
        return {key: f[key] for key in f.files}
