"""Trainer: Chainer's standard training loop.

Each iteration of :meth:`Trainer.run` makes a fresh observation dict, calls
``updater.update()`` inside the trainer's reporter scope (so values the
model reports land in it) and then calls, in descending priority, every
extension whose trigger fires. The loop ends when the stop trigger fires.

Note [snapshots inside an iteration]: a snapshot extension runs in the middle
of an iteration's extension loop, so the triggers of the extensions after it
have not yet been called for that iteration when their state is saved.
Resumed as is, such a trigger would see that iteration again (an interval
trigger fires twice; a best-value trigger compares without a value, which
made Chainer raise). The snapshot therefore lists those triggers
(``_pending_triggers``), and a resumed run first calls each of them once for
the snapshot's iteration, discarding the result, since the original run called
those extensions after the snapshot was written.
"""

import json

import os
import sys
import time
import traceback
import warnings

from rechain import reporter as reporter_module
from rechain.serializers import base as serializer_base
from rechain.training import _util
from rechain.training import extension as extension_module

#: The clock behind ``elapsed_time`` (a module attribute, so tests can patch it).
_get_time = time.perf_counter


class _ExtensionEntry:
    """An extension as registered: with its trigger, priority and flag."""

    def __init__(self, extension, priority, trigger, call_before_training):
        self.extension = extension
        self.trigger = trigger
        self.priority = priority
        self.call_before_training = call_before_training


def _extension_name(extension):
    for attr in ("name", "default_name", "__name__"):
        name = getattr(extension, attr, None)
        if name is not None:
            return name
    raise TypeError(f"Trainer.extend: the extension ({type(extension).__name__}) has no "
                    f"name, default_name or __name__; pass name=")


