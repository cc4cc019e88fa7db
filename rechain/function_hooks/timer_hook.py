"""TimerHook: time spent in each function's forward and backward."""

import sys
import time

from rechain import backend
from rechain.function_hooks import function_hook
from rechain.utils import _timer_report as _report


class TimerHook(function_hook.FunctionHook):
    """Record ``(function label, seconds)`` for every forward and backward call.

    On a GPU the device is synchronised before each reading, so the time
    covers the kernels the call launched.

    Example:
        >>> with function_hooks.TimerHook() as timer:
        ...     y = F.exp(x)
        >>> [name for name, _ in timer.call_history]  # doctest: +SKIP
        ['Exp']
    """

    name = "TimerHook"
    table = _report.UNITS

    def __init__(self):
        self.call_history = []
        self._stack = []

    @staticmethod
    def _now(arrays):
        cp = backend.cupy
        if cp is not None and any(isinstance(a, cp.ndarray) for a in arrays if a is not None):
            cp.cuda.Device().synchronize()
        return time.perf_counter()

    def _start(self, arrays):
        self._stack.append(self._now(arrays))

    def _stop(self, function, arrays):
        elapsed = self._now(arrays) - self._stack.pop()
        self.call_history.append((getattr(function, "label", type(function).__name__),
                                  elapsed))

    def forward_preprocess(self, function, in_data):
        self._start(in_data)

    def forward_postprocess(self, function, in_data):
        self._stop(function, in_data)

    def backward_preprocess(self, function, in_data, out_grad):
        self._start(out_grad)

    def backward_postprocess(self, function, in_data, out_grad):
        self._stop(function, out_grad)

    def total_time(self):
        """Seconds over every recorded call."""
        return sum(t for _, t in self.call_history)

    def summary(self):
        """``{name: {'elapsed_time': seconds, 'occurrence': calls}}``."""
        return _report.summarize(self.call_history)

    _choose_unit = staticmethod(_report.choose_unit)

    def print_report(self, unit="auto", file=sys.stdout):
        """Print name, total time and occurrences: ``unit`` is ``'sec'``,
        ``'ms'``, ``'us'``, ``'ns'``, ``'auto'`` (one unit fitting the largest)
        or ``'auto_foreach'`` (per row), as Chainer's."""
        _report.print_report(self.summary(), "FunctionName", unit, file)
