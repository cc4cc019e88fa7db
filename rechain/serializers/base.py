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

    def save(self, obj):
        """Save ``obj`` through this serializer: ``obj.serialize(self)``."""
        _check_serializable(obj, type(self).__name__ + ".save")
        obj.serialize(self)


class Deserializer(Serializer):
    """Base class of loading serializers (``isinstance`` tells loading from saving)."""

    def save(self, obj):
        raise TypeError(f"{type(self).__name__}.save: a deserializer loads; use load(obj)")

    def load(self, obj):
        """Load ``obj``'s values through this deserializer: ``obj.serialize(self)``."""
        _check_serializable(obj, type(self).__name__ + ".load")
        obj.serialize(self)


def _check_serializable(obj, where):
    if not callable(getattr(obj, "serialize", None)):
        raise TypeError(f"{where}: {type(obj).__name__} has no serialize method")
