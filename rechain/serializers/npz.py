"""save_npz / load_npz: links, optimizers and anything with ``serialize`` to .npz files.

Note [atomic save]: :func:`save_npz` to a path writes a temporary file in the
same directory, flushes it to disk and renames it over the destination with
``os.replace``, which is atomic on POSIX and Windows. A crash or an exception
in the middle of saving therefore leaves the previous file untouched, and the
temporary file is removed.

Note [checked load]: :func:`load_npz` reads every array of the file first (a
truncated or foreign file fails here, with ``ValueError`` naming the file),
then walks the object once without changing it to check that every key exists
and every shape matches, and only then copies the values in. A load that
fails on a key or shape therefore leaves the object as it was.
"""

import os
import tempfile
import zipfile
import zlib

import numpy

from rechain import backend
from rechain.serializers import base


def _file_name(file):
    if isinstance(file, (str, bytes, os.PathLike)):
        return os.fsdecode(file)
    name = getattr(file, "name", None)
    return name if isinstance(name, str) else repr(file)


class DictionarySerializer(base.Serializer):
    """Collects values into a flat dict of NumPy arrays keyed by ``'path/key'``.

    Args:
        target (dict or None): The dict to fill (a new one when None).
        path (str): Prefix of every key.

    Example:
        >>> s = DictionarySerializer(); model.serialize(s); sorted(s.target)
        ['l1/W', 'l1/b']
    """

    def __init__(self, target=None, path=""):
        self.target = {} if target is None else target
        self.path = path

    def __getitem__(self, key):
        key = key.strip("/")
        return DictionarySerializer(self.target, self.path + key + "/")

    def __call__(self, key, value):
        key = key.lstrip("/")
        full = self.path + key
        if value is None:  # an uninitialised parameter: nothing to store
            return None
        if isinstance(value, backend.array_types):
            array = backend.to_cpu(value)
        else:
            array = numpy.asarray(value)
        if array.dtype.kind == "O":
            raise TypeError(f"save_npz: cannot store {full!r}: values of type "
                            f"{type(value).__name__} are not arrays or scalars")
        self.target[full] = array
        return value


def _assign(file, key, stored, value):
    """The loaded value for ``value`` (copied into it when it is an array)."""
    if value is None:
        return stored
    if isinstance(value, backend.array_types):
        if stored.shape != value.shape:
            raise ValueError(f"load_npz: {key!r} has shape {stored.shape} in {file!r}, but "
                             f"the target has shape {value.shape}")
        try:
            if isinstance(value, numpy.ndarray):
                numpy.copyto(value, stored, casting="same_kind")
            else:
                xp = backend.get_array_module(value)
                value[...] = xp.asarray(stored.astype(value.dtype, casting="same_kind"))
        except TypeError as e:
            raise ValueError(f"load_npz: {key!r} has dtype {stored.dtype} in {file!r}, which "
                             f"cannot be cast to the target's {value.dtype}: {e}") from None
        return value
    if isinstance(value, (bool, int, float, complex, str, numpy.generic)):
        if stored.size != 1:
            raise ValueError(f"load_npz: {key!r} in {file!r} has shape {stored.shape}, but "
                             f"the target is a scalar ({type(value).__name__})")
        return type(value)(stored.reshape(()).item())
    return stored


class NpzDeserializer(base.Deserializer):
    """Loads values from a mapping of arrays such as an opened .npz file.

    Args:
        npz (mapping): Key to array.
        path (str): Prefix of every key.
        strict (bool): Raise ``KeyError`` for a missing key (else keep the
            target's value).
        ignore_names (list of str or callable): Keys (with the prefix) to
            skip, or a predicate on them.
        file (str): Name used in error messages.
    """

    def __init__(self, npz, path="", strict=True, ignore_names=None, file="<npz>"):
        self.npz = npz
        self.path = path
        self.strict = strict
        self.ignore_names = ignore_names
        self.file = file
        self.none_keys = frozenset(getattr(npz, "none_keys", ()))

    def __getitem__(self, key):
        key = key.strip("/")
        return type(self)(self.npz, self.path + key + "/", self.strict, self.ignore_names,
                          self.file)

    def _ignored(self, key):
        names = self.ignore_names
        if names is None:
            return False
        if callable(names):
            return bool(names(key))
        return key in names

    def _lookup(self, key, value):
        """The stored array, or None where there is nothing to load.

        An absent key is a ``KeyError``, except for a target that is None
        itself (an uninitialised parameter): save_npz stores nothing for those.
        """
        if key in self.none_keys:
            return None
        if key not in self.npz:
            if value is None:
                return None
            raise KeyError(f"load_npz: {key!r} is not in {self.file!r}")
        return self.npz[key]

    def __call__(self, key, value):
        full = self.path + key.lstrip("/")
        if self._ignored(full):
            return value
        if not self.strict and full not in self.npz:
            return value
        stored = self._lookup(full, value)
        if stored is None:
            return value
        return _assign(self.file, full, stored, value)

    def load(self, obj):
        """Load ``obj``'s values, checked first as :func:`load_npz` does.

        A missing key or a wrong shape raises before anything is changed
        (Note [checked load]).
        """
        base._check_serializable(obj, "NpzDeserializer.load")
        obj.serialize(_CheckingDeserializer(self.npz, self.path, self.strict,
                                            self.ignore_names, self.file))
        obj.serialize(self)


