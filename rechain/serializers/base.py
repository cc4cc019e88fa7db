"""Serializer protocol.

An object with a ``serialize(serializer)`` method calls
``value = serializer(key, value)`` for each value it wants saved, and
``serializer[name]`` to hand a child object a serializer for a sub-path. A
saving :class:`Serializer` records the value and returns it; a loading
:class:`Deserializer` returns the stored value: it copies it into ``value``
in place when that is an array, returns a new array when ``value`` is None,
and converts it to ``type(value)`` for scalars. A missing key raises
``KeyError``.
"""


class Serializer:
    """Base class of saving serializers."""

    def __getitem__(self, key):
        raise NotImplementedError

    def __call__(self, key, value):
        raise NotImplementedError


class Deserializer(Serializer):
    """Base class of loading serializers (``isinstance`` tells loading from saving)."""
