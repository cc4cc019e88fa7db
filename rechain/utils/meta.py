"""Final methods: ``final`` marks a method that subclasses must not override (``chainer.utils``).

A class opts in by deriving from the base that :func:`enable_final` returns;
its metaclass checks every new subclass and raises (or warns) when the class
body redefines a name that an ancestor marked final.
"""

import warnings

_MARK = "__rechain_final_action__"


def _mark(obj, action):
    if not (isinstance(action, type) and issubclass(action, Exception)):
        raise TypeError(f"final: action must be an Exception or Warning class, got {action!r}")
    targets = [obj]
    for attr in ("__func__", "fget"):   # staticmethod / classmethod, property
        inner = getattr(obj, attr, None)
        if inner is not None:
            targets.append(inner)
    for target in targets:
        try:
            setattr(target, _MARK, action)
        except (AttributeError, TypeError):
            pass
    if getattr(obj, _MARK, None) is None and all(getattr(t, _MARK, None) is None
                                                 for t in targets):
        raise TypeError(f"final: cannot mark {obj!r} as final")
    return obj


def final(*args, **kwargs):
    """Declare a method final: a subclass that redefines it raises ``TypeError``.

    Use as ``@final`` or ``@final(action=SomeWarning)``; with a Warning class
    the override is allowed but warns, with another Exception class that
    exception is raised. The class must derive from a base returned by
    :func:`enable_final` for the check to run.

    Args:
        action (type): An Exception (raised) or Warning (warned) class;
            TypeError by default.

    Example:
        >>> class Base(enable_final()):
        ...     @final
        ...     def step(self):
        ...         return 1
        >>> class Child(Base):
        ...     def step(self):
        ...         return 2
        Traceback (most recent call last):
        ...
        TypeError: Child: method 'step' is final in Base and cannot be overridden
    """
    if len(args) == 1 and not kwargs:
        return _mark(args[0], TypeError)
    if args:
        raise TypeError("final: use it as @final or @final(action=...), not with "
                        f"positional arguments {args!r}")
    unknown = set(kwargs) - {"action"}
    if unknown:
        raise TypeError(f"final: unexpected keyword arguments {sorted(unknown)}")
    action = kwargs.get("action", TypeError)

    def decorate(f):
        return _mark(f, action)
    return decorate


def _final_owner(bases, name):
    """(action, class) of the nearest definition of ``name`` in ``bases``, if final."""
    for base in bases:
        for klass in base.__mro__:
            if name in vars(klass):
                obj = vars(klass)[name]
                action = getattr(obj, _MARK, None)
                for attr in ("__func__", "fget"):
                    if action is None:
                        action = getattr(getattr(obj, attr, None), _MARK, None)
                if action is not None:
                    return action, klass
                break
    return None


class _FinalChecking(type):
    """Metaclass that refuses (or warns about) overrides of final methods."""

    def __new__(mcs, name, bases, namespace, **kwargs):
        for key in namespace:
            found = _final_owner(bases, key)
            if found is None:
                continue
            action, owner = found
            message = f"{name}: method {key!r} is final in {owner.__name__}"
            if issubclass(action, Warning):
                warnings.warn(f"{message}; overriding it", action, stacklevel=2)
            else:
                raise action(f"{message} and cannot be overridden")
        return super().__new__(mcs, name, bases, namespace, **kwargs)


def enable_final(base=(), meta_base=()):
    """A base class under which :func:`final` is enforced.

    ``class C(enable_final(base=B)): ...`` makes ``C`` derive from ``B``
    directly (``C.__bases__ == (B,)``) with a metaclass that checks ``C`` and
    all its subclasses.

    Args:
        base (type or tuple of types): The base classes of the class defined.
        meta_base (type or tuple of types): Metaclasses to combine with the
            checking one (needed when a base has its own metaclass, e.g.
            ``abc.ABCMeta``).

    Returns:
        type: A stand-in base to derive from.
    """
    bases = tuple(base) if isinstance(base, (list, tuple)) else (base,)
    metas = tuple(meta_base) if isinstance(meta_base, (list, tuple)) else (meta_base,)
    checking = type("_FinalCheckingMeta", (_FinalChecking,) + metas, {})

    class _StandIn(type):
        # Builds the class the user defines with the real bases and metaclass
        # in place of the stand-in.
        def __new__(mcs, name, this_bases, namespace):
            return checking(name, bases, namespace)

    return type.__new__(_StandIn, "_final_enabled_base", (), {})
