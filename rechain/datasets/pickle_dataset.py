"""Datasets stored as a sequence of pickles in one file, read on demand.

Only open pickle files you trust: unpickling can run arbitrary code.
"""

import os
import pickle
import tempfile
import threading

from rechain.dataset import dataset_mixin
from rechain.datasets.sub_dataset import _check_int


class PickleDatasetWriter:
    """Write examples one after another as pickles, to make a :class:`PickleDataset`.

    Args:
        writer: A binary file-like object with ``write`` and ``tell``.
        protocol (int): The :mod:`pickle` protocol.

    Use :func:`open_pickle_dataset_writer` to write a file by path.
    """

    def __init__(self, writer, protocol=pickle.HIGHEST_PROTOCOL):
        self._writer = writer
        self._protocol = protocol
        self._positions = []

    def write(self, x):
        """Append one example."""
        position = self._writer.tell()
        pickle.dump(x, self._writer, protocol=self._protocol)
        self._positions.append(position)

    def flush(self):
        """Flush the underlying file, if it can be flushed."""
        if hasattr(self._writer, "flush"):
            self._writer.flush()

    def close(self):
        """Close the underlying file."""
        self._writer.close()

    def __len__(self):
        return len(self._positions)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()


class _AtomicPickleWriter(PickleDatasetWriter):
    """A writer to a path: the file appears, complete, only when it is closed.

    It writes to a temporary file beside ``path`` and renames it on
    :meth:`close`. Leaving a ``with`` block with an exception (or calling
    :meth:`discard`) removes the temporary file and leaves ``path`` as it was.
    """

    def __init__(self, path, protocol):
        path = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(path))
        fd, self._temp_path = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path),
                                               suffix=".part")
        self._path = path
        super().__init__(os.fdopen(fd, "wb"), protocol)

    def close(self):
        if self._writer.closed:
            return
        self._writer.flush()
        os.fsync(self._writer.fileno())
        self._writer.close()
        os.replace(self._temp_path, self._path)

    def discard(self):
        """Stop writing and remove the partial file; ``path`` is left untouched."""
        if not self._writer.closed:
            self._writer.close()
        if os.path.exists(self._temp_path):
            os.remove(self._temp_path)

    def __exit__(self, exc_type, exc_value, traceback):
        if exc_type is None:
            self.close()
        else:
            self.discard()

    def __del__(self):
        # A writer dropped without close() never publishes a partial file.
        try:
            if not self._writer.closed:
                self.discard()
        except Exception:
            pass


class PickleDataset(dataset_mixin.DatasetMixin):
    """A dataset of the pickles stored one after another in a file.

    Building it reads the file once to find where each pickle starts;
    ``dataset[i]`` seeks there and unpickles one example, so datasets larger
    than memory work. Reads are serialised by a lock (thread safe); a
    dataset opened by path with :func:`open_pickle_dataset` also reopens its
    file in each worker process, so forked workers never share an offset.

    Args:
        reader: A seekable binary file-like object.

    Raises:
        ValueError: If ``reader`` is not seekable.

    Example:
        >>> import tempfile
        >>> path = tempfile.mkstemp()[1]
        >>> with open_pickle_dataset_writer(path) as w:
        ...     w.write((1, 2.0, 'hello'))
        ...     w.write((2, 3.0, 'bye'))
        >>> with open_pickle_dataset(path) as ds:
        ...     print(len(ds), ds[1])
        2 (2, 3.0, 'bye')
    """

    def __init__(self, reader):
        if not reader.seekable():
            raise ValueError("PickleDataset: the reader must be seekable (support random access)")
        self._reader = reader
        self._path = None
        self._pid = os.getpid()
        self._lock = threading.RLock()
        self._positions = []
        reader.seek(0)
        while True:
            position = reader.tell()
            try:
                pickle.load(reader)
            except EOFError:
                break
            self._positions.append(position)

    def _file(self):
        if self._path is not None and (self._reader is None or self._pid != os.getpid()):
            self._reader = open(self._path, "rb")
            self._pid = os.getpid()
        return self._reader

    def __len__(self):
        return len(self._positions)

    def get_example(self, i):
        """Unpickle and return example ``i``."""
        i = _check_int(i, "index", "PickleDataset")
        n = len(self._positions)
        if not -n <= i < n:
            raise IndexError(f"PickleDataset: index {i} is out of range for {n} examples")
        with self._lock:
            reader = self._file()
            reader.seek(self._positions[i])
            return pickle.load(reader)

    def close(self):
        """Close the file; the dataset cannot be read afterwards."""
        with self._lock:
            if self._reader is not None:
                self._reader.close()
            self._path = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_lock"]
        if self._path is not None:
            state["_reader"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.RLock()
        if self._path is not None:
            self._pid = None


def open_pickle_dataset(path):
    """Open a file written by :func:`open_pickle_dataset_writer` as a :class:`PickleDataset`.

    Close it with :meth:`PickleDataset.close` or a ``with`` block.

    Args:
        path (str): The file.

    Returns:
        PickleDataset: The dataset.
    """
    dataset = PickleDataset(open(path, "rb"))
    dataset._path = os.fspath(path)
    return dataset


def open_pickle_dataset_writer(path, protocol=pickle.HIGHEST_PROTOCOL):
    """Open a :class:`PickleDatasetWriter` that writes to ``path``.

    The file is written under a temporary name beside ``path`` and renamed
    to ``path`` when the writer is closed, so a reader never sees a partial
    file; if the ``with`` block raises, ``path`` is left as it was.

    Args:
        path (str): The file to write.
        protocol (int): The :mod:`pickle` protocol.

    Returns:
        PickleDatasetWriter: The writer; close it (or use ``with``).
    """
    return _AtomicPickleWriter(path, protocol)
