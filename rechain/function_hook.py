"""Chainer's ``chainer.function_hook`` module: the FunctionHook base class
(rechain.function_hooks)."""

from rechain.function_hooks.function_hook import FunctionHook  # noqa: F401
