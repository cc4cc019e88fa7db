"""save_npz / load_npz: links, optimizers and anything with ``serialize`` to .npz files.

Note [atomic save]: :func:`save_npz` to a path writes a temporary file in the
same directory, flushes it to disk and renames it over the destination with
``os.replace``, which is atomic on POSIX and Windows. An existing destination
must be writable as for a plain write (a read-only file is refused, not
replaced), and the new file gets its permission bits and owner. A crash or an exception
in the middle of saving therefore leaves the previous file untouched, and the
temporary file is removed.

Note [checked load]: :func:`load_npz` reads every array of the file first (a
truncated or foreign file fails here, with ``ValueError`` naming the file),
then walks the object once without changing it to check that every key exists
and every shape matches, and only then copies the values in. A load that
fails on a key or shape therefore leaves the object as it was.
"""

import errno
import io
import os
import pickle
import stat
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
        self.target[full] = self._array(full, value)
        return value

    @staticmethod
    def _array(full, value):
        if isinstance(value, backend.array_types):
            array = backend.to_cpu(value)
        else:
            array = numpy.asarray(value)
        if array.dtype.kind == "O":
            raise TypeError(f"save_npz: cannot store {full!r}: values of type "
                            f"{type(value).__name__} are not arrays or scalars")
        return array


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
        kind = type(value)
        # As Chainer: a stored number must convert safely to the target's type
        # (any stored integer into a Python int, whose precision is unlimited).
        if (isinstance(stored.dtype.type(0), numpy.number)
                and not (stored.dtype.kind in "iu" and kind is int)
                and not numpy.can_cast(stored.dtype, kind, casting="safe")):
            raise TypeError(f"load_npz: {key!r} holds {stored.dtype} in {file!r}, which "
                            f"cannot be converted safely to the target's type "
                            f"{kind.__name__}")
        return kind(stored.reshape(()).item())
    return stored


def _is_none_array(stored):
    return (isinstance(stored, numpy.ndarray) and stored.dtype.kind == "O"
            and stored.shape == () and stored[()] is None)


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
        if not isinstance(names, (list, tuple)):
            names = (names,)
        for name in names:
            if isinstance(name, str):
                if key == name:
                    return True
            elif callable(name):
                if name(key):
                    return True
            else:
                raise ValueError(f"load_npz: ignore_names must be a str, a callable or a "
                                 f"list of them, but holds {type(name).__name__} {name!r}")
        return False

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
        stored = self.npz[key]
        if _is_none_array(stored):  # a file opened by the caller with allow_pickle=True
            return None
        return stored

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
                    if _is_none_marker(file, key):
                        # Chainer stores uninitialised parameters as pickled None.
                        none_keys.add(key)
                        continue
                    raise ValueError(
                        f"load_npz: {name!r}: entry {key!r} is an array of Python objects, "
                        f"which cannot be loaded without unpickling (only the marker "
                        f"numpy.asarray(None) of an uninitialised parameter is "
                        f"accepted)") from None
                raise ValueError(f"load_npz: {name!r}: entry {key!r} cannot be read (is the "
                                 f"file truncated or corrupted?): {e}") from e
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
                raise ValueError(f"load_npz: {name!r}: entry {key!r} cannot be read (is the "
                                 f"file truncated or corrupted?): {type(e).__name__}: "
                                 f"{e}") from e
    arrays.none_keys = frozenset(none_keys)
    return arrays


class _MarkerUnpickler(pickle.Unpickler):
    """Unpickles nothing but NumPy's own array reconstruction (no code runs)."""

    _allowed = {("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) not in self._allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed")
        return super().find_class(module, name)


def _is_none_marker(file, key):
    """Whether entry ``key`` is Chainer's uninitialised-parameter marker, a
    0-d object array holding None, checked without unpickling anything else."""
    try:
        if hasattr(file, "seek"):
            file.seek(0)
        with zipfile.ZipFile(file) as z:
            raw = z.read(key + ".npy")
        f = io.BytesIO(raw)
        version = numpy.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = numpy.lib.format.read_array_header_1_0(f)
        else:
            shape, _, dtype = numpy.lib.format.read_array_header_2_0(f)
        if shape != () or dtype.kind != "O":
            return False
        value = _MarkerUnpickler(f).load()
    except Exception:
        return False
    return (isinstance(value, numpy.ndarray) and value.shape == ()
            and value.dtype.kind == "O" and value[()] is None)


def _destination_state(dest, user_path):
    """Mode and owner to give the new file, checked as a plain write would be.

    An existing destination is opened for writing (and closed at once,
    unchanged) so that a read-only file, a read-only file system or an ACL
    refuses the save exactly as ``open(path, 'wb')`` would. Returns
    ``(mode, owner)``; ``owner`` is ``(uid, gid)`` of an existing file, else None.
    """
    try:
        st = os.stat(dest)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask, None
    try:
        os.close(os.open(dest, os.O_WRONLY))
    except OSError as e:
        raise type(e)(e.errno, f"save_npz: cannot write {user_path!r}: {e.strerror}",
                      user_path) from None
    return stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid)


