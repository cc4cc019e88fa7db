"""``chainer.link``: the module Chainer code imports Link, Chain and ChainList from.

The classes live in :mod:`rechain.links.link`; this module is that module's
public face under Chainer's path, so ``rechain.link.Chain is rechain.Chain``.
"""

from rechain.links.link import Chain, ChainList, Link, Parameter, Sequential  # noqa: F401

__all__ = ["Link", "Chain", "ChainList", "Sequential", "Parameter"]