class Trainer:
    """The training loop: an updater, a stop trigger and extensions.

    The optimizers' target links are registered to :attr:`reporter` as
    observers: each optimizer's target under the optimizer's name (``main``
    for a single optimizer), and every link below it as
    ``<optimizer name><link path>`` (``main/predictor``), so values that
    ``L.Classifier`` reports appear as ``main/loss`` and ``main/accuracy``.

    A trainer and everything it holds can be saved and restored with
    ``serializers.save_npz`` / ``load_npz`` (:meth:`serialize`); a fresh
    trainer built the same way and loaded from a snapshot continues the run
    where it stopped (the stop condition may be changed).

    Args:
        updater (~rechain.training.Updater): Runs each iteration.
        stop_trigger: When to stop: a trigger, ``(length, unit)`` such as
            ``(20, 'epoch')``, or None to run until interrupted.
        out (str): Output directory of the extensions (created by
            :meth:`run`).
        extensions (list): Extensions to register with default settings.

    Attributes:
        updater: The updater.
        stop_trigger: The stop trigger.
        observation (dict): The values reported during the current (or last)
            iteration.
        out (str): The output directory.
        reporter (~rechain.Reporter): The reporter of the training loop.

    Example:
        >>> trainer = training.Trainer(updater, (20, 'epoch'), out='result')
        >>> trainer.extend(extensions.LogReport())
        >>> trainer.run()
    """

    def __init__(self, updater, stop_trigger=None, out="result", extensions=None):
        if not isinstance(out, (str, os.PathLike)):
            raise TypeError(f"Trainer: out must be a path, not {type(out).__name__}")
        self.updater = updater
        self.stop_trigger = _util.get_trigger(stop_trigger)
        self.observation = {}
        self.out = out
        reporter = reporter_module.Reporter()
        for name, optimizer in updater.get_all_optimizers().items():
            reporter.add_observer(name, optimizer.target)
            reporter.add_observers(name, optimizer.target.namedlinks(skipself=True))
        self.reporter = reporter
        self._done = False
        self._extensions = {}
        self._start_at = None
        self._snapshot_elapsed_time = 0.0
        self._final_elapsed_time = None
        self._loop_entries = None  # (name, entry) in call order, during run
        self._next_trigger = None  # index of the first trigger not yet called
        self._catch_up = []  # Note [snapshots inside an iteration]
        updater.connect_trainer(self)
        for ext in extensions or ():
            self.extend(ext)

    @property
    def is_before_training(self):
        """True until the first update (the updater's iteration is 0)."""
        return self.updater.iteration == 0

    @property
    def elapsed_time(self):
        """Seconds of training so far, including the time before a resume.

        Raises:
            RuntimeError: Before :meth:`run` has started.
        """
        if self._done:
            return self._final_elapsed_time
        if self._start_at is None:
            raise RuntimeError("Trainer.elapsed_time: training has not started yet")
        return _get_time() - self._start_at + self._snapshot_elapsed_time

    def extend(self, extension, name=None, trigger=None, priority=None, *,
               call_before_training=False, **kwargs):
        """Register an extension.

        Args:
            extension: A callable ``extension(trainer)``, typically an
                :class:`~rechain.training.Extension` or a function decorated
                with :func:`~rechain.training.make_extension`.
            name (str): Its name; default ``extension.name``, then
                ``default_name``, then ``__name__``. A name already taken
                gets a suffix ``_1``, ``_2``, ...; the final name is set as
                ``extension.name``.
            trigger: When to call it; default ``extension.trigger``, else
                every iteration. A pair ``(period, unit)`` makes an
                :class:`~rechain.training.triggers.IntervalTrigger`.
            priority (int): Extensions of higher priority run first in an
                iteration (ties: in registration order); default
                ``extension.priority``, else ``PRIORITY_READER``.
            call_before_training (bool): Also call it once before the first
                iteration.

        Raises:
            ValueError: If the name is ``'training'``.
        """
        if kwargs:
            extension_module._reject_removed_kwargs("Trainer.extend", kwargs)
        if not callable(extension):
            raise TypeError(f"Trainer.extend: an extension must be callable, not "
                            f"{type(extension).__name__}")
        if name is None:
            # the extension's own name is used as it is, as in Chainer
            name = _extension_name(extension)
            try:
                hash(name)
            except TypeError:
                raise TypeError(f"Trainer.extend: the extension's name {name!r} is not "
                                f"hashable; pass name=") from None
        elif not isinstance(name, str):   # e.g. a trigger passed in name's place
            raise TypeError(f"Trainer.extend: the name must be a str, not "
                            f"{type(name).__name__} ({name!r}); pass the trigger as "
                            f"trigger=")
        if name == "training":
            raise ValueError("Trainer.extend: 'training' is reserved and cannot name an "
                             "extension")
        if trigger is None:
            trigger = getattr(extension, "trigger", (1, "iteration"))
        trigger = _util.get_trigger(trigger)
        if priority is None:
            priority = getattr(extension, "priority", extension_module.PRIORITY_READER)
        unique = name
        ordinal = 0
        while unique in self._extensions:
            ordinal += 1
            unique = f"{name}_{ordinal}"
        try:
            extension.name = unique
        except AttributeError:  # e.g. a bound method: it keeps its own name
            pass
        self._extensions[unique] = _ExtensionEntry(extension, priority, trigger,
                                                   call_before_training)

    def get_extension(self, name):
        """The extension registered as ``name``.

        Raises:
            ValueError: If there is none.
        """
        entry = self._extensions.get(name)
        if entry is None:
            raise ValueError(f"Trainer.get_extension: no extension is named {name!r} "
                             f"(registered: {list(self._extensions)})")
        return entry.extension

    def _make_out(self):
        out = os.fspath(self.out)
        if os.path.exists(out) and not os.path.isdir(out):
            raise FileExistsError(f"Trainer.run: the output path {out!r} exists and is not a "
                                  f"directory")
        try:
            os.makedirs(out, exist_ok=True)
        except OSError as e:
            warnings.warn(f"Trainer.run: cannot create the output directory {out!r} ({e}); "
                          f"extensions that write there will fail")

    def run(self, show_loop_exception_msg=True):
        """Run the training loop until the stop trigger fires.

        Before the loop, every extension's ``initialize(trainer)`` is called
        (except for triggers already ``finished``), then, on a fresh run,
        extensions registered with ``call_before_training``. If the loop
        raises, every extension's ``on_error(trainer, exc, tb)`` is called and
        the exception re-raised. In any case every ``finalize()`` and then
        ``updater.finalize()`` is called.

        Args:
            show_loop_exception_msg (bool): Print the exception and traceback
                to stderr before finalization.

        Raises:
            RuntimeError: If this trainer has already run to the end.
        """
        if self._done:
            raise RuntimeError("Trainer.run: this trainer has already run; a trainer runs "
                               "once (build a new one and load a snapshot to continue)")
        self._make_out()
        named = sorted(self._extensions.items(), key=lambda item: item[1].priority,
                       reverse=True)
        entries = [entry for _, entry in named]
        self._start_at = _get_time()
        failed = False
        try:
            for entry in entries:
                initialize = getattr(entry.extension, "initialize", None)
                if initialize and not getattr(entry.trigger, "finished", False):
                    initialize(self)

            reporter = self.reporter
            if self.is_before_training:
                self.observation = {}
                with reporter.scope(self.observation):
                    for entry in entries:
                        if entry.call_before_training:
                            entry.extension(self)

            if self._catch_up:
                self.observation = {}
                with reporter.scope(self.observation):
                    for name, entry in named:
                        if name in self._catch_up:
                            entry.trigger(self)
                self._catch_up = []

            update = self.updater.update
            stop_trigger = self.stop_trigger
            self._loop_entries = named
            while not stop_trigger(self):
                self.observation = {}
                with reporter.scope(self.observation):
                    update()
                    for i, entry in enumerate(entries):
                        self._next_trigger = i
                        fire = entry.trigger(self)
                        self._next_trigger = i + 1
                        if fire:
                            entry.extension(self)
                    self._next_trigger = None
        except Exception as e:
            failed = True
            if show_loop_exception_msg:
                err = sys.stderr
                err.write(f"Exception in main training loop: {e}\n")
                err.write("Traceback (most recent call last):\n")
                traceback.print_tb(e.__traceback__, file=err)
                err.write("Will finalize trainer extensions and updater before reraising "
                          "the exception.\n")
            for entry in entries:
                handler = getattr(entry.extension, "on_error", None)
                if handler:
                    try:
                        handler(self, e, e.__traceback__)
                    except Exception as he:
                        # Every handler runs; their own errors are shown and dropped.
                        sys.stderr.write(f"Exception in error handler: {he}\n")
                        sys.stderr.write("Traceback (most recent call last):\n")
                        traceback.print_tb(he.__traceback__, file=sys.stderr)
            raise
        finally:
            self._next_trigger = None
            self._loop_entries = None
            self._finalize_all(raise_errors=not failed)
        self._final_elapsed_time = self.elapsed_time
        self._done = True

    def _finalize_all(self, raise_errors):
        """Call every extension's finalize and the updater's; raise the first
        error afterwards unless the loop itself failed (then just show them)."""
        first = None
        finalizers = [getattr(e.extension, "finalize", None)
                      for e in sorted(self._extensions.values(), key=lambda e: e.priority,
                                      reverse=True)]
        finalizers.append(self.updater.finalize)
        for finalize in finalizers:
            if not finalize:
                continue
            try:
                finalize()
            except Exception as e:
                if first is None and raise_errors:
                    first = e
                else:
                    sys.stderr.write(f"Exception in finalize: {e}\n")
                    traceback.print_tb(e.__traceback__, file=sys.stderr)
        if first is not None:
            raise first

    def serialize(self, serializer):
        """Save or load the whole run: the updater (iterators, optimizers,
        models, iteration), the stop trigger, every extension and its trigger
        (under ``extensions/<name>`` and ``extension_triggers/<name>``), the
        elapsed time and the triggers still to be called in the current
        iteration (Note [snapshots inside an iteration])."""
        self.updater.serialize(serializer["updater"])
        if hasattr(self.stop_trigger, "serialize"):
            self.stop_trigger.serialize(serializer["stop_trigger"])
        extensions = serializer["extensions"]
        triggers = serializer["extension_triggers"]
        for name, entry in self._extensions.items():
            if hasattr(entry.extension, "serialize"):
                entry.extension.serialize(extensions[name])
            if hasattr(entry.trigger, "serialize"):
                entry.trigger.serialize(triggers[name])
        if isinstance(serializer, serializer_base.Deserializer):
            self._snapshot_elapsed_time = float(serializer("_snapshot_elapsed_time",
                                                           float(self._snapshot_elapsed_time)))
            try:
                pending = serializer("_pending_triggers", json.dumps(self._catch_up))
            except KeyError:  # a Chainer snapshot
                pending = "[]"
            self._catch_up = list(json.loads(pending))
        else:
            pending = []
            if self._next_trigger is not None:
                pending = [name for name, _ in self._loop_entries[self._next_trigger:]]
            serializer("_pending_triggers", json.dumps(pending))
            elapsed = (self._snapshot_elapsed_time if self._start_at is None and not self._done
                       else self.elapsed_time)
            if elapsed is None:   # ended without having started (a mocked run)
                elapsed = self._snapshot_elapsed_time
            serializer("_snapshot_elapsed_time", float(elapsed))
