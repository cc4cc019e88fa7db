"""Link, Chain, ChainList and Sequential: models made of parameters.

A :class:`Link` owns :class:`~rechain.Parameter` objects and *persistent*
values (arrays or scalars such as batch-normalization statistics that are
saved and moved between devices, but not trained). A :class:`Chain` owns
child links by attribute name, a :class:`ChainList` by position, and a
:class:`Sequential` calls its layers (links or plain callables) one after the
other.

Parameters and child links are registered by assigning them as attributes
inside ``with self.init_scope():``. Traversals (``params``, ``namedparams``,
``links`` ...) visit a link's own parameters in name order, then its children
(in name order for a Chain, in list order for a ChainList), so every link of
the same architecture enumerates its parameters in the same order: optimizers
and serializers rely on it.
"""

import collections.abc as _abc
import contextlib
import copy as _copy
import warnings

import numpy

from rechain import backend
from rechain import variable as _variable

Parameter = _variable.Parameter


#: True once a hook was added to any link, or while a ``with hook:`` is active
#: in any thread (set by ``rechain.link_hooks.link_hook``): without hooks a call
#: costs this one global check.
_link_hooks_on = False


#: Chainer's words, so that a program matching them keeps working; raised by
#: ``__call__``, ``init_scope``, ``add_param`` ... of a link whose class's
#: ``__init__`` did not call ``super().__init__()`` (the traceback names it).
_NO_INIT_MESSAGE = "Link.__init__() has not been called."


def _link_label(link):
    name = type(link).__name__
    return f"{name} '{link.name}'" if link.name else name


def _warn_deprecated_move(method, device):
    warnings.warn(f"Link.{method} is deprecated (as in Chainer v7); use "
                  f"to_device({device})", DeprecationWarning, stacklevel=3)


def _is_shape(value):
    """None, an int, or a sequence of ints."""
    if value is None:
        return True
    if isinstance(value, (str, bytes)):
        return False
    if isinstance(value, _abc.Sequence):
        return all(_is_int(v) for v in value)
    return _is_int(value)


def _is_int(v):
    return isinstance(v, (int, numpy.integer)) and not isinstance(v, bool)


def _shape_and_dtype(name, spec):
    """``Link(name=spec)``: a shape (float32), or a ``(shape, dtype)`` pair."""
    if _is_shape(spec):
        return spec, numpy.float32
    if isinstance(spec, (tuple, list)) and len(spec) == 2 and _is_shape(spec[0]):
        try:
            return spec[0], numpy.dtype(spec[1])
        except TypeError:
            pass
    raise TypeError(f"Link: parameter {name!r} must be given as a shape or a (shape, dtype) "
                    f"pair, got {spec!r}")


