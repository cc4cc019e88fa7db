"""Utilities: input checks (``type_check``), array and size helpers, warnings, ``WalkerAlias``.

The names Chainer's ``chainer.utils`` exports that make sense here:
``force_array``, ``force_type``, ``size_of_shape``, ``sum_to``,
``get_conv_outsize``, ``get_deconv_outsize``, ``nondeterministic``,
``experimental``, ``tempdir``, ``final``, ``enable_final``; ``utils.conv``,
``utils.argument`` and ``utils.imgproc`` as modules.
"""

import collections.abc as collections_abc  # noqa: F401  (Chainer's alias)

from rechain.utils import argument  # noqa: F401
from rechain.utils import conv  # noqa: F401
from rechain.utils import imgproc  # noqa: F401
from rechain.utils._misc import (_format_array_props, experimental,  # noqa: F401
                                 nondeterministic, tempdir)
from rechain.utils.array import force_array, force_type, size_of_shape, sum_to  # noqa: F401
from rechain.utils.conv import get_conv_outsize, get_deconv_outsize  # noqa: F401
from rechain.utils.meta import enable_final, final  # noqa: F401
from rechain.utils.sparse import CooMatrix, get_order, to_coo  # noqa: F401
from rechain.utils.walker_alias import WalkerAlias  # noqa: F401