def _owner(path):
    st = os.stat(path)
    return st.st_uid, st.st_gid


def _write(file, target, compression):
    savez = numpy.savez_compressed if compression else numpy.savez
    for reserved in ("file", "allow_pickle"):
        if reserved in target:
            raise ValueError(f"save_npz: an entry may not be called {reserved!r} "
                             f"(numpy.savez reserves it)")
    if not isinstance(file, (str, bytes, os.PathLike)):
        savez(file, **target)
        return
    user_path = os.fsdecode(file)
    dest = os.path.realpath(user_path)
    directory = os.path.dirname(dest)
    try:
        is_dir = stat.S_ISDIR(os.stat(directory).st_mode)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, f"save_npz: cannot write {user_path!r}: the "
                                f"directory {directory!r} does not exist", user_path) from None
    except OSError as e:
        raise type(e)(e.errno, f"save_npz: cannot write {user_path!r}: cannot reach the "
                      f"directory {directory!r}: {e.strerror}", user_path) from None
    if not is_dir:
        raise NotADirectoryError(errno.ENOTDIR, f"save_npz: cannot write {user_path!r}: "
                                 f"{directory!r} is not a directory", user_path)
    mode, owner = _destination_state(dest, user_path)
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(dest) + ".",
                                   suffix=".tmp", dir=directory)
    except OSError as e:
        raise type(e)(e.errno, f"save_npz: cannot write {user_path!r}: cannot create a "
                      f"file in {directory!r}: {e.strerror}", user_path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            savez(f, **target)
            f.flush()
            os.fsync(f.fileno())
        if owner is not None and hasattr(os, "chown") and owner != _owner(tmp):
            try:
                os.chown(tmp, *owner)
            except PermissionError:
                raise PermissionError(
                    errno.EPERM, f"save_npz: cannot replace {user_path!r} keeping its "
                    f"owner (uid {owner[0]}, gid {owner[1]})", user_path) from None
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


def serialize(obj):
    """The flat dict of arrays that :func:`save_npz` would write for ``obj``.

    Example:
        >>> sorted(serializers.npz.serialize(model))
        ['l1/W', 'l1/b']
    """
    if not callable(getattr(obj, "serialize", None)):
        raise TypeError(f"serialize: {type(obj).__name__} has no serialize method")
    s = DictionarySerializer()
    obj.serialize(s)
    return s.target


def save_npz(file, obj, compression=True):
    """Save ``obj`` (a link, an optimizer, ...) to an .npz file.

    Keys are the serialization paths, e.g. ``'l1/W'`` for a link's parameter
    or ``'l1/W/m'`` for Adam's state of it. A dict (e.g. from
    :func:`serialize`) is written as it is, one entry per key, as in Chainer.
    Saving to a path is atomic (see Note [atomic save]); no extension is
    appended.

    Args:
        file (str, path or file object): Destination.
        obj: Object with a ``serialize(serializer)`` method, or a dict from
            str keys to arrays or scalars.
        compression (bool): Compress the arrays.

    Example:
        >>> serializers.save_npz('model.npz', model)
    """
    if isinstance(obj, dict):
        s = DictionarySerializer()
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"save_npz: the keys of a dict must be str, got "
                                f"{type(key).__name__} {key!r}")
            if value is None:
                raise TypeError(f"save_npz: the dict's entry {key!r} is None; rechain stores "
                                f"no None (leave the entry out)")
            s.target[key] = s._array(key, value)
        _write(file, s.target, compression)
        return
    if not callable(getattr(obj, "serialize", None)):
        raise TypeError(f"save_npz: {type(obj).__name__} has no serialize method (nor is "
                        f"it a dict of arrays)")
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
