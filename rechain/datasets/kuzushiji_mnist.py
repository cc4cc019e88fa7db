"""Kuzushiji-MNIST, downloaded once and cached (``chainer.datasets.get_kuzushiji_mnist``).

Ten classes of cursive Japanese (Kuzushiji) hiragana, 28x28 grey images in
MNIST's file format (Clanuwat et al., 2018). Same cache layout as
:mod:`rechain.datasets.mnist`, under ``<dataset root>/pfnet/chainer/kuzushiji_mnist``
(Chainer's directory, so a Chainer cache is reused).
"""

import numpy

from rechain.datasets import mnist

#: Base URL of the files (the one Chainer uses: the ROIS-DS Center for Open Data
#: in the Humanities).
KUZUSHIJI_MNIST_URLS = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]

# (romaji, the hiragana character) per label.
_LABELS = (("o", "\u304a"), ("ki", "\u304d"), ("su", "\u3059"), ("tsu", "\u3064"),
           ("na", "\u306a"), ("ha", "\u306f"), ("ma", "\u307e"), ("ya", "\u3084"),
           ("re", "\u308c"), ("wo", "\u3092"))


def get_kuzushiji_mnist_labels():
    """Return the classes of Kuzushiji-MNIST, indexed by label.

    Returns:
        list of tuple: Ten ``(romaji, character)`` pairs, ``('o', 'お')`` for
        label 0 to ``('wo', 'を')`` for label 9.
    """
    return list(_LABELS)


def get_kuzushiji_mnist(withlabel=True, ndim=1, scale=1., dtype=None,
                        label_dtype=numpy.int32, rgb_format=False):
    """Return Kuzushiji-MNIST's 60,000 training and 10,000 test images, downloading once.

    The arguments and results are those of :func:`~rechain.datasets.get_mnist`.

    Returns:
        tuple: ``(train, test)``.

    Raises:
        rechain.dataset.download.DownloadError: If the files are not cached
            and cannot be downloaded (e.g. offline); the message names the
            URL and the cache path to copy the file to.
    """
    return mnist._get_mnist_like("pfnet/chainer/kuzushiji_mnist", KUZUSHIJI_MNIST_URLS,
                                 withlabel, ndim, scale, dtype, label_dtype, rgb_format,
                                 "get_kuzushiji_mnist")