class _CheckingDeserializer(NpzDeserializer):
    """A dry run: raises what the real load would raise, changes nothing."""

    def __call__(self, key, value):
        full = self.path + key.lstrip("/")
        if self._ignored(full) or (not self.strict and full not in self.npz):
            return value
        stored = self._lookup(full, value)
        if stored is None or value is None:
            return value
        if isinstance(value, backend.array_types):
            if stored.shape != value.shape:
                raise ValueError(f"load_npz: {full!r} has shape {stored.shape} in "
                                 f"{self.file!r}, but the target has shape {value.shape}")
            if not numpy.can_cast(stored.dtype, value.dtype, casting="same_kind"):
                raise ValueError(f"load_npz: {full!r} has dtype {stored.dtype} in "
                                 f"{self.file!r}, which cannot be cast to the target's "
                                 f"{value.dtype}")
        elif isinstance(value, (bool, int, float, complex, str, numpy.generic)):
            _assign(self.file, full, stored, value)  # checks size and convertibility
        return value


class _Arrays(dict):
    """The arrays of a file, plus the keys it stores None for."""

    none_keys = frozenset()


def _read_npz(file):
    name = _file_name(file)
    arrays = _Arrays()
    none_keys = set()
    try:
        loaded = numpy.load(file, allow_pickle=False)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except Exception as e:
        raise ValueError(f"load_npz: {name!r} is not a readable .npz file (is it truncated "
                         f"or of another format?): {type(e).__name__}: {e}") from e
    if not isinstance(loaded, numpy.lib.npyio.NpzFile):
        raise ValueError(f"load_npz: {name!r} holds a single .npy array, not an .npz "
                         f"archive of named arrays")
    with loaded:
        for key in loaded.files:
            try:
                arrays[key] = loaded[key]
            except ValueError as e:
                if "allow_pickle" in str(e):
                    # Chainer stores uninitialised parameters as pickled None.
                    none_keys.add(key)
                    continue
                raise ValueError(f"load_npz: {name!r}: entry {key!r} cannot be read (is the "
                                 f"file truncated or corrupted?): {e}") from e
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
                raise ValueError(f"load_npz: {name!r}: entry {key!r} cannot be read (is the "
                                 f"file truncated or corrupted?): {type(e).__name__}: "
                                 f"{e}") from e
    arrays.none_keys = frozenset(none_keys)
    return arrays


def _default_mode(path):
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _write(file, target, compression):
    savez = numpy.savez_compressed if compression else numpy.savez
    for reserved in ("file", "allow_pickle"):
        if reserved in target:
            raise ValueError(f"save_npz: an entry may not be called {reserved!r} "
                             f"(numpy.savez reserves it)")
    if not isinstance(file, (str, bytes, os.PathLike)):
        savez(file, **target)
        return
    dest = os.path.realpath(os.fsdecode(file))
    directory = os.path.dirname(dest)
    mode = _default_mode(dest)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(dest) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            savez(f, **target)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def save_npz(file, obj, compression=True):
    """Save ``obj`` (a link, an optimizer, ...) to an .npz file.

    Keys are the serialization paths, e.g. ``'l1/W'`` for a link's parameter
    or ``'l1/W/m'`` for Adam's state of it. Saving to a path is atomic (see
    Note [atomic save]); no extension is appended.

    Args:
        file (str, path or file object): Destination.
        obj: Object with a ``serialize(serializer)`` method.
        compression (bool): Compress the arrays.

    Example:
        >>> serializers.save_npz('model.npz', model)
    """
    if not callable(getattr(obj, "serialize", None)):
        raise TypeError(f"save_npz: {type(obj).__name__} has no serialize method")
    s = DictionarySerializer()
    obj.serialize(s)
    _write(file, s.target, compression)


def load_npz(file, obj, path="", strict=True, ignore_names=None):
    """Load ``obj``'s values from an .npz file written by :func:`save_npz`.

    Uninitialised parameters are initialised with the stored shapes. The
    object is left unchanged if the load fails on a missing key or a shape
    (see Note [checked load]).

    Args:
        file (str, path or file object): Source.
        obj: Object with a ``serialize(serializer)`` method.
        path (str): Prefix of the keys to read (e.g. ``'updater/model:main/'``).
        strict (bool): Missing keys raise ``KeyError`` (else they are skipped).
        ignore_names (list of str or callable): Keys to skip.

    Raises:
        KeyError: A key the object needs is missing (names the key and file).
        ValueError: The file is not a readable .npz file, or a stored shape
            differs from the object's (names the key and both shapes).

    Example:
        >>> serializers.load_npz('model.npz', model)
    """
    if not callable(getattr(obj, "serialize", None)):
        raise TypeError(f"load_npz: {type(obj).__name__} has no serialize method")
    name = _file_name(file)
    arrays = _read_npz(file)
    obj.serialize(_CheckingDeserializer(arrays, path, strict, ignore_names, name))
    obj.serialize(NpzDeserializer(arrays, path, strict, ignore_names, name))
