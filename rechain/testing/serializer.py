"""Round trips through a serializer: ``save_and_load`` and its NPZ/HDF5 short cuts."""

import os

from rechain import utils


def save_and_load(src, dst, filename, saver, loader):
    """``saver(path, src)`` then ``loader(path, dst)`` in a temporary directory."""
    with utils.tempdir() as d:
        path = os.path.join(d, filename)
        saver(path, src)
        loader(path, dst)


def save_and_load_npz(src, dst):
    """Save ``src`` to an NPZ file and load it into ``dst``."""
    from rechain import serializers
    save_and_load(src, dst, "tmp.npz", serializers.save_npz, serializers.load_npz)


def save_and_load_hdf5(src, dst):
    """Save ``src`` to an HDF5 file and load it into ``dst`` (needs h5py support)."""
    from rechain import serializers
    if not hasattr(serializers, "save_hdf5"):
        raise RuntimeError("save_and_load_hdf5: rechain.serializers has no HDF5 "
                           "serializer here (save_hdf5/load_hdf5 need the h5py extra)")
    save_and_load(src, dst, "tmp.h5", serializers.save_hdf5, serializers.load_hdf5)
