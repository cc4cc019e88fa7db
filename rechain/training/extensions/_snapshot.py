"""snapshot / snapshot_object: save the trainer (or any object) periodically.

Note [snapshot autoload]: with ``autoload=True`` the extension looks, at
initialize, for files in ``trainer.out`` whose names match the filename
format (its text before the first ``{`` and after the last ``}``), newest
first (by modification time, ties broken by the numbers in the names), and
loads the first one that is a complete archive. A truncated or otherwise
corrupted file is skipped with a warning naming it, and the one before it is
tried: a crash in the middle of a save cannot lose more than one interval of
training. A complete archive that does not fit the target (a missing key, a
shape mismatch) is an error, not a reason to fall back. The snapshot
extension has the lowest priority, so it is initialized after the others;
extensions whose state it restores re-apply that state when loaded (the
schedules set the optimizer's value again), so the first resumed iteration
runs exactly as it would have in the uninterrupted run.
"""

import os
import re
import warnings
import zipfile

from rechain.serializers import npz
from rechain.training import extension
from rechain.training.extensions import _files
from rechain.training.extensions import snapshot_writers


class _SerializedTarget(dict):
    """The state of an object, captured at snapshot time (key to array).

    A dict, so that any ``savefun`` can store it, with a ``serialize`` method
    that replays the entries, so that :func:`rechain.serializers.save_npz`
    can too.
    """

    def serialize(self, serializer):
        for key, value in self.items():
            serializer(key, value)


def _capture(target, copy):
    """The state of ``target`` now; ``copy`` for a writer that saves later,
    since the arrays of a host model are the live parameters themselves."""
    s = npz.DictionarySerializer()
    target.serialize(s)
    if copy:
        return _SerializedTarget({k: v.copy() for k, v in s.target.items()})
    return _SerializedTarget(s.target)


def _natural_key(name):
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", name)]


def _find_snapshot_files(fmt, path):
    """``(mtime, name)`` of the files in ``path`` matching ``fmt``'s prefix
    and suffix, oldest first (ties in natural order: ``_9`` before ``_10``)."""
    prefix = fmt.split("{")[0]
    suffix = fmt.split("}")[-1] if "}" in fmt else ""
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        if len(name) < len(prefix) + len(suffix):
            continue
        if name.startswith(".") and not prefix.startswith("."):
            continue  # temporary files of atomic writes
        full = os.path.join(path, name)
        if not os.path.isfile(full):
            continue
        st = os.stat(full)
        found.append((st.st_mtime_ns, _natural_key(name), st.st_mtime, name))
    found.sort()
    return [(mtime, name) for _, _, mtime, name in found]


def _find_latest_snapshot(fmt, path):
    """The name of the newest file in ``path`` matching ``fmt``, or None."""
    files = _find_snapshot_files(fmt, path)
    return files[-1][1] if files else None


def _find_stale_snapshots(fmt, path, n_retains):
    """The names of the files matching ``fmt`` in ``path`` beyond the newest
    ``n_retains``, oldest first."""
    files = _find_snapshot_files(fmt, path)
    return [name for _, name in files[:max(len(files) - n_retains, 0)]]


def _archive_problem(path):
    """None for a complete zip archive, else what is wrong with it."""
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        return f"{type(e).__name__}: {e}"
    except Exception as e:  # zlib errors and the like inside a damaged member
        return f"{type(e).__name__}: {e}"
    if bad is not None:
        return f"member {bad!r} fails its CRC check"
    return None


def snapshot(savefun=None, filename="snapshot_iter_{.updater.iteration}", *, target=None,
             condition=None, writer=None, snapshot_on_error=False, n_retains=-1,
             autoload=False):
    """Make an extension that saves a snapshot of the trainer (or of ``target``).

    The state is captured when the extension runs (a dict of arrays made
    with the target's ``serialize``) and written by ``writer`` to
    ``trainer.out/filename`` atomically: a snapshot file is never partial.
    The default trigger is ``(1, 'epoch')``.

    Args:
        savefun (callable): ``savefun(path, state)``;
            :func:`rechain.serializers.save_npz` by default. Not together
            with ``writer``.
        filename (str or callable): Name of the file, formatted with the
            trainer (``'{.updater.iteration}'``), or ``filename(trainer)``.
        target: What to save (the trainer when None).
        condition (callable): Save only when ``condition()`` is true.
        writer: A :mod:`snapshot_writers` writer (``SimpleWriter(savefun)``
            by default), e.g. ``ThreadWriter()`` to save in the background.
        snapshot_on_error (bool): Also save when training raises.
        n_retains (int): Keep only the newest ``n_retains`` snapshots
            matching the filename (all when not positive).
        autoload (bool): At initialize, load the newest complete snapshot
            in ``trainer.out`` into the target, skipping corrupted ones with
            a warning (see Note [snapshot autoload]); needs .npz snapshots.

    Raises:
        OSError: At initialize, when ``trainer.out`` cannot be written.

    Example:
        >>> trainer.extend(extensions.snapshot(n_retains=2, autoload=True),
        ...                trigger=(1, 'epoch'))
    """
    if savefun is not None and writer is not None:
        raise TypeError("snapshot: give savefun or writer, not both")
    if writer is None:
        writer = snapshot_writers.SimpleWriter(
            savefun=npz.save_npz if savefun is None else savefun)
    return _Snapshot(target=target, condition=condition, writer=writer, filename=filename,
                     snapshot_on_error=snapshot_on_error, n_retains=n_retains,
                     autoload=autoload)