class Link:
    """A building block of models: parameters, persistent values and ``forward``.

    Args:
        **params: Deprecated Chainer form ``Link(W=(3, 4))``: each entry adds a
            NaN-filled parameter of that shape (float32), or of a
            ``(shape, dtype)`` pair: ``Link(W=((3, 4), numpy.float16))``.

    Example:
        >>> class Affine(rechain.Link):
        ...     def __init__(self):
        ...         super().__init__()
        ...         with self.init_scope():
        ...             self.W = rechain.Parameter(initializers.Normal(), (3, 2))
        ...     def forward(self, x):
        ...         return F.matmul(x, self.W)
    """

    def __init__(self, **params):
        d = self.__dict__
        d["_params"] = set()
        d["_persistent"] = set()
        d["_within_init_scope"] = False
        d["name"] = None
        d["_device"] = None  # None: CPU; otherwise the CuPy device id
        d["_plain_call"] = not type(self)._has_mixin_call
        for name, spec in params.items():
            shape, dtype = _shape_and_dtype(name, spec)
            self.add_param(name, shape, dtype=dtype)

    # -- registration ------------------------------------------------------------
    @property
    def within_init_scope(self):
        """True inside ``with self.init_scope():``."""
        return getattr(self, "_within_init_scope", False)

    @contextlib.contextmanager
    def init_scope(self):
        """Context in which assigned Parameters (and links, for a Chain) are registered."""
        self._check_ready()
        old = self.within_init_scope
        self.__dict__["_within_init_scope"] = True
        try:
            yield
        finally:
            self.__dict__["_within_init_scope"] = old

    def _check_ready(self):
        if "_params" not in self.__dict__:
            raise RuntimeError(_NO_INIT_MESSAGE)

    def __setattr__(self, name, value):
        if self.within_init_scope and isinstance(value, Parameter):
            self._check_ready()
            value.name = name
            if self._device is not None:
                value.to_gpu(self._device)
            self._params.add(name)
            self._persistent.discard(name)
        elif name in self.__dict__.get("_params", ()) and not isinstance(value, Parameter):
            self._params.discard(name)
        super().__setattr__(name, value)

    def __delattr__(self, name):
        self._params.discard(name)
        self._persistent.discard(name)
        super().__delattr__(name)

    def add_param(self, name, shape=None, dtype=numpy.float32, initializer=None):
        """Register a new parameter (old-style API; prefer ``init_scope``).

        Args:
            name (str): Attribute name.
            shape: Shape, or None to leave it uninitialised.
            dtype: dtype used when ``initializer`` is None.
            initializer: Initializer, array or scalar; default NaN.
        """
        self._check_ready()
        if name in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.add_param: cannot register a new "
                                 f"parameter {name!r}: the attribute already exists")
        if initializer is None:
            from rechain import initializers
            initializer = initializers.NaN(dtype)
        with self.init_scope():
            setattr(self, name, Parameter(initializer, shape))

    def add_persistent(self, name, value):
        """Register a persistent value (array or scalar) as attribute ``name``.

        Persistent values are serialized and moved by ``to_cpu``/``to_gpu``,
        but not trained.
        """
        self._check_ready()
        if name in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.add_persistent: cannot register "
                                 f"{name!r}: the attribute already exists")
        self._persistent.add(name)
        self._params.discard(name)
        super().__setattr__(name, value)

    def register_persistent(self, name):
        """Mark the existing attribute ``name`` as persistent."""
        self._check_ready()
        if not hasattr(self, name):
            raise AttributeError(f"{type(self).__name__}.register_persistent: no attribute "
                                 f"{name!r} to register")
        self._persistent.add(name)
        self._params.discard(name)

    # -- device --------------------------------------------------------------------
    @property
    def xp(self):
        """``numpy`` or ``cupy``, where this link's arrays live."""
        return numpy if self._device is None else backend.cupy

    @property
    def device(self):
        """The :class:`~rechain.backend.Device` holding this link's arrays (a
        device object of the user's that :meth:`to_device` was given is kept)."""
        custom = self.__dict__.get("_custom_device")
        if custom is not None:
            return custom
        if self._device is None:
            return backend.CpuDevice()
        return backend.GpuDevice(self._device)

    def _move_persistents(self, move):
        d = self.__dict__
        for name in self._persistent:
            v = d[name]
            if isinstance(v, backend.array_types):
                d[name] = move(v)

    def to_cpu(self):
        """Move parameters and persistent arrays to the CPU; returns self.

        Deprecated as in Chainer v7 (every call warns, an override's
        ``super().to_cpu()`` too; use ``to_device('@numpy')``). A descendant
        whose class overrides ``to_cpu`` (deprecated as well: it warns when the
        class is defined) has its override called once, as in Chainer.
        """
        _warn_deprecated_move("to_cpu", "'@numpy'")
        return self._move_to(None)

    def to_gpu(self, device=None):
        """Move parameters and persistent arrays to a GPU; returns self.

        Deprecated as in Chainer v7 (it warns; use ``to_device('@cupy:N')``).
        Overrides of ``to_gpu`` in descendants are called as for :meth:`to_cpu`.
        """
        _warn_deprecated_move("to_gpu", "'@cupy:N'")
        backend._require_cupy("Link.to_gpu")
        return self._move_to(backend.cupy.cuda.Device(device).id)

    def _move_to(self, gpu):
        """Move this link's subtree to the CPU (``gpu`` None) or to GPU ``gpu``."""
        for link in self.links():
            d = link.__dict__
            for name in link._params:
                d[name].to_cpu() if gpu is None else d[name].to_gpu(gpu)
            link._move_persistents(backend.to_cpu if gpu is None
                                   else lambda a: backend.to_gpu(a, gpu))
            d["_device"] = gpu
            d.pop("_custom_device", None)
            link._move_extra()
        if gpu is None:
            self._call_overrides("to_cpu")
        else:
            self._call_overrides("to_gpu", gpu)
        return self

    def _move_extra(self):
        """Move state other than parameters and persistents to ``self._device``
        (None: the CPU). Links with such state (an LSTM's ``c`` and ``h``) override
        this; it is called on every link of a moved subtree."""

    def _call_overrides(self, method, *args):
        # Each overriding descendant once; its own call covers its subtree.
        base = getattr(Link, method)
        for _, child in self.namedchildren():
            if getattr(type(child), method) is not base:
                getattr(child, method)(*args)
            else:
                child._call_overrides(method, *args)

    def to_device(self, device):
        """Move parameters and persistent arrays to ``device``; returns self.

        Args:
            device: A device object or any specifier :func:`rechain.get_device`
                accepts (``'@numpy'``, ``'@cupy:0'``, ``-1``, ``0`` ...).

        Example:
            >>> model.to_device('@numpy').device
            <CpuDevice (numpy)>
        """
        device = backend.get_device(device)
        gpu = device.device.id if isinstance(device, backend.GpuDevice) else None
        method = "to_cpu" if gpu is None else "to_gpu"
        if getattr(type(self), method) is not getattr(Link, method):
            # an override of this very link's class runs instead (Chainer's)
            getattr(self, method)(*(() if gpu is None else (gpu,)))
        else:
            self._move_to(gpu)
        if gpu is None and not isinstance(device, backend.CpuDevice) \
                and device.xp is numpy:
            # a device object of the user's on the host (Chainer's DummyDevice
            # kind): arrays go through its send, and it is kept as the device
            for link in self.links():
                d = link.__dict__
                for name in link._params:
                    d[name].to_device(device)
                link._move_persistents(device.send)
                d["_custom_device"] = device
        return self

    # -- traversal ------------------------------------------------------------------
    def params(self, include_uninit=True):
        """Yield every parameter of this link and its descendants."""
        for _, p in self.namedparams(include_uninit):
            yield p

    def namedparams(self, include_uninit=True):
        """Yield ``(path, parameter)`` pairs, paths like ``'/l1/W'``: own
        parameters by name, then each child's."""
        d = self.__dict__
        for name in sorted(self._params):
            p = d[name]
            if include_uninit or p.array is not None:
                yield "/" + name, p
        for name, child in self.namedchildren():
            prefix = "/" + name
            for path, p in child.namedparams(include_uninit):
                yield prefix + path, p

    def links(self, skipself=False):
        """Yield this link (unless ``skipself``) and all its descendants."""
        for _, link in self.namedlinks(skipself):
            yield link

    def namedlinks(self, skipself=False):
        """Yield ``(path, link)`` pairs: ``('/', self)``, ``('/l1', ...)``, ..."""
        if not skipself:
            yield "/", self
        for name, child in self.namedchildren():
            prefix = "/" + name
            yield prefix, child
            for path, link in child.namedlinks(skipself=True):
                yield prefix + path, link

    def children(self):
        """Yield the direct child links."""
        for _, child in self.namedchildren():
            yield child

    def namedchildren(self):
        """Yield ``(name, child)`` for the direct child links."""
        return iter(())

    def persistents(self):
        """Yield ``(name, value)`` of this link's own persistent values, by name."""
        d = self.__dict__
        for name in sorted(self._persistent):
            yield name, d[name]

    # -- gradients -----------------------------------------------------------------
    def cleargrads(self):
        """Set every parameter's gradient to None."""
        for p in self.params():
            p.cleargrad()

    def zerograds(self):
        """Set every initialised parameter's gradient to zeros (prefer ``cleargrads``)."""
        warnings.warn("Link.zerograds is deprecated; use Link.cleargrads",
                      DeprecationWarning, stacklevel=2)
        for p in self.params():
            p.zerograd()

    def addgrads(self, link):
        """Add the gradients of ``link``'s parameters to the matching parameters here."""
        src = dict(link.namedparams())
        for path, dst in self.namedparams():
            other = src.get(path)
            if other is None:
                raise ValueError(f"{type(self).__name__}.addgrads: {path} is missing "
                                 f"in the source link")
            g = other.grad
            if g is None:
                continue
            if dst.array is not None and g.shape != dst.shape:
                raise ValueError(f"{type(self).__name__}.addgrads: gradient of {path} has "
                                 f"shape {g.shape}, the parameter has shape {dst.shape}")
            if backend.get_array_module(g) is not dst.xp and dst.array is not None:
                g = backend.to_gpu(g) if dst.xp is not numpy else backend.to_cpu(g)
            dst.grad = g if dst.grad is None else dst.grad + g

    def copyparams(self, link, copy_persistent=True):
        """Copy the values of ``link``'s parameters (and persistents) into this link."""
        src = dict(link.namedparams())
        for path, dst in self.namedparams():
            other = src.get(path)
            if other is None:
                raise ValueError(f"{type(self).__name__}.copyparams: {path} is missing "
                                 f"in the source link")
            if other.array is None:
                continue
            if dst.array is not None and dst.shape != other.shape:
                raise ValueError(f"{type(self).__name__}.copyparams: {path} has shape "
                                 f"{other.shape} in the source but {dst.shape} here")
            dst.copydata(other)
        if copy_persistent:
            src_links = dict(link.namedlinks())
            for path, dst_link in self.namedlinks():
                other = src_links.get(path)
                if other is None:
                    continue
                for name in dst_link._persistent:
                    value = getattr(other, name, None)
                    mine = dst_link.__dict__[name]
                    if isinstance(mine, backend.array_types) and \
                            isinstance(value, backend.array_types):
                        xp = backend.get_array_module(mine)
                        xp.copyto(mine, xp.asarray(value) if xp is not numpy
                                  else backend.to_cpu(value))
                    else:
                        dst_link.__dict__[name] = _copy.deepcopy(value)

    def count_params(self):
        """Number of scalars in all parameters (uninitialised ones count 0, with a warning)."""
        total = 0
        for path, p in self.namedparams():
            if p.array is None:
                warnings.warn(f"{type(self).__name__}.count_params: parameter {path} is not "
                              f"initialised yet and is not counted", stacklevel=2)
                continue
            total += p.size
        return total

    # -- update control --------------------------------------------------------------
    def disable_update(self):
        """Freeze every parameter (its update rule, once set, skips updates)."""
        for p in self.params():
            if p.update_rule is not None:
                p.update_rule.enabled = False

    def enable_update(self):
        """Unfreeze every parameter."""
        for p in self.params():
            if p.update_rule is not None:
                p.update_rule.enabled = True

    @property
    def update_enabled(self):
        """True if at least one parameter has an enabled update rule (Chainer's meaning;
        False before an optimizer gave the parameters rules)."""
        return any(p.update_rule is not None and p.update_rule.enabled for p in self.params())

    # -- copy and serialization --------------------------------------------------------
    def copy(self, mode="share"):
        """Return a copy of this link (and its descendants).

        Args:
            mode (str): ``'share'``: the copy's parameters share this link's
                arrays; ``'copy'``: arrays (and gradients) are copied;
                ``'init'``: parameters are freshly initialised by their
                initializers (with the same shapes). Persistent arrays are
                shared in ``'share'`` mode and copied otherwise. The copy's
                parameters have no update rule (no optimizer is set up on it).
                As in Chainer, a ``'share'`` copy's parameters have no gradient
                and its root's ``name`` is None; ``'copy'`` and ``'init'`` keep
                the name (Chainer deep-copies there).
        """
        if mode not in ("share", "copy", "init"):
            raise ValueError(f"{type(self).__name__}.copy: mode must be 'share', 'copy' "
                             f"or 'init', got {mode!r}")
        ret = _copy.copy(self)
        d = ret.__dict__
        d["_params"] = set(self._params)
        d["_persistent"] = set(self._persistent)
        if mode == "share":
            d["name"] = None
        for name in self._params:
            d[name] = _copy_param(self.__dict__[name], mode)
        if mode != "share":
            for name in self._persistent:
                d[name] = _copy.deepcopy(self.__dict__[name])
        for name in self._fresh_on_copy:
            d[name] = type(d[name])()
        return ret

    def __deepcopy__(self, memo):
        # A Parameter's graph node refers back to its Variable, which a generic
        # deepcopy would not redirect: copy parameters as ``copy(mode='copy')``
        # does, then deep-copy everything else around them.
        for link in self.links():
            for name in link._params:
                p = link.__dict__[name]
                if id(p) not in memo:
                    memo[id(p)] = _copy_param(p, "copy")
        cls = type(self)
        ret = cls.__new__(cls)
        memo[id(self)] = ret
        fresh = self._fresh_on_copy
        for key, value in self.__dict__.items():
            ret.__dict__[key] = type(value)() if key in fresh else _copy.deepcopy(value, memo)
        return ret

    #: Attributes (containers) that a copy gets empty instead of copied.
    _fresh_on_copy = frozenset()

    def repeat(self, n_repeat, mode="init"):
        """A :class:`Sequential` of ``n_repeat`` copies of this link (see :meth:`copy`).

        The copies are the Sequential's children ``0 .. n_repeat - 1``; a
        Sequential repeated nests (its copies are Sequentials), so the
        parameters of ``Sequential(L.Linear(2, 2), F.relu).repeat(3)`` are
        ``/0/0/W`` ... ``/2/0/b``, as in Chainer.
        """
        if n_repeat < 0:
            raise ValueError(f"{type(self).__name__}.repeat: n_repeat must be >= 0, "
                             f"got {n_repeat}")
        return Sequential(*[self.copy(mode) for _ in range(n_repeat)])

    def serialize(self, serializer):
        """Save or load parameters and persistent values through ``serializer``."""
        d = self.__dict__
        for name in sorted(self._params):
            p = d[name]
            data = serializer(name, p.array)
            if data is not None and p.array is None:
                p.initialize(data.shape)
                xp = p.xp
                xp.copyto(p.array, xp.asarray(data) if xp is not numpy
                          else backend.to_cpu(data), casting="same_kind")
        for name in sorted(self._persistent):
            value = serializer(name, d[name])
            if value is not None and d[name] is None and self._device is not None:
                value = backend.to_gpu(value, self._device)
            d[name] = value

    # -- link hooks ------------------------------------------------------------------
    @property
    def local_link_hooks(self):
        """The ordered dict of hooks added to this link by :meth:`add_hook`."""
        hooks = self.__dict__.get("_local_link_hooks")
        if hooks is None:
            hooks = self.__dict__["_local_link_hooks"] = {}
        return hooks

    def add_hook(self, hook, name=None):
        """Register a :class:`~rechain.link_hooks.LinkHook` on this link only; returns self."""
        from rechain.link_hooks import link_hook
        return link_hook._add_local(self, hook, name)

    def delete_hook(self, name):
        """Unregister the hook called ``name`` from this link."""
        from rechain.link_hooks import link_hook
        link_hook._delete_local(self, name)

    # -- calling ---------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if _link_hooks_on or not self._plain_call:
            return self._call_rare(args, kwargs)
        try:
            forward = self.forward
        except AttributeError:
            raise _no_forward(self) from None
        return forward(*args, **kwargs)

    def _call_rare(self, args, kwargs):
        # hooks, a mixin's __call__ or a missing super().__init__(): off the fast path
        if "_params" not in self.__dict__:
            raise RuntimeError(_NO_INIT_MESSAGE)
        if _link_hooks_on:
            from rechain.link_hooks import link_hook
            return link_hook._call_hooked(self, args, kwargs)
        return _forward_of(self)(*args, **kwargs)

    #: True when a class after Link in the MRO (a mixin) defines ``__call__``;
    #: set per class by ``__init_subclass__``. Chainer calls that instead of
    #: ``forward``.
    _has_mixin_call = False
    #: True on an instance whose Link.__init__ ran and whose class has no mixin
    #: ``__call__``: one lookup decides the fast path of ``__call__``.
    _plain_call = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        mro = cls.__mro__
        cls._has_mixin_call = any("__call__" in k.__dict__ for k in mro[mro.index(Link) + 1:])
        for method in _FINAL_MOVES:
            if method in cls.__dict__:
                raise TypeError(f"{cls.__qualname__}: Link.{method} cannot be overridden "
                                f"(as in Chainer)")
        for method in _DEPRECATED_MOVES:
            # rechain's own links move their extra state this way too; only a
            # class of the user's is told (Chainer warns at class definition).
            if method in cls.__dict__ and not cls.__module__.startswith("rechain."):
                warnings.warn(f"{cls.__qualname__}: overriding Link.{method} is deprecated "
                              f"(as in Chainer v7)", DeprecationWarning, stacklevel=2)

    @property
    def printable_specs(self):
        """``(name, value)`` pairs the repr shows, ``Name(a=1, b=2)`` (Chainer's API;
        none here; links with settings override it or ``_repr_fields``)."""
        return iter(())

    def _repr_fields(self):
        return ", ".join(f"{k}={v}" for k, v in self.printable_specs)

    def __repr__(self):
        return f"{type(self).__name__}({self._repr_fields()})"


