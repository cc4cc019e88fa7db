"""LinkHook: callbacks around every ``Link.__call__``, Chainer's ``chainer.LinkHook``.

A hook is registered either on one link (``link.add_hook(hook)``) or, for
every link called in the current thread, with ``with hook:``. Before a link's
``forward`` runs, each hook's :meth:`LinkHook.forward_preprocess` gets a
:class:`ForwardPreprocessArgs` (``link``, ``forward_name``, ``args``,
``kwargs``); after it, :meth:`LinkHook.forward_postprocess` gets the same plus
``out``. Global hooks run first, then the link's own, each in registration
order.

Cost: ``Link.__call__`` checks one module global, ``_link_hooks_on`` of
``rechain.links.link``, that this module sets while a global hook is active in
any thread or once any link got a hook of its own; with it off a call costs
what it did without hooks but that check.
"""

import threading

from rechain.links import link as _link

_local = threading.local()
_lock = threading.Lock()
_n_global = 0          # global registrations alive, over all threads
_any_local = False     # a link ever had a hook of its own (sticky: links may be copied)


def get_link_hooks():
    """The calling thread's dict of global (``with hook:``) link hooks, by name."""
    hooks = getattr(_local, "hooks", None)
    if hooks is None:
        hooks = _local.hooks = {}
    return hooks


def _refresh():
    _link._link_hooks_on = _any_local or _n_global > 0


class ForwardPreprocessArgs:
    """What :meth:`LinkHook.forward_preprocess` receives."""

    __slots__ = ("link", "forward_name", "args", "kwargs")

    def __init__(self, link, forward_name, args, kwargs):
        self.link = link
        self.forward_name = forward_name
        self.args = args
        self.kwargs = kwargs

    def __repr__(self):
        return (f"{type(self).__name__}(link={type(self.link).__name__}, "
                f"forward_name={self.forward_name!r}, {len(self.args)} args, "
                f"kwargs={sorted(self.kwargs)})")


class ForwardPostprocessArgs(ForwardPreprocessArgs):
    """What :meth:`LinkHook.forward_postprocess` receives (``out`` added)."""

    __slots__ = ("out",)

    def __init__(self, link, forward_name, args, kwargs, out):
        super().__init__(link, forward_name, args, kwargs)
        self.out = out


class LinkHook:
    """Base class of link hooks; every callback does nothing by default.

    Subclasses override :meth:`added`, :meth:`deleted`,
    :meth:`forward_preprocess` and :meth:`forward_postprocess`. A hook may
    change ``args.args``/``args.kwargs`` in ``forward_preprocess`` (the call
    uses them) and ``args.out`` in ``forward_postprocess`` (the call returns it).

    Example:
        >>> with link_hooks.TimerHook() as timer:
        ...     y = model(x)
        >>> timer.total_time()  # doctest: +SKIP
    """

    name = "LinkHook"

    def __enter__(self):
        global _n_global
        hooks = get_link_hooks()
        if self.name in hooks:
            raise KeyError(f"{type(self).__name__}: a link hook named {self.name!r} is "
                           f"already active in this thread")
        hooks[self.name] = self
        with _lock:
            _n_global += 1
            _refresh()
        self.added(None)
        return self

    def __exit__(self, *exc):
        global _n_global
        hooks = get_link_hooks()
        if hooks.get(self.name) is not self:
            return False
        try:
            self.deleted(None)
        finally:
            del hooks[self.name]
            with _lock:
                _n_global -= 1
                _refresh()
        return False

    def added(self, link):
        """Called when registered: ``link`` is the link, or None for ``with hook:``."""

    def deleted(self, link):
        """Called when unregistered: ``link`` is the link, or None for ``with hook:``."""

    def forward_preprocess(self, args):
        """Called before ``forward`` with a :class:`ForwardPreprocessArgs`."""

    def forward_postprocess(self, args):
        """Called after ``forward`` with a :class:`ForwardPostprocessArgs`."""


def _add_local(link, hook, name):
    global _any_local
    if not isinstance(hook, LinkHook):
        raise TypeError(f"{type(link).__name__}.add_hook: hook must be a LinkHook, got "
                        f"{type(hook).__name__}")
    name = hook.name if name is None else name
    hooks = link.local_link_hooks
    if name in hooks:
        raise KeyError(f"{type(link).__name__}.add_hook: a hook named {name!r} already "
                       f"exists on this link")
    hooks[name] = hook
    with _lock:
        _any_local = True
        _refresh()
    hook.added(link)
    return link


def _delete_local(link, name):
    hooks = link.local_link_hooks
    if name not in hooks:
        raise KeyError(f"{type(link).__name__}.delete_hook: no hook named {name!r} on "
                       f"this link (it has {sorted(hooks)})")
    hook = hooks[name]
    try:
        hook.deleted(link)
    finally:
        del hooks[name]


def _call_hooked(link, args, kwargs):
    """``Link.__call__`` when hooks may be active: the callbacks around ``forward``."""
    forward = _link._forward_of(link)
    hooks = get_link_hooks()
    own = link.__dict__.get("_local_link_hooks")
    if own:
        hooks = {**hooks, **own} if hooks else own
    if not hooks:
        return forward(*args, **kwargs)
    hooks = tuple(hooks.values())
    pre = ForwardPreprocessArgs(link, "forward", args, kwargs)
    for hook in hooks:
        hook.forward_preprocess(pre)
    out = forward(*pre.args, **pre.kwargs)
    post = ForwardPostprocessArgs(link, "forward", pre.args, pre.kwargs, out)
    for hook in hooks:
        hook.forward_postprocess(post)
    return post.out
