"""TimerHook: wall time spent in each link's forward."""

import sys
import time

from rechain import backend
from rechain.link_hooks import link_hook
from rechain.utils import _timer_report as _report


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
    table = _report.UNITS

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
        """``{name: {'elapsed_time': seconds, 'occurrence': calls}}``."""
        return _report.summarize(self.call_history)

    _choose_unit = staticmethod(_report.choose_unit)

    def print_report(self, unit="auto", file=sys.stdout):
        """Print name, total time and occurrences: ``unit`` is ``'sec'``,
        ``'ms'``, ``'us'``, ``'ns'``, ``'auto'`` (one unit fitting the largest)
        or ``'auto_foreach'`` (per row), as Chainer's."""
        _report.print_report(self.summary(), "LinkName", unit, file)