_FINAL_MOVES = ("to_device", "to_chx", "from_chx")
_DEPRECATED_MOVES = ("to_cpu", "to_gpu", "to_intel64")


def _forward_of(link):
    """What calling ``link`` runs: a mixin's ``__call__`` (Chainer prefers it), else
    ``link.forward``; AttributeError if the link has neither."""
    if link._has_mixin_call:
        return super(Link, link).__call__
    forward = getattr(link, "forward", None)
    if forward is None:
        raise _no_forward(link)
    return forward


def _no_forward(link):
    return AttributeError(f"{type(link).__name__} defines no forward method (a Link "
                          f"subclass implements forward(); calling it runs forward)")


def fill_param(link, param, shape, dtype):
    """Initialise ``param`` with its own initializer in ``dtype`` on ``link``'s device.

    Unlike ``param.initialize``, the dtype is the link's choice, whatever the
    initializer declares.
    """
    array = empty(link, shape, dtype)
    param.initializer(array)
    param.array = array


def empty(link, shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype`` on ``link``'s device."""
    shape = (int(shape),) if isinstance(shape, (int, numpy.integer)) else tuple(shape)
    if link._device is None:
        return numpy.empty(shape, dtype=dtype)
    with backend.cupy.cuda.Device(link._device):
        return backend.cupy.empty(shape, dtype=dtype)


def _copy_param(p, mode):
    initializer = p.initializer
    if mode == "init" and (initializer is not None or p.array is None):
        new = Parameter(initializer, name=p.name)
        if p.array is not None:
            dev = backend.get_device_of(p.array)
            if dev != "cpu":
                new.to_gpu(dev.id)
            new.initialize(p.shape)
        else:
            new._initial_device = p._initial_device
        return new
    new = Parameter(name=p.name)
    new.initializer = initializer
    new._initial_device = p._initial_device
    if p.array is not None:
        if mode == "share":
            new.array = p.array
        else:
            new.array = p.array.copy()
            if p.grad is not None:
                new.grad = p.grad.copy()
    return new


class Chain(Link):
    """A link whose child links are attributes, registered in ``init_scope``.

    Args:
        **links: Child links to register (old-style API).

    Example:
        >>> class MLP(rechain.Chain):
        ...     def __init__(self):
        ...         super().__init__()
        ...         with self.init_scope():
        ...             self.l1 = L.Linear(None, 10)
        ...             self.l2 = L.Linear(10, 2)
        ...     def forward(self, x):
        ...         return self.l2(F.relu(self.l1(x)))
    """

    def __init__(self, **links):
        super().__init__()
        self.__dict__["_children"] = set()
        for name, link in links.items():
            self.add_link(name, link)

    def __setattr__(self, name, value):
        if self.within_init_scope and isinstance(value, Link):
            if "_children" not in self.__dict__:
                raise RuntimeError(f"{type(self).__name__}: call super().__init__() in "
                                   f"__init__ before registering links")
            if value is self:
                raise ValueError(f"{type(self).__name__}: a link cannot be its own child")
            value.name = name
            self._children.add(name)
        elif name in self.__dict__.get("_children", ()) and not isinstance(value, Link):
            self._children.discard(name)
        super().__setattr__(name, value)

    def __delattr__(self, name):
        self.__dict__.get("_children", set()).discard(name)
        super().__delattr__(name)

    def __getitem__(self, name):
        """The child link ``name`` (``chain['l1']``)."""
        if name not in self._children:
            raise KeyError(f"{type(self).__name__} has no child link {name!r}")
        return self.__dict__[name]

    def add_link(self, name, link):
        """Register a child link (old-style API; prefer ``init_scope``)."""
        if name in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.add_link: cannot register a new "
                                 f"link {name!r}: the attribute already exists")
        if not isinstance(link, Link):
            raise TypeError(f"{type(self).__name__}.add_link: {name!r} must be a Link, "
                            f"not {type(link).__name__}")
        with self.init_scope():
            setattr(self, name, link)

    def namedchildren(self):
        d = self.__dict__
        for name in sorted(self._children):
            yield name, d[name]

    def copy(self, mode="share"):
        ret = super().copy(mode)
        d = ret.__dict__
        d["_children"] = set(self._children)
        for name in self._children:
            child = self.__dict__[name].copy(mode)
            child.name = name
            d[name] = child
        return ret

    def serialize(self, serializer):
        super().serialize(serializer)
        for name, child in self.namedchildren():
            child.serialize(serializer[name])

    def __repr__(self):
        lines = [f"{type(self).__name__}("]
        for name, child in self.namedchildren():  # one child a line, ending in ',' (Chainer)
            lines.append(f"  ({name}): " + repr(child).replace("\n", "\n  ") + ",")
        lines.append(")")
        return "\n".join(lines) if len(lines) > 2 else f"{type(self).__name__}()"