def snapshot_object(target, filename, savefun=None, **kwargs):
    """Make an extension that saves a snapshot of ``target`` (e.g. a model).

    Same as :func:`snapshot` with ``target`` given; ``filename`` is
    formatted with the trainer, e.g. ``'model_epoch_{.updater.epoch}'``.

    Example:
        >>> trainer.extend(extensions.snapshot_object(model, 'model_{.updater.epoch}'))
    """
    return snapshot(savefun=savefun, filename=filename, target=target, **kwargs)


class _Snapshot(extension.Extension):
    """The extension made by :func:`snapshot` (see there)."""

    trigger = 1, "epoch"
    priority = -100

    def __init__(self, target=None, condition=None, writer=None,
                 filename="snapshot_iter_{.updater.iteration}", snapshot_on_error=False,
                 n_retains=-1, autoload=False):
        if not (isinstance(filename, str) or callable(filename)):
            raise TypeError(f"snapshot: filename must be a format string or a callable, not "
                            f"{type(filename).__name__}")
        if isinstance(n_retains, bool) or not isinstance(n_retains, int):
            raise TypeError(f"snapshot: n_retains must be an int, not "
                            f"{type(n_retains).__name__}")
        if autoload and not isinstance(filename, str):
            raise ValueError("snapshot: autoload needs filename to be a format string (to "
                             "find the files)")
        self._target = target
        self.filename = filename
        self.condition = condition if condition is not None else _always_true
        self.writer = writer if writer is not None else snapshot_writers.SimpleWriter()
        self._snapshot_on_error = snapshot_on_error
        self.n_retains = n_retains
        self.autoload = autoload
        #: The path autoload loaded (None when nothing was loaded).
        self.loaded_from = None
        self._cleanup_added = False

    def initialize(self, trainer):
        outdir = trainer.out
        _files.ensure_writable_dir(outdir, "snapshot")
        target = trainer if self._target is None else self._target
        if self.autoload:
            self.loaded_from = self._autoload(target, outdir)
        if self.n_retains > 0 and isinstance(self.filename, str) and not self._cleanup_added \
                and hasattr(self.writer, "_add_cleanup_hook"):
            fmt, n = self.filename, self.n_retains

            def cleanup():
                for name in _find_stale_snapshots(fmt, outdir, n):
                    try:
                        os.remove(os.path.join(outdir, name))
                    except FileNotFoundError:
                        pass

            self.writer._add_cleanup_hook(cleanup)
            self._cleanup_added = True

    def _autoload(self, target, outdir):
        candidates = _find_snapshot_files(self.filename, outdir)
        skipped = []
        for _, name in reversed(candidates):
            path = os.path.join(outdir, name)
            problem = _archive_problem(path)
            if problem is not None:
                warnings.warn(f"snapshot autoload: {path!r} is corrupted or incomplete "
                              f"({problem}); trying the previous snapshot", RuntimeWarning,
                              stacklevel=2)
                skipped.append(path)
                continue
            npz.load_npz(path, target)
            return path
        if skipped:
            raise RuntimeError(f"snapshot autoload: no snapshot in {outdir!r} could be "
                               f"loaded; all of {skipped} are corrupted. Remove them to start "
                               f"from scratch.")
        return None

    def on_error(self, trainer, exc, tb):
        if self._snapshot_on_error:
            self._make_snapshot(trainer)

    def __call__(self, trainer):
        if self.condition():
            self._make_snapshot(trainer)

    def _make_snapshot(self, trainer):
        target = trainer if self._target is None else self._target
        # Only the simple writer saves before the training goes on.
        state = _capture(target, copy=type(self.writer) is not snapshot_writers.SimpleWriter)
        filename = self.filename
        filename = filename(trainer) if callable(filename) else filename.format(trainer)
        self.writer(filename, trainer.out, state)

    def finalize(self):
        finalize = getattr(self.writer, "finalize", None)
        if finalize is not None:
            finalize()


def _always_true():
    return True
