"""FunctionHook: callbacks around every FunctionNode's forward and backward.

A hook is active for the current thread inside ``with hook:``. Its four
callbacks get Chainer's arguments: ``forward_preprocess(function, in_data)``,
``forward_postprocess(function, in_data)``, ``backward_preprocess(function,
in_data, out_grad)`` and ``backward_postprocess(function, in_data,
out_grad)``, where ``in_data`` and ``out_grad`` are tuples of arrays. In
backward, ``in_data`` holds None for every input: rechain nodes keep only the
arrays their backward needs (a hook that wants the inputs records them in
``forward_preprocess``). A hook with ``outputs_too = True`` gets the forward's
output arrays as a third argument of ``forward_postprocess``.

Note [function hook entry point]: the core imports nothing above it, so this
module installs itself into it. While at least one hook is active in any
thread, ``rechain.function_node._function_hooks`` is this module; otherwise
it is None. The core calls four module functions, and only when that
attribute is not None, so a program without hooks pays one global load and
test per op::

    # rechain/function_node.py, module level
    _function_hooks = None   # rechain.function_hooks.function_hook while a hook is active

    # FunctionNode.apply, after out_data has been checked and converted:
    fh = _function_hooks
    if fh is not None:
        fh.forward_pre(self, in_data)      # before self.forward(in_data)
        ...
        fh.forward_post(self, in_data, out_data)

    # rechain/_backprop.py, once per backward pass before the node loop:
    fh = _function_node._function_hooks
    # and around ``gxs = f.backward(targets, gys)``:
    if fh is not None:
        fh.backward_pre(f, gys)
    ...
    if fh is not None:
        fh.backward_post(f, gys)

Ops that a hook's callback runs are not hooked themselves.
"""

import sys
import threading

from rechain import function_node as _function_node
from rechain import variable as _variable

_local = threading.local()
_lock = threading.Lock()
_n_active = 0


def get_function_hooks():
    """The calling thread's dict of active function hooks, by name."""
    hooks = getattr(_local, "hooks", None)
    if hooks is None:
        hooks = _local.hooks = {}
    return hooks


def _set_installed():
    _function_node._function_hooks = sys.modules[__name__] if _n_active > 0 else None


# -- the entry points the core calls ------------------------------------------------------

def _active():
    """This thread's hooks, or None (none, or already inside a hook's callback)."""
    hooks = getattr(_local, "hooks", None)
    if not hooks or getattr(_local, "busy", False):
        return None
    return tuple(hooks.values())


def _run(hooks, method, *args):
    _local.busy = True  # ops a callback runs are not themselves hooked
    try:
        for hook in hooks:
            getattr(hook, method)(*args)
    finally:
        _local.busy = False


def forward_pre(node, in_data):
    """Before ``node.forward(in_data)``."""
    hooks = _active()
    if hooks:
        _run(hooks, "forward_preprocess", node, in_data)


def forward_post(node, in_data, out_data):
    """After ``node.forward``; ``out_data`` is the tuple of output arrays."""
    hooks = _active()
    if not hooks:
        return
    _local.busy = True
    try:
        for hook in hooks:
            if hook.outputs_too:
                hook.forward_postprocess(node, in_data, out_data)
            else:
                hook.forward_postprocess(node, in_data)
    finally:
        _local.busy = False


def _backward_args(node, grad_outputs):
    n_in = len(node.inputs) if node.inputs is not None else 0
    out_grad = tuple(None if g is None else _variable.as_array(g) for g in grad_outputs)
    return (None,) * n_in, out_grad


def backward_pre(node, grad_outputs):
    """Before ``node.backward(targets, grad_outputs)`` (Variables or None)."""
    hooks = _active()
    if hooks:
        _run(hooks, "backward_preprocess", node, *_backward_args(node, grad_outputs))


def backward_post(node, grad_outputs):
    """After ``node.backward``."""
    hooks = _active()
    if hooks:
        _run(hooks, "backward_postprocess", node, *_backward_args(node, grad_outputs))


# -- the base class -----------------------------------------------------------------------

class FunctionHook:
    """Base class of function hooks; every callback does nothing by default.

    Example:
        >>> with function_hooks.TimerHook() as timer:
        ...     loss = model(x); loss.backward()
        >>> timer.print_report()  # doctest: +SKIP
    """

    name = "FunctionHook"
    #: True: ``forward_postprocess`` also gets the output arrays.
    outputs_too = False

    def __enter__(self):
        global _n_active
        hooks = get_function_hooks()
        if self.name in hooks:
            raise KeyError(f"{type(self).__name__}: a function hook named {self.name!r} is "
                           f"already active in this thread")
        hooks[self.name] = self
        with _lock:
            _n_active += 1
            _set_installed()
        self.added(None)
        return self

    def __exit__(self, *exc):
        global _n_active
        hooks = get_function_hooks()
        if hooks.get(self.name) is not self:
            return False
        try:
            self.deleted(None)
        finally:
            del hooks[self.name]
            with _lock:
                _n_active -= 1
                _set_installed()
        return False

    def added(self, function):
        """Called when the hook becomes active (``function`` is None: all functions)."""

    def deleted(self, function):
        """Called when the hook stops."""

    def forward_preprocess(self, function, in_data):
        """Called before ``function``'s forward with its input arrays."""

    def forward_postprocess(self, function, in_data):
        """Called after ``function``'s forward."""

    def backward_preprocess(self, function, in_data, out_grad):
        """Called before ``function``'s backward with the output gradients."""

    def backward_postprocess(self, function, in_data, out_grad):
        """Called after ``function``'s backward."""
