"""save_hdf5 / load_hdf5: the .npz serializers' contract over HDF5 files (needs h5py).

The serialization tree maps to HDF5 groups: ``l1/W`` is the dataset ``W`` in
the group ``l1``, as in Chainer, so files move between the two. An
uninitialised parameter is stored as an empty dataset (``h5py.Empty``).

Saving to a path is atomic as :func:`~rechain.serializers.save_npz` is (Note
[atomic save] in :mod:`rechain.serializers.npz`): a temporary file in the same
directory, flushed and renamed over the destination, which keeps the previous
file if anything fails. Loading is checked first (Note [checked load]): a
missing key or a wrong shape raises before the object changes.

h5py is an optional dependency: ``pip install h5py``. Without it every entry
point raises ``RuntimeError`` saying so.
"""

import errno
import os
import stat
import tempfile

import numpy

from rechain import backend
from rechain.serializers import base
from rechain.serializers import npz as _npz

try:
    import h5py
except ImportError:  # pragma: no cover - exercised where h5py is absent
    h5py = None

#: Whether h5py could be imported (Chainer's flag of the same name).
_available = h5py is not None


def _require_h5py(where):
    if h5py is None:
        raise RuntimeError(f"{where}: h5py is not installed; HDF5 files need it "
                           f"(pip install h5py)")


def _renamed(e, where):
    """``e`` with the npz helpers' ``load_npz:`` prefix replaced by ``where``."""
    msg = e.args[0] if e.args and isinstance(e.args[0], str) else None
    if msg is None or not msg.startswith("load_npz:"):
        return e
    return type(e)(where + msg[len("load_npz"):])


class HDF5Serializer(base.Serializer):
    """Writes values into an h5py group, one subgroup per ``serializer[name]``.

    Args:
        group (h5py.Group): Where to write (an open ``h5py.File`` is a group).
        compression (int): gzip level of arrays with more than one element
            (0-9; None or 0 for none).

    Example:
        >>> with h5py.File('model.h5', 'w') as f:
        ...     serializers.HDF5Serializer(f).save(model)
    """

    def __init__(self, group, compression=4):
        _require_h5py("HDF5Serializer")
        self.group = group
        self.compression = compression

    def __getitem__(self, key):
        return HDF5Serializer(self.group.require_group(key.strip("/")), self.compression)

    def __call__(self, key, value):
        key = key.lstrip("/")
        if value is None:
            if getattr(h5py.version, "version_tuple", (3,)) < (2, 7, 0):
                raise RuntimeError(f"save_hdf5: {key!r} is None (an uninitialized parameter), "
                                   f"which is stored as h5py.Empty: that needs h5py >= 2.7")
            data, compression = h5py.Empty("f"), None
        else:
            data = backend.to_cpu(value) if isinstance(value, backend.array_types) \
                else numpy.asarray(value)
            if data.dtype.kind == "O":
                raise TypeError(f"save_hdf5: cannot store {self.group.name.rstrip('/')}/{key}"
                                f": values of type {type(value).__name__} are not arrays or "
                                f"scalars")
            if data.dtype.kind == "U":  # HDF5 has no fixed-width UTF-32 strings
                data = numpy.asarray(data.tolist(), dtype=h5py.string_dtype())
            compression = self.compression if data.size > 1 and self.compression else None
        if key in self.group:
            del self.group[key]
        self.group.create_dataset(key, data=data, compression=compression)
        return value


class _GroupArrays:
    """A read-only mapping ``'a/b/key' -> numpy array`` over an h5py group."""

    def __init__(self, group):
        self.group = group

    def _dataset(self, key):
        obj = self.group.get(key)
        return obj if isinstance(obj, h5py.Dataset) else None

    def __contains__(self, key):
        return self._dataset(key) is not None

    def __getitem__(self, key):
        ds = self._dataset(key)
        if ds is None:
            raise KeyError(key)
        if ds.shape is None:  # h5py.Empty: an uninitialised parameter
            return None
        data = ds[()]
        if isinstance(data, bytes):
            data = data.decode()
        return numpy.asarray(data)

    @property
    def none_keys(self):
        return _EmptyKeys(self)


class _EmptyKeys:
    def __init__(self, arrays):
        self.arrays = arrays

    def __contains__(self, key):
        ds = self.arrays._dataset(key)
        return ds is not None and ds.shape is None

    def __iter__(self):
        return iter(())


