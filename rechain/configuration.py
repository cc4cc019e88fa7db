"""Run-time configuration: global defaults with thread-local overrides.

``config`` is a :class:`threading.local` whose *class* attributes are the global
defaults. Reading ``config.train`` looks in the calling thread's own values
first and falls back to the class attribute, all in C: this is on the hot path
of every operation. ``global_config.train = False`` changes the default for
every thread that has not overridden it; ``config.train = False`` (or
``using_config('train', False)``) changes it for the calling thread only.
"""

import os
import sys
import threading

import numpy


class _Mixed16:
    """The ``config.dtype`` value for 16/32-bit mixed precision (``rechain.mixed16``).

    Where a dtype is needed it stands for float16 (:func:`get_dtype`).
    """

    dtype = numpy.dtype(numpy.float16)

    def __repr__(self):
        return "dtype('mixed16')"


mixed16 = _Mixed16()


def _env_flag(name, default):
    return bool(int(os.environ.get(name, default)))


def _env_dtype():
    name = os.environ.get("CHAINER_DTYPE", "float32")
    if name in ("float16", "float32", "float64"):
        return numpy.dtype(name)
    if name == "mixed16":
        return mixed16
    raise TypeError(f"CHAINER_DTYPE={name!r}: only float16, float32, float64 or mixed16")


class _Defaults(threading.local):
    """The per-thread configuration object; class attributes are the defaults.

    The entries after ``keep_graph_on_report`` are Chainer's, which rechain
    does not read (it calls no cuDNN, iDeep or static graph); they hold
    Chainer's defaults so code that reads or sets them keeps working. The
    ``CHAINER_*`` environment variables set the defaults as in Chainer.
    """

    train = True
    enable_backprop = True
    in_recomputing = False
    type_check = _env_flag("CHAINER_TYPE_CHECK", "1")
    debug = _env_flag("CHAINER_DEBUG", "0")
    dtype = _env_dtype()
    keep_graph_on_report = _env_flag("CHAINER_KEEP_GRAPH_ON_REPORT", "0")
    autotune = False
    compute_mode = None
    cudnn_deterministic = False
    cudnn_fast_batch_normalization = _env_flag("CHAINER_CUDNN_FAST_BATCH_NORMALIZATION", "0")
    lazy_grad_sum = _env_flag("CHAINER_LAZY_GRAD_SUM", "0")
    schedule_func = None
    use_cudnn = os.environ.get("CHAINER_USE_CUDNN", "auto")
    use_cudnn_tensor_core = "auto"
    use_ideep = os.environ.get("CHAINER_USE_IDEEP", "never")
    use_static_graph = True
    warn_nondeterministic = False
    retain_graph = False

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
        global _global_values
        setattr(_Defaults, name, value)
        _global_values = None

    def __delattr__(self, name):
        global _global_values
        delattr(_Defaults, name)
        _global_values = None

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


def _print_entries(obj, names, file):
    width = max((len(n) for n in names), default=0)
    for name in names:
        print(f"{name:<{width}} {getattr(obj, name)}", file=file)


class GlobalConfig:
    """A configuration shared by every thread, for a configuration of one's own.

    Chainer's class; a plain namespace. ``rechain.config`` and
    ``rechain.global_config`` are not instances of it (their defaults are
    class attributes, read in C on the hot path), but a pair
    ``LocalConfig(GlobalConfig())`` behaves as they do and works with
    :class:`using_config`.

    Example:
        >>> g = GlobalConfig(); c = LocalConfig(g); g.x = 1; c.x
        1
    """

    def show(self, file=None):
        """Print the entries, sorted by name, one ``name value`` a line."""
        _print_entries(self, sorted(vars(self)), sys.stdout if file is None else file)


class LocalConfig(threading.local):
    """Per-thread entries over a :class:`GlobalConfig` (Chainer's class).

    Reading an entry looks in the calling thread's own entries, then in
    ``global_config``; setting or deleting one touches the thread's own only.

    Args:
        global_config (GlobalConfig): Where entries a thread has not set come from.
    """

    def __init__(self, global_config):  # run in every thread that uses the object
        vars(self)["_LocalConfig__global"] = global_config

    def __getattr__(self, name):
        if name.startswith("_LocalConfig__"):
            raise AttributeError(name)
        return getattr(self.__global, name)

    def show(self, file=None):
        """Print the thread's entries and the global ones, sorted by name."""
        own = {n for n in vars(self) if not n.startswith("_LocalConfig__")}
        names = sorted(own | set(vars(self.__global)))
        _print_entries(self, names, sys.stdout if file is None else file)




class using_config:
    """Context manager that sets a configuration value for the calling thread.

    Args:
        name (str): Name of the entry, e.g. ``'train'``.
        value: Value it takes inside the ``with`` block.

    Example:
        >>> with rechain.using_config('train', False):
        ...     y = model(x)
    """

    __slots__ = ("name", "value", "_config", "_old")

    def __init__(self, name, value, config=config):
        self.name = name
        self.value = value
        self._config = config

    def __enter__(self):
        if self._config is global_config:
            self._old = _Defaults.__dict__.get(self.name, _MISSING)
            setattr(global_config, self.name, self.value)
            return self
        d = vars(self._config)  # the thread that enters, not the one that created
        self._old = d.get(self.name, _MISSING)
        d[self.name] = self.value
        return self

    def __exit__(self, *exc):
        if self._config is global_config:
            if self._old is _MISSING:
                delattr(global_config, self.name)
            else:
                setattr(global_config, self.name, self._old)
            return False
        d = vars(self._config)
        if self._old is _MISSING:
            d.pop(self.name, None)
        else:
            d[self.name] = self._old
        return False


def get_dtype(dtype=None, map_mixed16=None):
    """Resolve a dtype, defaulting to ``config.dtype``.

    Args:
        dtype: A dtype specifier; None means ``config.dtype``.
        map_mixed16: What :data:`mixed16` stands for; None means float16.

    Returns:
        numpy.dtype: The dtype.

    Example:
        >>> with rechain.using_config('dtype', rechain.mixed16):
        ...     rechain.get_dtype(), rechain.get_dtype(map_mixed16=numpy.float32)
        (dtype('float16'), dtype('float32'))
    """
    if dtype is None:
        dtype = config.dtype
    if dtype is mixed16 and map_mixed16 is not None:
        dtype = map_mixed16
    return numpy.dtype(dtype)


def is_debug():
    """Whether debug mode (``config.debug``) is on in the calling thread."""
    return bool(config.debug)


def set_debug(debug):
    """Turn debug mode on or off in the calling thread (sets ``config.debug``)."""
    config.debug = debug


def no_backprop_mode():
    """Context in which operations build no graph (``enable_backprop=False``)."""
    return using_config("enable_backprop", False)


def force_backprop_mode():
    """Context in which operations build a graph even inside ``no_backprop_mode``."""
    return using_config("enable_backprop", True)


_global_values = None  # cached dict of the global defaults, reset when they change


def snapshot():
    """Capture the calling thread's effective configuration (cheaply).

    Returns ``(global_defaults, thread_overrides)``; ``F.forget`` replays a
    region under it (rechain/recompute/region.py).
    """
    global _global_values
    g = _global_values
    if g is None:
        g = _global_values = {name: getattr(_Defaults, name) for name in _names()}
    local = vars(config)
    return (g, dict(local)) if local else (g, None)
