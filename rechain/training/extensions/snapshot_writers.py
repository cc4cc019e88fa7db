"""Snapshot writers: how (and on which thread or process) snapshots are saved.

A writer is called as ``writer(filename, outdir, target)`` with ``target``
the already-serialized state (a dict of arrays). Every writer saves through
:meth:`Writer.save`, which writes into a temporary directory inside the
destination directory and renames the finished file into place, so a
snapshot file is either absent or complete whatever ``savefun`` does (see
Note [atomic output] in ``_files``).
"""

import multiprocessing
import os
import queue
import shutil
import sys
import tempfile
import threading

from rechain.serializers import npz


class Writer:
    """Base class of snapshot writers.

    Subclasses implement ``__call__(filename, outdir, target)``; they may
    save in the background and must then wait for pending saves in
    :meth:`finalize`.
    """

    def __init__(self):
        self._post_save_hooks = []

    def __call__(self, filename, outdir, target):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def finalize(self):
        """Wait for pending saves and release workers (nothing to do here)."""

    def save(self, filename, outdir, target, savefun, **kwds):
        """Save ``target`` to ``outdir/filename`` with ``savefun``, atomically."""
        dest = os.path.join(outdir, filename)
        directory = os.path.dirname(os.path.abspath(dest))
        os.makedirs(directory, exist_ok=True)
        tmpdir = tempfile.mkdtemp(prefix=".tmp" + os.path.basename(dest), dir=directory)
        try:
            tmppath = os.path.join(tmpdir, os.path.basename(dest))
            savefun(tmppath, target, **kwds)
            os.replace(tmppath, dest)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        self._post_save()

    def _add_cleanup_hook(self, hook):
        """Run ``hook()`` after each completed save (used by ``n_retains``)."""
        self._post_save_hooks.append(hook)

    def _post_save(self):
        for hook in self._post_save_hooks:
            hook()


class SimpleWriter(Writer):
    """Save on the calling thread (the default).

    Args:
        savefun (callable): ``savefun(path, target, **kwds)``.
        **kwds: Passed to ``savefun``.
    """

    def __init__(self, savefun=npz.save_npz, **kwds):
        super().__init__()
        self._savefun = savefun
        self._kwds = kwds

    def __call__(self, filename, outdir, target):
        self.save(filename, outdir, target, self._savefun, **self._kwds)


class StandardWriter(Writer):
    """Save each snapshot in a new worker, waiting for the previous one first."""

    def __init__(self, savefun=npz.save_npz, **kwds):
        super().__init__()
        self._savefun = savefun
        self._kwds = kwds
        self._worker = None
        self._error = None

    def _guarded_save(self, *args, **kwds):
        try:
            self.save(*args, **kwds)
        except BaseException as e:  # re-raised on the training thread by _join
            self._error = e

    def create_worker(self, filename, outdir, target, **kwds):
        """Return an unstarted worker (thread or process) that saves."""
        raise NotImplementedError(f"{type(self).__name__} must implement create_worker")

    def __call__(self, filename, outdir, target):
        self._join()
        self._worker = self.create_worker(filename, outdir, target, **self._kwds)
        self._worker.start()

    def _join(self):
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.join()
            code = getattr(worker, "exitcode", 0)
            if type(code) is int and code:   # a process's (threads have none)
                raise RuntimeError(f"{type(self).__name__}: the process saving a snapshot "
                                   f"failed (exit code {code})")
        error, self._error = self._error, None
        if error is not None:
            raise RuntimeError(f"{type(self).__name__}: saving a snapshot failed: "
                               f"{type(error).__name__}: {error}") from error

    def finalize(self):
        self._join()


class ThreadWriter(StandardWriter):
    """Save on a new thread per snapshot."""

    def create_worker(self, filename, outdir, target, **kwds):
        return threading.Thread(target=self._guarded_save,
                                args=(filename, outdir, target, self._savefun), kwargs=kwds)


class ProcessWriter(StandardWriter):
    """Save in a new process per snapshot (``savefun`` and the hooks are run there)."""

    def create_worker(self, filename, outdir, target, **kwds):
        return multiprocessing.Process(target=self.save,
                                       args=(filename, outdir, target, self._savefun),
                                       kwargs=kwds)


class QueueWriter(Writer):
    """Save on one long-lived consumer fed through a queue."""

    def __init__(self, savefun=npz.save_npz, task=None):
        super().__init__()
        self._task = self.create_task(savefun) if task is None else task
        self._queue = self.create_queue()
        self._consumer = self.create_consumer(self._queue)
        self._consumer.start()
        self._finalized = False
        self._error = None

    def create_task(self, savefun):
        return SimpleWriter(savefun=savefun)

    def create_queue(self):
        raise NotImplementedError(f"{type(self).__name__} must implement create_queue")

    def create_consumer(self, q):
        raise NotImplementedError(f"{type(self).__name__} must implement create_consumer")

    def _add_cleanup_hook(self, hook):
        # The task does the saving, so it runs the hooks.
        self._task._add_cleanup_hook(hook)

    def __call__(self, filename, outdir, target):
        if self._finalized:
            raise RuntimeError(f"{type(self).__name__}: called after finalize()")
        self._raise_error()
        self._queue.put((self._task, filename, outdir, target))

    def consume(self, q):
        while True:
            item = q.get()
            if item is None:
                q.task_done()
                if self._error is not None and multiprocessing.parent_process() is not None:
                    sys.exit(1)  # a consumer process reports failure by its exit code
                return
            try:
                task, filename, outdir, target = item[0], item[1], item[2], item[3]
                if self._error is None:
                    task(filename, outdir, target)
            except BaseException as e:  # re-raised on the training thread
                self._error = e
            finally:
                q.task_done()

    def finalize(self):
        if not self._finalized:
            self._finalized = True
            self._queue.put(None)
            self._queue.join()
            self._consumer.join()
            code = getattr(self._consumer, "exitcode", 0)
            if type(code) is int and code:
                raise RuntimeError(f"{type(self).__name__}: the process saving snapshots "
                                   f"failed (exit code {code})")
        self._raise_error()

    def _raise_error(self):
        error, self._error = self._error, None
        if error is not None:
            raise RuntimeError(f"{type(self).__name__}: saving a snapshot failed: "
                               f"{type(error).__name__}: {error}") from error


class ThreadQueueWriter(QueueWriter):
    """Save on one background thread, in order."""

    def create_queue(self):
        return queue.Queue()

    def create_consumer(self, q):
        return threading.Thread(target=self.consume, args=(q,), daemon=True)


class ProcessQueueWriter(QueueWriter):
    """Save in one background process, in order."""

    def create_queue(self):
        return multiprocessing.JoinableQueue()

    def create_consumer(self, q):
        return multiprocessing.Process(target=self.consume, args=(q,), daemon=True)
