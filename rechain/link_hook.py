"""Chainer's ``chainer.link_hook`` module: the LinkHook base class (rechain.link_hooks)."""

from rechain.link_hooks.link_hook import LinkHook  # noqa: F401
