"""MemoryHook: bytes each function's forward produces."""

import sys
import tracemalloc

from rechain.function_hooks import function_hook


class MemoryHook(function_hook.FunctionHook):
    """Record, per forward call, the bytes of the arrays it returned.

    ``call_history`` holds ``(function label, output_bytes, traced_bytes)``:
    ``output_bytes`` is the total ``nbytes`` of the outputs (exact on every
    backend); ``traced_bytes`` is the change in memory ``tracemalloc`` saw
    during the call (NumPy reports its allocations to it), or None when
    ``tracemalloc`` is not tracing. The hook does not start tracing itself:
    run ``tracemalloc.start()`` first to get ``traced_bytes``.

    Example:
        >>> with function_hooks.MemoryHook() as mem:
        ...     y = F.exp(np.zeros(1000, np.float32))
        >>> mem.call_history  # doctest: +SKIP
        [('Exp', 4000, None)]
    """

    name = "MemoryHook"
    outputs_too = True

    def __init__(self):
        self.call_history = []
        self._stack = []

    def forward_preprocess(self, function, in_data):
        traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None
        self._stack.append(traced)

    def forward_postprocess(self, function, in_data, out_data=()):
        before = self._stack.pop()
        traced = None
        if before is not None and tracemalloc.is_tracing():
            traced = tracemalloc.get_traced_memory()[0] - before
        nbytes = sum(int(getattr(y, "nbytes", 0)) for y in out_data)
        self.call_history.append((getattr(function, "label", type(function).__name__),
                                  nbytes, traced))

    def total_output_bytes(self):
        """Bytes of every recorded output together."""
        return sum(b for _, b, _ in self.call_history)

    def summary(self):
        """``{label: {'output_bytes': total, 'occurrence': calls}}``."""
        out = {}
        for name, b, _ in self.call_history:
            rec = out.setdefault(name, {"output_bytes": 0, "occurrence": 0})
            rec["output_bytes"] += b
            rec["occurrence"] += 1
        return out

    def print_report(self, file=sys.stdout):
        """Print function name, output bytes and occurrences, one line each."""
        rows = [("FunctionName", "OutputBytes", "Occurrence")]
        rows += [(k, str(v["output_bytes"]), str(v["occurrence"]))
                 for k, v in self.summary().items()]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            file.write("  ".join(c.rjust(w) for c, w in zip(row, widths)) + "\n")
        file.flush()
