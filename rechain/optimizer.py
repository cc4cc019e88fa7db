"""Optimizer machinery: hyperparameters, per-parameter update rules, hooks.

An :class:`Optimizer` is set up on a target link. A :class:`GradientMethod`
gives every parameter of the target an :class:`UpdateRule` (stored as
``param.update_rule``) that owns the parameter's state (e.g. Adam's moments)
and a :class:`Hyperparameter` whose unset attributes fall back to the
optimizer's, so ``optimizer.lr = 0.1`` changes every rule while
``param.update_rule.hyperparam.lr = 0`` overrides one parameter.

One update (:meth:`GradientMethod.update`):

1. with a loss function: compute the loss, clear the gradients, backprop
   (with the optimizer's loss scale, if set);
2. divide every gradient recorded with a loss scale (``param._loss_scale``,
   set by ``backward(loss_scale=s)``) by that scale, then forget the scale;
3. give every initialized parameter whose gradient is None (backward
   never reached it, or it was cleared) a zero gradient
   (:meth:`GradientMethod.reallocate_cleared_grads`, again after each hook
   and after the update), as Chainer does: a parameter unused in one step
   is still updated, so momentum, weight decay and Adam's step count go on;
4. call the ``'pre'`` hooks (e.g. weight decay, gradient clipping);
5. ``t += 1`` and update each parameter with its rule, uninitialized ones
   included (their rule's ``t`` advances and ``update_core`` is called with
   no gradient; the built-in rules then do nothing);
6. call the ``'post'`` hooks.

Hooks never modify a gradient array in place: backprop may hand the same
gradient array to several parameters, so hooks and the loss-scale division
replace ``param.grad`` with a new array.
"""

import collections
import copy

import numpy

from rechain import backend
from rechain import function_node
from rechain import variable as _variable


def _not_set_up(optimizer, what):
    return RuntimeError(f"{type(optimizer).__name__}.{what}: the optimizer has no target "
                        f"link; call optimizer.setup(model) first")


class Hyperparameter:
    """A set of hyperparameters whose unset attributes are read from a parent.

    Args:
        parent (Hyperparameter or None): Where unset attributes come from.

    Example:
        >>> base = Hyperparameter(); base.lr = 0.1
        >>> child = Hyperparameter(base); child.lr
        0.1
    """

    def __init__(self, parent=None):
        self.__dict__["_parent"] = parent

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        parent = self.__dict__.get("_parent")
        if parent is None:
            raise AttributeError(f"hyperparameter {name!r} is not set")
        return getattr(parent, name)

    @property
    def parent(self):
        return self.__dict__["_parent"]

    def get_dict(self):
        """All hyperparameters (own and inherited) as a dict."""
        parent = self.__dict__["_parent"]
        d = {} if parent is None else parent.get_dict()
        d.update((k, v) for k, v in self.__dict__.items() if k != "_parent")
        return d

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in sorted(self.get_dict().items()))
        return f"Hyperparameter({fields})"


class HyperparameterProxy:
    """Class attribute forwarding ``optimizer.name`` to ``optimizer.hyperparam.name``."""

    def __init__(self, attr_name):
        self._attr_name = attr_name
        self.__doc__ = f"Alias of ``hyperparam.{attr_name}``."

    def __get__(self, obj, type=None):
        if obj is None:
            return self
        return getattr(obj.hyperparam, self._attr_name)

    def __set__(self, obj, value):
        setattr(obj.hyperparam, self._attr_name, value)


def unique_params(link, include_uninit=True):
    """The parameters of ``link``, each once even if reachable along several paths.

    A link used twice (``Sequential(l, F.relu, l)``) lists its parameters
    twice; updating or clipping them twice would be wrong.
    """
    seen = set()
    for p in link.params(include_uninit):
        if id(p) not in seen:
            seen.add(id(p))
            yield p


def _unscale_grad(param):
    """Divide a gradient recorded with a loss scale by it, once."""
    scale = getattr(param, "_loss_scale", None)  # a plain Variable has none
    if scale is None:
        return
    g = param.grad
    if g is not None:
        param.grad = g / float(scale)
    param._loss_scale = None