class ChainList(Link):
    """A link whose child links form a list.

    Args:
        *links: Initial children.

    Example:
        >>> layers = rechain.ChainList(L.Linear(3, 4), L.Linear(4, 2))
        >>> layers[1].W.shape
        (2, 4)
    """

    def __init__(self, *links):
        super().__init__()
        self.__dict__["_children"] = []
        for link in links:
            self.append(link)

    def __setattr__(self, name, value):
        if self.within_init_scope and isinstance(value, Link):
            raise TypeError(f"{type(self).__name__}: cannot register a link as attribute "
                            f"{name!r}; use append()")
        super().__setattr__(name, value)

    def _rename(self):
        for i, child in enumerate(self._children):
            child.name = str(i)

    def forget(self, plan=None, budget=None, segments=None, planner=None):
        """A callable that runs the children as a chain with forget regions.

        Args:
            plan (Plan or schedule): Use this plan.
            budget (int or str): Plan for this peak: bytes (an int, a float
                above 1, ``"300MiB"``) or ``"60%"`` of the store-all peak (a
                float in (0, 1] is an error: write ``"60%"``), with ``planner``
                (default ``rechain.recompute.optimal``); the chain is measured
                at the first training call, and no-backprop or ``train=False``
                calls run plainly (rechain.recompute.apply, Note [when a
                planned chain plans]).
            segments (int): ``checkpoint_sequential``: that many equal regions.
            planner: Planner used with ``budget``.

        With no argument every block runs in its own forget region. The
        blocks are read at every call: one appended later is included.

        Returns:
            rechain.recompute.PlannedChain: call it like the chain.
        """
        # Imported here: planning is built on links, not links on planning;
        # rechain.recompute never imports this module, so no circle.
        from rechain.recompute import apply
        return apply.PlannedChain(self, plan=plan, budget=budget, segments=segments,
                                  planner=planner)

    def _check_child(self, link, where):
        if not isinstance(link, Link):
            raise TypeError(f"{type(self).__name__}.{where}: expected a Link, "
                            f"got {type(link).__name__}")
        if link is self:
            raise ValueError(f"{type(self).__name__}: a link cannot be its own child")

    def append(self, link):
        """Add ``link`` at the end."""
        self._check_child(link, "append")
        link.name = str(len(self._children))
        self._children.append(link)

    add_link = append

    def extend(self, links):
        """Append every link of ``links`` (any iterable of links)."""
        for link in list(links):
            self.append(link)

    def __iadd__(self, links):
        """``chain_list += links``: :meth:`extend` (as a MutableSequence does)."""
        self.extend(links)
        return self

    def insert(self, index, link):
        """Insert ``link`` before position ``index``; the children are renamed."""
        self._check_child(link, "insert")
        self._children.insert(index, link)
        self._rename()

    def pop(self, index=-1):
        """Remove and return the child at ``index``; the rest are renamed."""
        link = self._children.pop(index)
        self._rename()
        return link

    def remove(self, link):
        """Remove ``link`` (compared by identity); the rest are renamed."""
        for i, child in enumerate(self._children):
            if child is link:
                del self._children[i]
                self._rename()
                return
        raise ValueError(f"{type(self).__name__}.remove: the link is not a child")

    def clear(self):
        """Remove every child."""
        self._children.clear()

    def index(self, link):
        """The position of ``link`` (compared by identity)."""
        for i, child in enumerate(self._children):
            if child is link:
                return i
        raise ValueError(f"{type(self).__name__}.index: the link is not a child")

    def count(self, link):
        return sum(1 for child in self._children if child is link)

    def __contains__(self, link):
        return any(child is link for child in self._children)

    def __getitem__(self, index):
        return self._children[index]

    def __setitem__(self, index, value):
        """Replace the child at ``index`` (an int), or a slice by an iterable of links."""
        if isinstance(index, slice):
            links = list(value)
            for link in links:
                self._check_child(link, "__setitem__")
        elif isinstance(index, (int, numpy.integer)) and not isinstance(index, bool):
            self._check_child(value, "__setitem__")
        else:
            raise TypeError(f"{type(self).__name__}: indices must be integers or slices, "
                            f"not {type(index).__name__}")
        self._children[index] = links if isinstance(index, slice) else value
        self._rename()

    def __delitem__(self, index):
        del self._children[index]
        self._rename()

    def __iter__(self):
        return iter(self._children)

    def __reversed__(self):
        return reversed(self._children)

    def __len__(self):
        return len(self._children)

    def namedchildren(self):
        for i, child in enumerate(self._children):
            yield str(i), child

    def copy(self, mode="share"):
        ret = super().copy(mode)
        ret.__dict__["_children"] = [c.copy(mode) for c in self._children]
        ret._rename()
        return ret

    def serialize(self, serializer):
        super().serialize(serializer)
        for name, child in self.namedchildren():
            child.serialize(serializer[name])

    def __repr__(self):
        lines = [f"{type(self).__name__}("]
        for name, child in self.namedchildren():  # one child a line, ending in ',' (Chainer)
            lines.append(f"  ({name}): " + repr(child).replace("\n", "\n  ") + ",")
        lines.append(")")
        return "\n".join(lines) if len(lines) > 2 else f"{type(self).__name__}()"


