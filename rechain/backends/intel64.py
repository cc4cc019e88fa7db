"""``chainer.backends.intel64`` without iDeep: every check says it is not available.

rechain has no iDeep backend (its NumPy code is the CPU path). This module
keeps Chainer code that asks about iDeep working: ``is_ideep_available()``
is False, ``should_use_ideep`` is False, ``check_ideep_available`` raises,
``inputs_all_ready`` is False, and ``ideep``/``mdarray`` are None.
"""

from rechain._devices import Intel64Device  # noqa: F401

#: The ideep4py module: never importable here.
ideep = None
#: ideep4py's array type: none here.
mdarray = None

_LEVELS = ("==always", ">=auto")
_USE_IDEEP = ("always", "auto", "never")


def is_ideep_available():
    """Whether iDeep can be used: never in rechain."""
    return False


def check_ideep_available():
    """Raise RuntimeError: iDeep is not part of rechain."""
    raise RuntimeError("iDeep is not available: rechain has no iDeep backend (its NumPy "
                       "code runs instead)")


def should_use_ideep(level):
    """Whether a function should call iDeep at ``level``: never here.

    ``level`` and ``config.use_ideep`` are still validated as in Chainer.
    """
    from rechain.configuration import config
    if level not in _LEVELS:
        raise ValueError(f"should_use_ideep: invalid iDeep use level {level!r} (must be "
                         "'==always' or '>=auto')")
    if config.use_ideep not in _USE_IDEEP:
        raise ValueError(f"should_use_ideep: invalid use_ideep configuration "
                         f"{config.use_ideep!r} (must be 'always', 'auto' or 'never')")
    return False


def inputs_all_ready(inputs, supported_ndim=(2, 4)):
    """Whether inputs are ready for an iDeep primitive: never here."""
    return False
