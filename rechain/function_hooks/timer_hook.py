"""TimerHook: time spent in each function's forward and backward."""

import sys
import time

from rechain import backend
from rechain.function_hooks import function_hook


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
    table = {"sec": 1, "ms": 10 ** 3, "us": 10 ** 6, "ns": 10 ** 9}

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
        """``{label: {'elapsed_time': seconds, 'occurrence': calls}}``."""
        out = {}
        for name, t in self.call_history:
            rec = out.setdefault(name, {"elapsed_time": 0.0, "occurrence": 0})
            rec["elapsed_time"] += t
            rec["occurrence"] += 1
        return out

    @staticmethod
    def _choose_unit(second):
        factor = 1
        for unit in ("sec", "ms", "us"):
            if second * factor >= 1:
                return factor, unit
            factor *= 1000
        return factor, "ns"

    def print_report(self, unit="auto", file=sys.stdout):
        """Print function name, total time and occurrences (units as Chainer's)."""
        if unit not in self.table and unit not in ("auto", "auto_foreach"):
            raise ValueError(f"TimerHook.print_report: unit must be one of "
                             f"{sorted(self.table)}, 'auto' or 'auto_foreach', got {unit!r}")
        summary = self.summary()
        rows = [("FunctionName", "ElapsedTime", "Occurrence")]
        if unit == "auto":
            factor, name = self._choose_unit(
                max((r["elapsed_time"] for r in summary.values()), default=0.0))
        elif unit != "auto_foreach":
            factor, name = self.table[unit], unit
        for label, rec in summary.items():
            if unit == "auto_foreach":
                factor, name = self._choose_unit(rec["elapsed_time"])
            rows.append((label, f"{rec['elapsed_time'] * factor:3.2f}{name}",
                         str(rec["occurrence"])))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            file.write("  ".join(c.rjust(w) for c, w in zip(row, widths)) + "\n")
        file.flush()
