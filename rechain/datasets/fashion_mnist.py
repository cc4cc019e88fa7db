"""Fashion-MNIST, downloaded once and cached (``chainer.datasets.get_fashion_mnist``).

Same file format and cache layout as :mod:`rechain.datasets.mnist`, under
``<dataset root>/pfnet/chainer/fashion-mnist``.
"""

import numpy

from rechain.datasets import mnist

#: Base URL of the files (the one Chainer uses: Zalando's S3 bucket).
FASHION_MNIST_URLS = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]

_LABELS = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot")


def get_fashion_mnist_labels():
    """Return the class names of Fashion-MNIST, indexed by label.

    Returns:
        list of str: Ten names, ``'T-shirt/top'`` for label 0 to
        ``'Ankle boot'`` for label 9.
    """
    return list(_LABELS)


def get_fashion_mnist(withlabel=True, ndim=1, scale=1., dtype=None, label_dtype=numpy.int32,
                      rgb_format=False):
    """Return Fashion-MNIST's 60,000 training and 10,000 test images, downloading once.

    The arguments and results are those of :func:`~rechain.datasets.get_mnist`.

    Returns:
        tuple: ``(train, test)``.
    """
    return mnist._get_mnist_like("pfnet/chainer/fashion-mnist", FASHION_MNIST_URLS, withlabel,
                                 ndim, scale, dtype, label_dtype, rgb_format,
                                 "get_fashion_mnist")
