"""Run-time configuration: global defaults with thread-local overrides.

``config`` is a :class:`threading.local` whose *class* attributes are the global
defaults. Reading ``config.train`` looks in the calling thread's own values
first and falls back to the class attribute, all in C: this is on the hot path
of every operation. ``global_config.train = False`` changes the default for
every thread that has not overridden it; ``config.train = False`` (or
``using_config('train', False)``) changes it for the calling thread only.
"""

import contextlib
import sys
import threading

import numpy


class _Defaults(threading.local):
    """The per-thread configuration object; class attributes are the defaults."""

    train = True
    enable_backprop = True
    in_recomputing = False
    type_check = True
    debug = False
    dtype = numpy.dtype(numpy.float32)
    keep_graph_on_report = False

    def show(self, file=None):
        """Print every configuration value and where it comes from."""
        file = sys.stdout if file is None else file
        local = vars(self)
        for name in _names():
            origin = "local" if name in local else "global"
            print(f"{name:<22}{getattr(self, name)!r}  ({origin})", file=file)


class _GlobalConfig:
    """Attribute access to the global defaults shared by all threads."""

    def __getattr__(self, name):
        try:
            return getattr(_Defaults, name)
        except AttributeError:
            raise AttributeError(f"rechain.global_config has no entry {name!r}") from None

    def __setattr__(self, name, value):
        setattr(_Defaults, name, value)

    def __delattr__(self, name):
        delattr(_Defaults, name)

    def show(self, file=None):
        file = sys.stdout if file is None else file
        for name in _names():
            print(f"{name:<22}{getattr(_Defaults, name)!r}", file=file)


def _names():
    return sorted(k for k, v in vars(_Defaults).items()
                  if not k.startswith("_") and not callable(v))


config = _Defaults()
global_config = _GlobalConfig()

_MISSING = object()


class using_config:
    """Context manager that sets a configuration value for the calling thread.

    Args:
        name (str): Name of the entry, e.g. ``'train'``.
        value: Value it takes inside the ``with`` block.

    Example:
        >>> with rechain.using_config('train', False):
        ...     y = model(x)
    """

    __slots__ = ("name", "value", "_dict", "_old")

    def __init__(self, name, value, config=config):
        self.name = name
        self.value = value
        self._dict = vars(config)

    def __enter__(self):
        d = self._dict
        self._old = d.get(self.name, _MISSING)
        d[self.name] = self.value
        return self

    def __exit__(self, *exc):
        d = self._dict
        if self._old is _MISSING:
            d.pop(self.name, None)
        else:
            d[self.name] = self._old
        return False


def no_backprop_mode():
    """Context in which operations build no graph (``enable_backprop=False``)."""
    return using_config("enable_backprop", False)


def force_backprop_mode():
    """Context in which operations build a graph even inside ``no_backprop_mode``."""
    return using_config("enable_backprop", True)


def snapshot():
    """Return every effective configuration value of the calling thread as a dict."""
    return {name: getattr(config, name) for name in _names()}


@contextlib.contextmanager
def restored(values, **overrides):
    """Run a block with the calling thread's configuration set to ``values``.

    Used by recomputation to replay a forward pass under the configuration it
    originally ran with. Entries in ``overrides`` take precedence.
    """
    d = vars(config)
    saved = dict(d)
    d.update(values)
    d.update(overrides)
    try:
        yield
    finally:
        d.clear()
        d.update(saved)
