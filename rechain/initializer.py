"""``chainer.initializer``: the module Chainer code imports ``Initializer`` and ``get_fans`` from.

Both live in :mod:`rechain.initializers.base`; this is their public face
under Chainer's path (``rechain.initializer.Initializer is rechain.Initializer``).
"""

from rechain.initializers.base import Initializer, get_fans  # noqa: F401

__all__ = ["Initializer", "get_fans"]
