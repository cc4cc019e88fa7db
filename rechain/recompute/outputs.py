"""What a function run by ``F.forget`` may return, checked in one place.

``F.forget`` (rechain/functions/util/forget.py) checks its function's outputs
when it first runs it, and a forget region (region.py) checks them again when
it replays a nested region. Both import the check from here, so neither
module needs the other for it (the circle forget.py <-> region.py of
issue 11).
"""

from rechain import variable as _variable
from rechain.utils import text

Variable = _variable.Variable


class ForgetReturnError(TypeError, RuntimeError):
    """``func`` of ``F.forget`` returned something other than Variables.

    A TypeError, and a RuntimeError as in Chainer.
    """


def check_outputs(outs):
    """Return ``outs`` if it is a Variable or a tuple of Variables, else raise."""
    if isinstance(outs, Variable):
        return outs
    if isinstance(outs, tuple):
        for i, y in enumerate(outs):
            if not isinstance(y, Variable):
                raise ForgetReturnError(
                    f"{text.ordinal(i + 1)} element of a returned tuple is not Variable, "
                    f"but is {type(y)}")
        return outs
    raise ForgetReturnError(
        f"A tuple of Variables or a Variable are expected, but {type(outs)} is returned.")
