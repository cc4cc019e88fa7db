"""``chainer.serializer``: the module of the serializer base classes under Chainer's path.

The classes live in :mod:`rechain.serializers.base`. Chainer's
``AbstractSerializer`` is the common base of saving and loading
serializers; in rechain that base is :class:`Serializer` itself
(:class:`Deserializer` derives from it), so ``AbstractSerializer`` names it
and ``isinstance(s, AbstractSerializer)`` holds for both kinds.
"""

from rechain.serializers.base import Deserializer, Serializer  # noqa: F401

AbstractSerializer = Serializer

__all__ = ["AbstractSerializer", "Serializer", "Deserializer"]