def _param_dtype(param):
    """The dtype of ``param``; None for an uninitialized Parameter whose
    initializer declares none."""
    try:
        return param.dtype
    except RuntimeError:
        return None


def _on_cpu(param):
    if param.array is not None:
        return backend.get_array_module(param.array) is numpy
    return getattr(param, "_initial_device", None) is None


def _uninitialized_float32(name):
    """An uninitialized float32 Parameter whose initializer must never run."""
    def initializer(array):
        raise RuntimeError("UpdateRule.use_fp32_update: the float32 copy of an "
                           "uninitialized parameter is never initialized by itself")
    initializer.dtype = numpy.float32
    return _variable.Parameter(initializer, name=name)


class UpdateRule:
    """How one parameter is updated, with its own state and hyperparameters.

    Subclasses implement :meth:`init_state` (fill ``self.state``) and
    :meth:`update_core_cpu` (array code written with ``xp``, used on both
    backends unless :meth:`update_core_gpu` is overridden).

    Args:
        parent_hyperparam (Hyperparameter): The optimizer's hyperparameters.

    Attributes:
        enabled (bool): False freezes the parameter.
        t (int): Number of updates applied.
        hyperparam (Hyperparameter): This rule's hyperparameters.
    """

    def __init__(self, parent_hyperparam=None):
        self._pre_update_hooks = collections.OrderedDict()
        self._post_update_hooks = collections.OrderedDict()
        self._state = None
        self.enabled = True
        self.t = 0
        self.hyperparam = Hyperparameter(parent_hyperparam)
        self._use_fp32_update = False
        self._fp32_param = None

    @property
    def state(self):
        """The state dict (None until the first update)."""
        return self._state

    def add_hook(self, hook, name=None, timing="pre"):
        """Add ``hook(rule, param)`` called before (``'pre'``) or after each update."""
        if not callable(hook):
            raise TypeError(f"UpdateRule.add_hook: hook must be callable, "
                            f"not {type(hook).__name__}")
        if timing not in ("pre", "post"):
            raise ValueError(f"UpdateRule.add_hook: timing must be 'pre' or 'post', "
                             f"got {timing!r}")
        name = name or getattr(hook, "name", None) or getattr(hook, "__name__", None) \
            or type(hook).__name__
        if name in self._pre_update_hooks or name in self._post_update_hooks:
            raise KeyError(f"UpdateRule.add_hook: a hook named {name!r} already exists")
        hooks = self._pre_update_hooks if timing == "pre" else self._post_update_hooks
        hooks[name] = hook

    def remove_hook(self, name):
        """Remove the hook called ``name``."""
        for hooks in (self._pre_update_hooks, self._post_update_hooks):
            if name in hooks:
                del hooks[name]
                return
        raise KeyError(f"UpdateRule.remove_hook: no hook named {name!r}")

    def init_state(self, param):
        """Fill ``self.state`` for ``param`` (called before the first update)."""

    def use_fp32_update(self, flag=True):
        """Update a float16 parameter through a float32 copy of it (``flag``).

        The copy (``fp32_param``) is made at the first update and kept: each
        update converts the gradient to float32 (and divides out a loss scale
        there), updates the copy, with the state and hooks on the copy, and
        writes it back to the parameter rounded to float16. Small steps that
        float16 would round away thus accumulate. Parameters of other dtypes
        are updated as they are.
        """
        self._use_fp32_update = bool(flag)

    @property
    def fp32_param(self):
        """The float32 copy of the parameter (:meth:`use_fp32_update`), or None."""
        return self._fp32_param

    def _fp32_target(self, param):
        """The float32 copy of ``param`` given its gradient (converted, unscaled).

        An uninitialized ``param`` gets an uninitialized float32 copy (kept
        until the parameter has an array)."""
        scale = getattr(param, "_loss_scale", None)
        if scale is not None:
            param._loss_scale = None
        master = self._fp32_param
        if param.array is None:
            if master is None or master.array is not None:
                master = _uninitialized_float32(param.name)
                self._fp32_param = master
            return master
        if master is None or master.array is None or master.shape != param.shape:
            master = _variable.Parameter(param.array.astype(numpy.float32), name=param.name)
            self._fp32_param = master
        if param.grad is None:
            master.grad = None
            return master
        grad = param.grad.astype(numpy.float32)
        if scale is not None:
            grad /= float(scale)
        master.grad = grad
        return master

    def update(self, param):
        """Update ``param`` from its gradient (nothing if the rule is disabled).

        As in Chainer, ``t`` advances and the hooks and :meth:`update_core`
        are called also for a parameter without a gradient or without an
        array (uninitialized); the state is initialized (:meth:`init_state`)
        only once the parameter has an array. An ``update_core`` must thus
        do nothing when ``param.grad`` is None, as the built-in rules do.
        """
        if not self.enabled:
            return
        self.t += 1
        initialized = param.array is not None
        if self._use_fp32_update and _param_dtype(param) == numpy.float16:
            target = self._fp32_target(param)
        else:
            _unscale_grad(param)
            target = param
        if initialized:
            if self._state is None:
                self._state = {}
                self.init_state(target)
            else:
                self._move_state(target)
        for hook in self._pre_update_hooks.values():
            hook(self, target)
        if initialized:
            function_node.before_parameter_update(param)
        self.update_core(target)
        for hook in self._post_update_hooks.values():
            hook(self, target)
        if target is not param:
            if initialized:
                param.array[...] = target.array
            target.grad = None

    def _move_state(self, param):
        """Put state arrays (e.g. just loaded on the CPU) where the parameter is."""
        xp = backend.get_array_module(param.array)
        for key, value in self._state.items():
            if isinstance(value, backend.array_types) and \
                    backend.get_array_module(value) is not xp:
                self._state[key] = (backend.to_cpu(value) if xp is numpy
                                    else backend.to_gpu(value, param.array.device.id))

    def update_core(self, param):
        """Apply the update; dispatches on the parameter's array module (an
        uninitialized parameter goes to the CPU method unless it is bound
        for a GPU)."""
        if _on_cpu(param):
            self.update_core_cpu(param)
        else:
            self.update_core_gpu(param)

    def update_core_cpu(self, param):
        raise NotImplementedError(f"{type(self).__name__}.update_core_cpu is not implemented")

    def update_core_gpu(self, param):
        self.update_core_cpu(param)

    def update_core_chainerx(self, param):
        """Chainer's update for ChainerX arrays; rechain has none, so :meth:`update_core`
        never calls it. Called directly, it updates as :meth:`update_core` does."""
        if _on_cpu(param):
            self.update_core_cpu(param)
        else:
            self.update_core_gpu(param)

    def _state_keys(self):
        """The state keys :meth:`init_state` creates (found on a dummy parameter).

        The probe is a shallow copy sharing a fresh state dict with ``self``
        (so an ``init_state`` that writes ``rule.state`` of the rule itself
        is seen too); ``self``'s state is put back afterwards.
        """
        dummy = _variable.Variable(numpy.zeros((1,), dtype=numpy.float32))
        dummy.grad = numpy.zeros((1,), dtype=numpy.float32)
        saved, self._state = self._state, {}
        try:
            probe = copy.copy(self)
            probe.init_state(dummy)
            return sorted(self._state)
        finally:
            self._state = saved

    def serialize(self, serializer):
        """Save or load ``t`` and the state.

        Loading into a rule without state builds the state from the stored
        arrays. If an entry is absent (a non-strict deserializer gives None;
        a strict one raises KeyError, which a disabled rule ignores), the
        rule keeps no state and initializes it at its next update, as in
        Chainer; a rule stored before its first update has no entries.
        """
        self.t = serializer("t", self.t)
        if self._state is not None:
            for key in sorted(self._state):
                self._state[key] = serializer(key, self._state[key])
            return
        from rechain.serializers import base as _sbase
        if not isinstance(serializer, _sbase.Deserializer):
            return
        state = {}
        for key in self._state_keys():
            try:
                value = serializer(key, None)
            except KeyError:
                if self.enabled:
                    raise
                value = None
            if value is None:
                return
            state[key] = value
        if state:
            self._state = state

    def __repr__(self):
        return f"{type(self).__name__}(t={self.t}, hyperparam={self.hyperparam!r})"


