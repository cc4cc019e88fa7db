"""The training loop, as Chainer's ``chainer.training``.

:class:`Trainer` runs an :class:`Updater` until a stop trigger fires and calls
extensions along the way; ``triggers`` decide when; ``updaters`` hold the
update step; ``extensions`` holds Chainer's standard extensions.
"""

from rechain.training import extension  # noqa: F401
from rechain.training import triggers  # noqa: F401
from rechain.training import updaters  # noqa: F401
from rechain.training import util  # noqa: F401
from rechain.training._util import get_trigger  # noqa: F401
from rechain.training.extension import (PRIORITY_EDITOR, PRIORITY_READER,  # noqa: F401
                                        PRIORITY_WRITER, Extension, make_extension)
from rechain.training.trainer import Trainer  # noqa: F401
from rechain.training.triggers import IntervalTrigger  # noqa: F401
from rechain.training.updaters import StandardUpdater, Updater  # noqa: F401
from rechain.training import extensions  # noqa: F401,E402  (last: it builds on the above)
