"""Serializers, Chainer's ``chainer.serializers``: save and load .npz files."""

from rechain.serializers.base import Deserializer, Serializer
from rechain.serializers.npz import (DictionarySerializer, NpzDeserializer, load_npz,
                                     save_npz)

__all__ = ["Deserializer", "DictionarySerializer", "NpzDeserializer", "Serializer",
           "load_npz", "save_npz"]