class Optimizer:
    """Base class of optimizers.

    Attributes:
        target (Link): The link being optimised (None before :meth:`setup`).
        t (int): Number of updates done.
        epoch (int): Epoch counter, advanced by :meth:`new_epoch`.
    """

    target = None
    t = 0
    epoch = 0
    use_auto_new_epoch = False
    _loss_scale = None
    _loss_scale_max = 65504.0  # the largest float16
    _dynamic_loss_scale = None  # (growth per clean step, a non-finite step seen yet)

    def __init__(self):
        self.target = None
        self.t = 0
        self.epoch = 0
        self._pre_update_hooks = collections.OrderedDict()
        self._post_update_hooks = collections.OrderedDict()

    def _hooks(self):
        d = self.__dict__
        if "_pre_update_hooks" not in d:
            d["_pre_update_hooks"] = collections.OrderedDict()
            d["_post_update_hooks"] = collections.OrderedDict()
        return d["_pre_update_hooks"], d["_post_update_hooks"]

    def setup(self, link):
        """Set the target link (resets ``t`` and ``epoch``); returns self.

        Example:
            >>> optimizer = optimizers.Adam().setup(model)
        """
        from rechain.links import link as _link
        if not isinstance(link, _link.Link):
            raise TypeError(f"{type(self).__name__}.setup: the optimization target must be "
                            f"a link (a rechain.Link), not {type(link).__name__}")
        self.target = link
        self.t = 0
        self.epoch = 0
        self._hooks()
        return self

    def _require_target(self, what):
        if self.target is None:
            raise _not_set_up(self, what)

    def update(self, lossfun=None, *args, **kwds):
        """Update the target's parameters (see subclasses)."""
        raise NotImplementedError(f"{type(self).__name__}.update is not implemented")

    def new_epoch(self, auto=False):
        """Advance the epoch counter.

        An updater that advances the epoch itself sets ``use_auto_new_epoch``
        and calls ``new_epoch(auto=True)``; as in Chainer, a call of the other
        kind then is an error (the epoch would advance twice, or never).
        """
        name = type(self).__name__
        if auto and not self.use_auto_new_epoch:
            raise RuntimeError(f"{name}.new_epoch(auto=True): use_auto_new_epoch is False; "
                               f"an updater calling this must set "
                               f"optimizer.use_auto_new_epoch = True")
        if not auto and self.use_auto_new_epoch:
            raise RuntimeError(f"{name}.new_epoch: an updater already advances the epoch "
                               f"(use_auto_new_epoch is True); pass auto_new_epoch=False "
                               f"to the updater or stop calling new_epoch yourself")
        self.epoch += 1

    def set_loss_scale(self, loss_scale):
        """Scale the loss by ``loss_scale`` in ``update(lossfun)``'s backward pass.

        Gradients are divided by the scale again before the update.
        """
        self._loss_scale = loss_scale
        self._dynamic_loss_scale = None

    def loss_scaling(self, interval=1000, scale=None):
        """Scale the loss in ``update(lossfun)``'s backward pass (float16 training).

        With ``scale`` the scale is that constant ("static" scaling, as
        :meth:`set_loss_scale`). Without, it is "dynamic": it starts at 1 and
        doubles after every update until a gradient first holds an inf or a
        NaN; from then on it grows by ``2 ** (1 / interval)`` per update
        (doubling every ``interval`` updates). An update whose gradients are
        not all finite is skipped, with a warning, and halves the scale. The
        scale stays within [1, 65504]. Chainer's algorithm.

        Args:
            interval (int): Updates per doubling once a non-finite gradient was seen.
            scale (float): A fixed scale, or None for dynamic scaling.
        """
        name = type(self).__name__
        if scale is None:
            if not isinstance(interval, (int, numpy.integer)) or interval < 1:
                raise ValueError(f"{name}.loss_scaling: interval must be an int >= 1, got "
                                 f"{interval!r}")
            self._loss_scale = 1.0
            self._dynamic_loss_scale = [2.0 ** (1.0 / int(interval)), False]
        else:
            if not scale > 0:
                raise ValueError(f"{name}.loss_scaling: scale must be positive, got {scale!r}")
            self.set_loss_scale(scale)

    def _grads_finite(self, params):
        """False (with a warning) if a gradient holds an inf or NaN (dynamic scaling only)."""
        if self._dynamic_loss_scale is None:
            return True
        for param in params:
            g = param.grad
            if g is not None and not bool(backend.get_array_module(g).isfinite(g).all()):
                import warnings
                warnings.warn(f"{type(self).__name__}.update: non-finite gradient of "
                              f"{param.name!r} (update {self.t}, loss scale "
                              f"{self._loss_scale}); the update is skipped", UserWarning,
                              stacklevel=3)
                self._dynamic_loss_scale[1] = True
                return False
        return True

    def _next_loss_scale(self, finite):
        dyn = self._dynamic_loss_scale
        if dyn is None:
            return
        factor = 0.5 if not finite else (dyn[0] if dyn[1] else 2.0)
        self._loss_scale = max(1.0, min(self._loss_scale_max, self._loss_scale * factor))

    def add_hook(self, hook, name=None, timing="auto"):
        """Register a hook called at every update.

        Args:
            hook: ``hook(optimizer)``, or ``hook(rule, param)`` for each
                parameter when ``hook.call_for_each_param`` is True.
            name (str): Name (default ``hook.name`` or the type's name).
            timing (str): ``'pre'`` (before the parameter updates), ``'post'``,
                or ``'auto'`` (``hook.timing`` if present, else ``'pre'``).

        Example:
            >>> optimizer.add_hook(optimizer_hooks.WeightDecay(1e-4))
        """
        if self.target is None:
            raise _not_set_up(self, "add_hook")
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.add_hook: hook must be callable, "
                            f"not {type(hook).__name__}")
        if timing == "auto":
            timing = getattr(hook, "timing", "pre")
        if timing not in ("pre", "post"):
            raise ValueError(f"{type(self).__name__}.add_hook: timing must be 'pre', 'post' "
                             f"or 'auto', got {timing!r}")
        name = name or getattr(hook, "name", None) or getattr(hook, "__name__", None) \
            or type(hook).__name__
        pre, post = self._hooks()
        if name in pre or name in post:
            raise KeyError(f"{type(self).__name__}.add_hook: a hook named {name!r} "
                           f"already exists")
        (pre if timing == "pre" else post)[name] = hook

    def remove_hook(self, name):
        """Remove the hook called ``name``."""
        for hooks in self._hooks():
            if name in hooks:
                del hooks[name]
                return
        raise KeyError(f"{type(self).__name__}.remove_hook: no hook named {name!r}")

    def call_hooks(self, timing="pre"):
        """Call the hooks of ``timing`` (``'pre'`` or ``'post'``)."""
        self._require_target("call_hooks")
        pre, post = self._hooks()
        for hook in list((pre if timing == "pre" else post).values()):
            self.call_hook(hook)

    def call_hook(self, hook):
        """Call one hook: ``hook(rule, param)`` for each parameter if
        ``hook.call_for_each_param``, else ``hook(self)``."""
        if getattr(hook, "call_for_each_param", False):
            for param in unique_params(self.target):
                hook(param.update_rule, param)
        else:
            hook(self)

    def serialize(self, serializer):
        """Save or load ``t``, ``epoch`` and every update rule's state."""
        self._require_target("serialize")
        self.t = serializer("t", self.t)
        self.epoch = serializer("epoch", self.epoch)
        for path, param in self.target.namedparams():
            rule = param.update_rule
            if rule is not None:
                rule.serialize(serializer[path[1:]])


