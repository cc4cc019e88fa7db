"""LogReport: average the observations over an interval and keep a JSON log."""

import json
import os
import warnings

from rechain import reporter
from rechain import serializers
from rechain.training import _util
from rechain.training import extension
from rechain.training.extensions import _files

_UNSET = object()


class LogReport(extension.Extension):
    """Trainer extension that logs the mean of each observation per interval.

    It accumulates every observation (or only ``keys``) each iteration and,
    when ``trigger`` fires, appends a dict of their means plus ``epoch``,
    ``iteration`` and ``elapsed_time`` to :attr:`log` and writes the whole
    log as a JSON list to ``trainer.out/filename``. The file is replaced
    atomically (see Note [atomic output] in ``_files``): a reader never sees
    a partial log, and a failed write leaves the previous log intact.

    Args:
        keys (list of str): Observation keys to log (all when None).
        trigger: When to write an entry (``(1, 'epoch')``).
        postprocess (callable): Called with each entry (a dict) before it
            is stored, may change it in place.
        filename (str): File name under ``trainer.out``; may contain
            ``{epoch}``/``{iteration}`` fields filled from the entry. None
            means ``log_name``.
        log_name (str): Chainer's older name for ``filename`` (keyword only,
            default ``'log'``); ``log_name=None`` with no ``filename`` writes
            no file.

    Example:
        >>> trainer.extend(extensions.LogReport())
    """

    def __init__(self, keys=None, trigger=(1, "epoch"), postprocess=None, filename=None, *,
                 log_name=_UNSET):
        self._keys = keys
        self._trigger = _util.get_trigger(trigger)
        self._postprocess = postprocess
        self._log = []
        if filename is None:
            filename = "log" if log_name is _UNSET else log_name
        elif log_name is not _UNSET:
            raise TypeError("LogReport: give filename or log_name, not both")
        self._log_name = filename
        self._init_summary()

    def initialize(self, trainer):
        if self._log_name is not None:
            _files.ensure_writable_dir(trainer.out, "LogReport")

    def __call__(self, trainer):
        observation = trainer.observation
        if self._keys is None:
            self._summary.add(observation)
        else:
            self._summary.add({k: observation[k] for k in self._keys if k in observation})
        if getattr(trainer, "is_before_training", False) or self._trigger(trainer):
            self._write_entry(trainer)

    def _write_entry(self, trainer):
        entry = {name: float(value) for name, value in self._summary.compute_mean().items()}
        updater = trainer.updater
        entry["epoch"] = updater.epoch
        entry["iteration"] = updater.iteration
        entry["elapsed_time"] = trainer.elapsed_time
        if self._postprocess is not None:
            self._postprocess(entry)
        self._log.append(entry)
        # The interval is over even if writing fails: the entry stays in the
        # log and is written with the next one.
        self._init_summary()
        if self._log_name is not None:
            path = os.path.join(trainer.out, self._log_name.format(**entry))
            _files.atomic_write(path, lambda f: json.dump(self._log, f, indent=4))

    @property
    def log(self):
        """list of dict: The entries written so far (the same list object)."""
        return self._log

    def serialize(self, serializer):
        if hasattr(self._trigger, "serialize"):
            self._trigger.serialize(serializer["_trigger"])
        try:
            self._summary.serialize(serializer["_summary"])
        except KeyError:
            warnings.warn("LogReport: the snapshot holds no running statistics; the "
                          "current interval restarts from empty")
        if isinstance(serializer, serializers.Deserializer):
            stored = serializer("_log", "")
            if stored != "":  # "" comes back from load_npz's checking pass
                self._log = json.loads(stored)
        else:
            serializer("_log", json.dumps(self._log))

    def _init_summary(self):
        self._summary = reporter.DictSummary()
