"""A dataset of the lines of one or more text files, read on demand."""

import io
import os
import threading

from rechain.dataset import dataset_mixin
from rechain.datasets.sub_dataset import _check_int


def _per_file(value, name, n_files):
    if value is None or isinstance(value, str):
        return [value] * n_files
    value = list(value)
    if len(value) != n_files:
        raise ValueError(
            f"TextDataset: {name} has {len(value)} entries but {n_files} files are given"
        )
    return value


class TextDataset(dataset_mixin.DatasetMixin):
    """The lines of text files, read from disk when indexed.

    Building the dataset reads the files once to find where each line starts;
    ``dataset[i]`` then seeks there and reads one line (with its newline, as
    :meth:`io.TextIOBase.readline` returns it). With one path the examples
    are strings; with several paths (files of equally many lines) they are
    tuples of the lines at the same position. ``filter_func`` keeps only the
    lines (or tuples of lines) it accepts.

    The dataset can be read from several threads, and from worker processes:
    each process opens the files again (a forked child never shares the
    parent's file offsets), and a pickled dataset keeps its line index. The
    files must not change after the dataset is built.

    Args:
        paths (str or list of str): The text file, or the files.
        encoding (str or list of str, optional): Encoding of every file, or
            one per file (see :func:`open`).
        errors (str or list of str, optional): How decoding errors are
            handled, for every file or per file.
        newline (str or list of str, optional): Newline mode, for every file
            or per file.
        filter_func (callable, optional): Called with one line per file;
            lines for which it returns a false value are skipped.

    Raises:
        ValueError: If no file is given, a per-file option has the wrong
            number of entries, or the files have different numbers of lines.

    Example:
        >>> import tempfile
        >>> path = tempfile.mkstemp(suffix=".txt")[1]
        >>> _ = open(path, "w").write("a b\\n\\nc\\n")
        >>> ds = TextDataset(path, filter_func=lambda line: line.strip() != "")
        >>> len(ds), ds[1]
        (2, 'c\\n')
        >>> ds.close()
    """

    def __init__(self, paths, encoding=None, errors=None, newline=None, filter_func=None):
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = [os.fspath(p) for p in paths]
        if not paths:
            raise ValueError("TextDataset: at least one text file must be given")
        if filter_func is not None and not callable(filter_func):
            raise TypeError(
                f"TextDataset: filter_func must be callable, not {type(filter_func).__name__}"
            )
        self._paths = paths
        self._encoding = _per_file(encoding, "encoding", len(paths))
        self._errors = _per_file(errors, "errors", len(paths))
        self._newline = _per_file(newline, "newline", len(paths))
        self._lock = threading.Lock()
        self._files = None
        self._pid = None
        files = self._open()

        # starts[k][j]: position (a tell() cookie) where line j of file k begins.
        starts = [[] for _ in paths]
        kept = []
        j = 0
        while True:
            positions = [f.tell() for f in files]
            lines = [f.readline() for f in files]
            ended = [line == "" for line in lines]
            if all(ended):
                break
            if any(ended):
                short = paths[ended.index(True)]
                raise ValueError(
                    f"TextDataset: the files have different numbers of lines: {short} ends "
                    f"after {j} lines while the others go on (files: {paths})"
                )
            for k, pos in enumerate(positions):
                starts[k].append(pos)
            if filter_func is None or filter_func(*lines):
                kept.append(j)
            j += 1
        self._starts = starts
        self._lines = kept

    def _open(self):
        """The open files of this process (opened again after a fork or unpickling)."""
        if self._files is None or self._pid != os.getpid():
            self._files = [
                io.open(path, mode="rt", encoding=enc, errors=err, newline=nl)
                for path, enc, err, nl in zip(self._paths, self._encoding, self._errors,
                                              self._newline)
            ]
            self._pid = os.getpid()
        return self._files

    def __len__(self):
        return len(self._lines)

    def get_example(self, i):
        """Return line ``i`` (a str), or a tuple of lines for several files."""
        i = _check_int(i, "index", "TextDataset")
        n = len(self._lines)
        if not -n <= i < n:
            raise IndexError(f"TextDataset: index {i} is out of range for {n} lines")
        j = self._lines[i]
        with self._lock:
            files = self._open()
            lines = []
            for k, f in enumerate(files):
                f.seek(self._starts[k][j])
                lines.append(f.readline())
        return lines[0] if len(lines) == 1 else tuple(lines)

    def close(self):
        """Close the files of this process (indexing opens them again)."""
        files, self._files = self._files, None
        first_error = None
        for f in files or ():
            try:
                f.close()
            except Exception as e:
                first_error = first_error or e
        if first_error is not None:
            raise first_error

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_files"] = None
        state["_pid"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
