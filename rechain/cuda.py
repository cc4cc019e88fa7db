"""``rechain.cuda`` is :mod:`rechain.backends.cuda` (Chainer keeps the same alias)."""

import sys

from rechain.backends import cuda as _cuda

sys.modules[__name__] = _cuda
