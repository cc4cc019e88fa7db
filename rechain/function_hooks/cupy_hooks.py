"""Hooks that need CuPy: CUDAProfileHook (NVTX ranges) and CupyMemoryProfileHook."""

import sys

from rechain import backend
from rechain.function_hooks import function_hook


def _label(function):
    return getattr(function, "label", type(function).__name__)


class CUDAProfileHook(function_hook.FunctionHook):
    """Mark each forward and backward as an NVTX range (``<label>.forward`` ...) for
    the CUDA profilers.

    Example:
        >>> with function_hooks.CUDAProfileHook():  # doctest: +SKIP
        ...     loss = model(x)
    """

    name = "CUDAProfileHook"

    def __init__(self):
        backend._require_cupy("CUDAProfileHook")
        if not getattr(backend.cupy.cuda, "nvtx_enabled", False):
            raise RuntimeError("CUDAProfileHook: CuPy was built without NVTX")
        self._nvtx = backend.cupy.cuda.nvtx

    def forward_preprocess(self, function, in_data):
        self._nvtx.RangePush(_label(function) + ".forward")

    def forward_postprocess(self, function, in_data):
        self._nvtx.RangePop()

    def backward_preprocess(self, function, in_data, out_grad):
        self._nvtx.RangePush(_label(function) + ".backward")

    def backward_postprocess(self, function, in_data, out_grad):
        self._nvtx.RangePop()


def _counter_class():
    base = backend.cupy.cuda.memory_hook.MemoryHook

    class _Counter(base):
        """Cumulative bytes taken from the pool (used) and from the device (acquired)."""

        name = "RechainCupyMemoryCounter"

        def __init__(self):
            self.used_bytes = 0
            self.acquired_bytes = 0

        def alloc_preprocess(self, **kwargs):
            self.acquired_bytes += kwargs["mem_size"]

        def malloc_preprocess(self, **kwargs):
            self.used_bytes += kwargs["mem_size"]

    return _Counter


class CupyMemoryProfileHook(function_hook.FunctionHook):
    """Bytes each function call took from CuPy's memory pool (``used_bytes``) and the
    pool took from the device (``acquired_bytes``), as Chainer's.

    ``call_history`` holds ``(label, used_bytes, acquired_bytes, depth)``; the
    totals count outermost calls only.

    Example:
        >>> with function_hooks.CupyMemoryProfileHook() as hook:  # doctest: +SKIP
        ...     y = F.exp(x_gpu)
        >>> hook.print_report()  # doctest: +SKIP
    """

    name = "CupyMemoryProfileHook"
    _units = ("B", "KB", "MB", "GB", "TB", "PB")

    def __init__(self):
        backend._require_cupy("CupyMemoryProfileHook")
        self.call_history = []
        self._counter = _counter_class()()
        self._stack = []
        self._total_used = 0
        self._total_acquired = 0

    def added(self, function=None):
        self._counter.__enter__()

    def deleted(self, function=None):
        self._counter.__exit__()

    def _pre(self):
        self._stack.append((self._counter.used_bytes, self._counter.acquired_bytes))

    def _post(self, function):
        used0, acq0 = self._stack.pop()
        used = self._counter.used_bytes - used0
        acquired = self._counter.acquired_bytes - acq0
        depth = len(self._stack)
        self.call_history.append((_label(function), used, acquired, depth))
        if depth == 0:
            self._total_used += used
            self._total_acquired += acquired

    def forward_preprocess(self, function, in_data):
        self._pre()

    def forward_postprocess(self, function, in_data):
        self._post(function)

    def backward_preprocess(self, function, in_data, out_grad):
        self._pre()

    def backward_postprocess(self, function, in_data, out_grad):
        self._post(function)

    def total_used_bytes(self):
        return self._total_used

    def total_acquired_bytes(self):
        return self._total_acquired

    def summary(self):
        """``{label: {'used_bytes', 'acquired_bytes', 'occurrence'}}``."""
        out = {}
        for name, used, acquired, _ in self.call_history:
            rec = out.setdefault(name, {"used_bytes": 0, "acquired_bytes": 0,
                                        "occurrence": 0})
            rec["used_bytes"] += used
            rec["acquired_bytes"] += acquired
            rec["occurrence"] += 1
        return out

    @classmethod
    def _choose_unit(cls, size):
        factor = 1
        for unit in cls._units[:-1]:
            if size < factor * 1024:
                return factor, unit
            factor *= 1024
        return factor, cls._units[-1]

    def print_report(self, unit="auto", file=sys.stdout):
        """Print label, used bytes, acquired bytes and occurrences per function."""
        table = {u: 1024 ** i for i, u in enumerate(self._units)}
        if unit not in table and unit not in ("auto", "auto_foreach"):
            raise ValueError(f"CupyMemoryProfileHook.print_report: unit must be one of "
                             f"{list(table)}, 'auto' or 'auto_foreach', got {unit!r}")
        summary = self.summary()
        rows = [("FunctionName", "UsedBytes", "AcquiredBytes", "Occurrence")]
        if unit == "auto":
            factor, name = self._choose_unit(max(
                [max(r["used_bytes"], r["acquired_bytes"]) for r in summary.values()],
                default=0))
        elif unit != "auto_foreach":
            factor, name = table[unit], unit
        for label, r in summary.items():
            if unit == "auto_foreach":
                factor, name = self._choose_unit(max(r["used_bytes"], r["acquired_bytes"]))
            rows.append((label, f"{r['used_bytes'] / factor:3.2f}{name}",
                         f"{r['acquired_bytes'] / factor:3.2f}{name}", str(r["occurrence"])))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            file.write("  ".join(c.rjust(w) for c, w in zip(row, widths)) + "\n")
        file.flush()
