"""Serializers, Chainer's ``chainer.serializers``: save and load .npz and HDF5 files.

HDF5 needs the optional h5py; without it the HDF5 names exist and raise
``RuntimeError`` when used.
"""

from rechain.serializers.base import Deserializer, Serializer
from rechain.serializers.hdf5 import (HDF5Deserializer, HDF5Serializer, load_hdf5,
                                      save_hdf5)
from rechain.serializers.npz import (DictionarySerializer, NpzDeserializer, load_npz,
                                     save_npz)

__all__ = ["Deserializer", "DictionarySerializer", "HDF5Deserializer", "HDF5Serializer",
           "NpzDeserializer", "Serializer", "load_hdf5", "load_npz", "save_hdf5", "save_npz"]