_abc.MutableSequence.register(ChainList)


class InvalidLayer(TypeError, ValueError):
    """A Sequential was given something that is not a layer (not callable), or was
    added to something that is not a Sequential.

    A TypeError, what Python raises for a value of the wrong kind, and a
    ValueError, what Chainer raises there, so that code catching either works.
    """


def _layer_repr(layer):
    """How a Sequential prints a layer (Chainer's): a lambda by its source line,
    anything else by ``str``."""
    if getattr(layer, "__name__", None) == "<lambda>":
        import inspect
        try:
            return inspect.getsource(layer).strip().rstrip(",")
        except (OSError, TypeError):  # defined where no source is kept (a REPL)
            pass
    return str(layer)


class Sequential(ChainList):
    """Layers called one after the other: ``y = f_n(...f_2(f_1(x)))``.

    Layers are links (registered as children, so their parameters are the
    Sequential's) or plain callables such as ``F.relu``. When a layer returns
    a tuple, the next layer receives its elements as positional arguments.
    Children are named by their position among the *link* layers, so
    ``Sequential(L.Linear(3, 4), F.relu, L.Linear(4, 2))`` has parameters
    ``/0/W``, ``/0/b``, ``/1/W``, ``/1/b``.

    Args:
        *layers: Links or callables.

    Example:
        >>> model = rechain.Sequential(L.Linear(3, 4), F.relu, L.Linear(4, 2))
        >>> model(numpy.ones((5, 3), numpy.float32)).shape
        (5, 2)
    """

    def __init__(self, *layers):
        super().__init__()
        self.__dict__["_layers"] = []
        for layer in layers:
            self.append(layer)

    @staticmethod
    def _check_layer(layer, where):
        if not callable(layer):
            raise InvalidLayer(f"Sequential.{where}: a layer must be a Link or a callable, "
                               f"got {type(layer).__name__}")

    def _sync(self):
        self.__dict__["_children"] = [la for la in self._layers if isinstance(la, Link)]
        self._rename()

    def append(self, layer):
        """Add ``layer`` at the end."""
        self._check_layer(layer, "append")
        if layer is self:
            raise ValueError("Sequential: a link cannot be its own layer")
        self._layers.append(layer)
        if isinstance(layer, Link):
            layer.name = str(len(self._children))
            self._children.append(layer)

    def extend(self, layers):
        """Append every layer of ``layers``."""
        for layer in layers:
            self.append(layer)

    def insert(self, index, layer):
        """Insert ``layer`` before position ``index``, which must lie in
        ``-len(self) .. len(self)`` (IndexError otherwise, as in Chainer; a list
        would clamp it)."""
        n = len(self._layers)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for "
                             f"{n} layers")
        self._check_layer(layer, "insert")
        self._layers.insert(index, layer)
        self._sync()

    def pop(self, index=-1):
        """Remove and return the layer at ``index``."""
        layer = self._layers.pop(index)
        self._sync()
        return layer

    def remove(self, layer):
        """Remove the first occurrence of ``layer``."""
        self._layers.remove(layer)
        self._sync()

    def index(self, layer):
        return self._layers.index(layer)

    def count(self, layer):
        return self._layers.count(layer)

    def __getitem__(self, index):
        """The layer at ``index`` (a list of layers for a slice)."""
        return self._layers[index]

    def __setitem__(self, index, layer):
        self._check_layer(layer, "__setitem__")
        self._layers[index] = layer
        self._sync()

    def __delitem__(self, index):
        del self._layers[index]
        self._sync()

    def __iter__(self):
        return iter(self._layers)

    def __len__(self):
        return len(self._layers)

    def __add__(self, other):
        if isinstance(other, Sequential):
            return Sequential(*(self._layers + other._layers))
        if callable(other):
            return Sequential(*(self._layers + [other]))
        raise InvalidLayer(f"Sequential +: the right side must be a Sequential or a "
                           f"layer, not {type(other).__name__}")

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise InvalidLayer(f"Sequential +=: the right side must be a Sequential, not "
                               f"{type(other).__name__}")
        self.extend(list(other._layers))
        return self

    @staticmethod
    def _type_name(layer):
        """A link's class name, or a function's ``__name__``."""
        if isinstance(layer, Link):
            return type(layer).__name__
        return getattr(layer, "__name__", type(layer).__name__)

    def count_by_layer_type(self, type_name):
        """How many layers are links of class ``type_name`` or functions of that name."""
        return sum(1 for la in self._layers if self._type_name(la) == type_name)

    def remove_by_layer_type(self, type_name):
        """Remove every layer that is a link of class ``type_name`` or a
        function of that name."""
        for la in [la for la in self._layers if self._type_name(la) == type_name]:
            self.remove(la)

    def flatten(self):
        """A Sequential of the same layers, nested Sequentials expanded in place."""
        flat = []
        for la in self._layers:
            if isinstance(la, Sequential):
                flat.extend(la.flatten()._layers)
            else:
                flat.append(la)
        return Sequential(*flat)

    def clear(self):
        """Remove every layer."""
        self._layers.clear()
        self._sync()

    def __contains__(self, layer):
        return layer in self._layers

    def __reversed__(self):
        return reversed(self._layers)

    def copy(self, mode="share"):
        ret = Link.copy(self, mode)
        layers = [la.copy(mode) if isinstance(la, Link) else la for la in self._layers]
        ret.__dict__["_layers"] = layers
        ret._sync()
        return ret

    def forward(self, *x):
        """Call the layers in order on ``x``."""
        if not self._layers:
            raise RuntimeError("Sequential.forward: the Sequential has no layer")
        for layer in self._layers:
            x = layer(*x) if isinstance(x, tuple) else layer(x)
        return x

    def __repr__(self):
        # Chainer's layout: one layer a line, ending in ','; a lambda by its source
        lines = [f"{type(self).__name__}("]
        for i, layer in enumerate(self._layers):
            lines.append(f"  ({i}): " + _layer_repr(layer).replace("\n", "\n  ") + ",")
        lines.append(")")
        return "\n".join(lines) if len(lines) > 2 else f"{type(self).__name__}()"

    def __copy__(self):
        # a shallow copy (Link.copy's first step) without __reduce_ex__, which
        # refuses lambdas for pickling
        cls = type(self)
        ret = cls.__new__(cls)
        ret.__dict__.update(self.__dict__)
        return ret

    def __reduce_ex__(self, protocol):
        lambdas = [i for i, la in enumerate(self._layers)
                   if getattr(la, "__name__", None) == "<lambda>"]
        if lambdas:
            raise ValueError(f"Sequential: layer {lambdas[0]} is a lambda, which pickle "
                             f"cannot save; use a def or functools.partial (Chainer's "
                             f"error too)")
        return super().__reduce_ex__(protocol)
