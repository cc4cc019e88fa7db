"""TimerHook: wall time spent in each link's forward."""

import sys
import time

from rechain import backend
from rechain.link_hooks import link_hook


class TimerHook(link_hook.LinkHook):
    """Record how long every hooked link's forward takes.

    ``call_history`` holds ``(link class name, seconds)`` per call, innermost
    first; :meth:`total_time` sums only outermost calls, so nested links are
    not counted twice. On a GPU the time is taken after synchronising the
    device, so it covers the kernels the forward launched.

    Example:
        >>> with link_hooks.TimerHook() as timer:
        ...     y = model(x)
        >>> timer.print_report()  # doctest: +SKIP
    """

    name = "TimerHook"
    table = {"sec": 1, "ms": 10 ** 3, "us": 10 ** 6, "ns": 10 ** 9}

    def __init__(self):
        self.call_history = []
        self._stack = []
        self._total_time = 0.0

    @staticmethod
    def _now(link):
        if backend.cupy is not None and link.xp is backend.cupy:
            backend.cupy.cuda.Device().synchronize()
        return time.perf_counter()

    def forward_preprocess(self, args):
        self._stack.append(self._now(args.link))

    def forward_postprocess(self, args):
        elapsed = self._now(args.link) - self._stack.pop()
        self.call_history.append((type(args.link).__name__, elapsed))
        if not self._stack:
            self._total_time += elapsed

    def total_time(self):
        """Seconds spent in outermost hooked calls."""
        return self._total_time

    def summary(self):
        """``{link class name: {'elapsed_time': seconds, 'occurrence': calls}}``."""
        out = {}
        for name, elapsed in self.call_history:
            rec = out.setdefault(name, {"elapsed_time": 0.0, "occurrence": 0})
            rec["elapsed_time"] += elapsed
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
        """Print a table of link name, total time and occurrences.

        Args:
            unit (str): ``'sec'``, ``'ms'``, ``'us'``, ``'ns'``, ``'auto'`` (one
                unit fitting the largest) or ``'auto_foreach'`` (per row).
        """
        if unit not in self.table and unit not in ("auto", "auto_foreach"):
            raise ValueError(f"TimerHook.print_report: unit must be one of "
                             f"{sorted(self.table)}, 'auto' or 'auto_foreach', got {unit!r}")
        summary = self.summary()
        rows = [("LinkName", "ElapsedTime", "Occurrence")]
        if unit == "auto":
            factor, unit_name = self._choose_unit(
                max((r["elapsed_time"] for r in summary.values()), default=0.0))
        elif unit != "auto_foreach":
            factor, unit_name = self.table[unit], unit
        for name, rec in summary.items():
            if unit == "auto_foreach":
                factor, unit_name = self._choose_unit(rec["elapsed_time"])
            rows.append((name, f"{rec['elapsed_time'] * factor:3.2f}{unit_name}",
                         str(rec["occurrence"])))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            file.write("  ".join(c.rjust(w) for c, w in zip(row, widths)) + "\n")
        file.flush()