class HDF5Deserializer(_npz.NpzDeserializer):
    """Loads values from an h5py group written by :class:`HDF5Serializer`.

    Args:
        group (h5py.Group): Where to read.
        strict (bool): A missing key raises ``KeyError`` (else the target's value
            is kept).
        ignore_names (list of str or callable): Keys (relative to ``group``) to
            skip, or a predicate on them.

    Example:
        >>> with h5py.File('model.h5', 'r') as f:
        ...     serializers.HDF5Deserializer(f).load(model)
    """

    def __init__(self, group, strict=True, ignore_names=None, path="", file=None):
        _require_h5py("HDF5Deserializer")
        arrays = group if isinstance(group, _GroupArrays) else _GroupArrays(group)
        if file is None:
            file = getattr(getattr(arrays.group, "file", None), "filename", "<hdf5>")
        super().__init__(arrays, path, strict, ignore_names, file)
        self.none_keys = arrays.none_keys

    @property
    def group(self):
        """The h5py group this deserializer reads (``d['x'].group`` is ``/x``)."""
        root, path = self.npz.group, self.path.strip("/")
        return root[path] if path else root

    def __getitem__(self, key):
        return HDF5Deserializer(self.npz, self.strict, self.ignore_names,
                                self.path + key.strip("/") + "/", self.file)

    def __call__(self, key, value):
        try:
            return super().__call__(key, value)
        except (KeyError, ValueError) as e:
            raise _renamed(e, "load_hdf5") from None

    def load(self, obj):
        """Load ``obj``'s values, all checked before any is changed."""
        base._check_serializable(obj, "HDF5Deserializer.load")
        checker = _Checking(self.npz, self.strict, self.ignore_names, self.path, self.file)
        obj.serialize(checker)
        obj.serialize(self)


class _Checking(HDF5Deserializer):
    """The dry run of :meth:`HDF5Deserializer.load`: raises, changes nothing."""

    def __getitem__(self, key):
        return _Checking(self.npz, self.strict, self.ignore_names,
                         self.path + key.strip("/") + "/", self.file)

    def __call__(self, key, value):
        try:
            return _npz._CheckingDeserializer.__call__(self, key, value)
        except (KeyError, ValueError) as e:
            raise _renamed(e, "load_hdf5") from None


def _write_atomic(file, write):
    """Call ``write(h5py.File)`` on ``file``: a path is replaced atomically."""
    if not isinstance(file, (str, bytes, os.PathLike)):
        with h5py.File(file, "w") as f:
            write(f)
        return
    user_path = os.fsdecode(file)
    dest = os.path.realpath(user_path)
    directory = os.path.dirname(dest)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"save_hdf5: cannot write {user_path!r}: the "
                                f"directory {directory!r} does not exist", user_path)
    try:
        st = os.stat(dest)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    else:
        try:  # a read-only destination refuses the save, as a plain write would
            os.close(os.open(dest, os.O_WRONLY))
        except OSError as e:
            raise type(e)(e.errno, f"save_hdf5: cannot write {user_path!r}: {e.strerror}",
                          user_path) from None
        mode = stat.S_IMODE(st.st_mode)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(dest) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "r+b") as raw:
            with h5py.File(raw, "w") as f:
                write(f)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save_hdf5(filename, obj, compression=4):
    """Save ``obj`` (a link, an optimizer, ... or a dict of arrays) to an HDF5 file.

    Args:
        filename (str, path or file object): Destination; a path is replaced
            atomically.
        obj: Object with a ``serialize(serializer)`` method, or a dict mapping
            keys (``'a/b'`` makes groups) to arrays.
        compression (int): gzip level of arrays with more than one element.

    Example:
        >>> serializers.save_hdf5('model.h5', model)
    """
    _require_h5py("save_hdf5")
    if isinstance(obj, dict):
        def write(f):
            s = HDF5Serializer(f, compression)
            for key, value in obj.items():
                s(key.lstrip("/"), value)
    else:
        if not callable(getattr(obj, "serialize", None)):
            raise TypeError(f"save_hdf5: {type(obj).__name__} has no serialize method")

        def write(f):
            HDF5Serializer(f, compression).save(obj)
    _write_atomic(filename, write)


def load_hdf5(filename, obj, path="", strict=True, ignore_names=None):
    """Load ``obj``'s values from an HDF5 file written by :func:`save_hdf5`.

    Uninitialised parameters are initialised with the stored shapes; nothing
    changes if a key is missing or a shape differs.

    Args:
        filename (str, path or file object): Source.
        obj: Object with a ``serialize(serializer)`` method.
        path (str): Prefix of the keys to read (a group path, e.g. ``'model/'``).
        strict (bool): Missing keys raise ``KeyError`` (else they are skipped).
        ignore_names (list of str or callable): Keys to skip.

    Raises:
        KeyError: A needed key is missing. ValueError: not an HDF5 file, or a
        stored shape or dtype does not fit the object.

    Example:
        >>> serializers.load_hdf5('model.h5', model)
    """
    _require_h5py("load_hdf5")
    if not callable(getattr(obj, "serialize", None)):
        raise TypeError(f"load_hdf5: {type(obj).__name__} has no serialize method")
    name = _npz._file_name(filename)
    try:
        f = h5py.File(filename, "r")
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except OSError as e:
        raise ValueError(f"load_hdf5: {name!r} is not a readable HDF5 file (is it truncated "
                         f"or of another format?): {e}") from e
    with f:
        prefix = path.strip("/")
        HDF5Deserializer(f, strict, ignore_names, prefix + "/" if prefix else "",
                         name).load(obj)
