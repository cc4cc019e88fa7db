"""Keyword-argument parsing for functions taking ``**kwargs`` (``chainer.utils.argument``)."""

import inspect


def check_unexpected_kwargs(kwargs, **unexpected):
    """Raise ValueError with the given message for each known-but-removed keyword."""
    for key, message in unexpected.items():
        if key in kwargs:
            raise ValueError(message)


def parse_kwargs(kwargs, *name_and_values, **unexpected):
    """Pop ``(name, default)`` pairs from ``kwargs``; anything left is a TypeError."""
    values = tuple(kwargs.pop(name, default) for name, default in name_and_values)
    if kwargs:
        check_unexpected_kwargs(kwargs, **unexpected)
        caller = inspect.stack()[1][3]
        names = ", ".join(repr(k) for k in sorted(kwargs))
        raise TypeError(f"{caller}() got unexpected keyword argument(s) {names}")
    return values


def assert_kwargs_empty(kwargs):
    """Raise TypeError if ``kwargs`` is not empty."""
    parse_kwargs(kwargs)
