"""Chainer's ``chainer.backends`` package: :mod:`rechain.backends.cuda`."""

from rechain.backends import cuda  # noqa: F401
