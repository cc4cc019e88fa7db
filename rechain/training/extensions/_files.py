"""File helpers shared by the extensions that write into ``trainer.out``.

Note [atomic output]: every file an extension writes (log, plot, graph,
snapshot) is first written to a temporary file in the destination's own
directory and then renamed over the destination with ``os.replace``, which is
atomic on POSIX and Windows. A reader therefore sees either the previous
complete file or the new complete file, never a partial one, and an exception
or a crash in the middle of writing leaves the previous file as it was. The
temporary file is removed when writing fails.
"""

import os
import tempfile


def _default_mode(path):
    """The permission bits a file created at ``path`` would get (umask applied)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def ensure_writable_dir(directory, who):
    """Create ``directory`` if needed and check that a file can be written in it.

    Raises:
        OSError: Naming ``who`` (the extension) and the directory, when the
            directory cannot be created or written to.
    """
    try:
        os.makedirs(directory, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise OSError(f"{who}: cannot write to the output directory {directory!r} "
                      f"({type(e).__name__}: {e.strerror or e})") from e


def atomic_write(path, write, binary=False):
    """Write a file atomically (see Note [atomic output]).

    Args:
        path (str): Destination.
        write (callable): Called with the open temporary file object; writes
            the whole content.
        binary (bool): Open the temporary file in binary mode.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    mode = _default_mode(path)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb" if binary else "w") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