class GradientMethod(Optimizer):
    """An optimizer that updates each parameter from its gradient by an UpdateRule.

    Subclasses implement :meth:`create_update_rule`.
    """

    def __init__(self):
        super().__init__()
        self.hyperparam = Hyperparameter()
        self._use_fp32_update = False

    def setup(self, link):
        super().setup(link)
        for param in unique_params(link):
            param.update_rule = self.create_update_rule()
            if self._use_fp32_update:
                param.update_rule.use_fp32_update()
        return self

    def use_fp32_update(self, flag=True):
        """Update float16 parameters through float32 copies (see
        :meth:`UpdateRule.use_fp32_update`), for the target's parameters and
        those of a later :meth:`setup`."""
        self._use_fp32_update = bool(flag)
        target = getattr(self, "target", None)
        if target is not None:
            for param in unique_params(target):
                if param.update_rule is not None:
                    param.update_rule.use_fp32_update(flag)

    def create_update_rule(self):
        """A new UpdateRule whose hyperparameters default to this optimizer's."""
        raise NotImplementedError(f"{type(self).__name__}.create_update_rule is not "
                                  f"implemented")

    def update(self, lossfun=None, *args, **kwds):
        """Update the parameters of the target link.

        Args:
            lossfun (callable): If given, ``loss = lossfun(*args, **kwds)`` is
                computed, gradients are cleared and ``loss.backward()`` run
                before the update. Otherwise the gradients already stored in
                the parameters are used.

        Example:
            >>> optimizer.update(model.loss, x, t)
        """
        self._require_target("update")
        if lossfun is not None:
            loss = lossfun(*args, **kwds)
            if not isinstance(loss, _variable.Variable):
                raise TypeError(f"{type(self).__name__}.update: lossfun must return a "
                                f"Variable, got {type(loss).__name__}")
            self.target.cleargrads()
            loss.backward(loss_scale=self._loss_scale)
            del loss
        params = list(unique_params(self.target))
        for param in params:
            _unscale_grad(param)
        self.reallocate_cleared_grads()
        finite = self._grads_finite(params)
        self.call_hooks("pre")
        self.t += 1
        if finite:
            for param in params:
                param.update()
        self.reallocate_cleared_grads()
        self.call_hooks("post")
        self._next_loss_scale(finite)

    def reallocate_cleared_grads(self):
        """Give every initialized parameter whose gradient is None a zero gradient.

        Called by :meth:`update` before the hooks, after each hook and after
        the parameter updates (Chainer's behaviour), so that hooks and update
        rules see a gradient for every parameter, and a parameter that the
        loss did not reach is still updated (with a zero gradient: momentum
        and weight decay act on it). A subclass that must skip such
        parameters can override this with a method doing nothing.
        """
        self._require_target("reallocate_cleared_grads")
        for param in unique_params(self.target, False):
            if param.grad is None:
                xp = backend.get_array_module(param.array)
                param.grad = xp.zeros_like(param.array)

    def call_hook(self, hook):
        super().call_hook(hook)
        self.reallocate_cleared_grads()

    def use_cleargrads(self, use=True):
        """Kept for Chainer compatibility; gradients are always cleared to None."""


# -- Chainer's deprecated aliases of the optimizer hooks ---------------------------------

def _deprecated_hook(hook_cls):
    """A subclass of ``hook_cls`` that warns, as ``chainer.optimizer.<Hook>`` does."""
    name = hook_cls.__name__

    def __init__(self, *args, **kwargs):
        import warnings
        warnings.warn(f"rechain.optimizer.{name} is deprecated (as in Chainer since v4); "
                      f"use rechain.optimizer_hooks.{name}", DeprecationWarning, stacklevel=2)
        hook_cls.__init__(self, *args, **kwargs)

    return type(name, (hook_cls,), {
        "__init__": __init__, "__module__": __name__,
        "__doc__": f"Deprecated alias of :class:`rechain.optimizer_hooks.{name}`."})


_DEPRECATED_HOOKS = ("WeightDecay", "Lasso", "GradientClipping", "GradientHardClipping",
                     "GradientNoise")


def __getattr__(name):
    # Made on first use: rechain.optimizer_hooks imports this module.
    if name in _DEPRECATED_HOOKS:
        from rechain import optimizer_hooks
        cls = _deprecated_hook(getattr(optimizer_hooks, name))
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
