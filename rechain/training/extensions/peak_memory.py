"""PeakMemory: the peak memory of each training step, as an observation."""

import tracemalloc

import numpy

from rechain import memory
from rechain.training import _util
from rechain.training import extension


class PeakMemory(extension.Extension):
    """Report the peak memory of the training steps as ``memory/peak_MiB``.

    At initialize the extension wraps the updater's ``update`` so that each
    step (forward, backward and optimizer update) runs inside a
    :func:`rechain.memory.track` block: the peak is the most bytes in use
    during the step above what was in use when it started, measured by
    ``tracemalloc`` on the CPU (NumPy reports its arrays to it) or from
    CuPy's memory pool on the GPU. Each time ``trigger`` fires, the largest
    step peak of the interval is put into the observation in MiB, so that
    ``LogReport`` and ``PrintReport`` (given the same trigger) show it as a
    column. On the CPU, tracing costs time: expect slower steps while this
    extension is on.

    Args:
        key (str): The observation key.
        device (str): ``'cpu'``, ``'gpu'`` or ``'auto'`` (the GPU when the
            main optimizer's parameters are CuPy arrays).
        trigger: When to report the interval's peak (``(1, 'epoch')``; use
            LogReport's trigger).

    Attributes:
        step_peaks (list of int): Bytes of every step's peak since the last
            report.

    Example:
        >>> trainer.extend(extensions.PeakMemory())
        >>> trainer.extend(extensions.PrintReport(['epoch', 'main/loss', 'memory/peak_MiB']))
    """

    priority = extension.PRIORITY_WRITER
    default_name = "PeakMemory"

    def __init__(self, key="memory/peak_MiB", device="auto", trigger=(1, "epoch")):
        if device not in ("auto", "cpu", "gpu"):
            raise ValueError(f"PeakMemory: device must be 'auto', 'cpu' or 'gpu', not "
                             f"{device!r}")
        self._key = key
        self._device = device
        self._trigger = _util.get_trigger(trigger)
        self.step_peaks = []
        self._measured = False
        self._updater = None
        self._started_tracing = False

    def _resolve_device(self, updater):
        if self._device != "auto":
            return self._device
        try:
            target = updater.get_optimizer("main").target
        except (AttributeError, KeyError):
            return "cpu"
        for param in target.params():
            if param.array is not None:
                if not isinstance(param.array, numpy.ndarray):
                    return "gpu"
                break
        return "cpu"

    def initialize(self, trainer):
        updater = trainer.updater
        if self._updater is updater:
            return
        original = updater.update
        device = self._resolve_device(updater)
        if device == "cpu" and not tracemalloc.is_tracing():
            # Trace for the whole run rather than starting and stopping every step.
            tracemalloc.start()
            self._started_tracing = True

        def update():
            with memory.track(device=device) as tracker:
                original()
            self.step_peaks.append(tracker.peak)
            self._measured = True

        update.__wrapped__ = original
        self._own_update = vars(updater).get("update")  # an update set on the instance
        updater.update = update
        self._updater = updater

    def __call__(self, trainer):
        if not self._measured:
            raise RuntimeError(
                "PeakMemory: the training step was not measured; the trainer must call "
                "updater.update after the extensions are initialized (the extension wraps "
                "it at initialize)")
        self._measured = False
        if self._trigger(trainer):
            peak = max(self.step_peaks)
            trainer.observation[self._key] = peak / 2 ** 20
            self.step_peaks = []

    def finalize(self):
        updater, self._updater = self._updater, None
        if updater is not None and "update" in vars(updater):
            if self._own_update is not None:
                updater.update = self._own_update
            else:
                del updater.update  # the class's method again
        if self._started_tracing:
            tracemalloc.stop()
            self._started_tracing = False
