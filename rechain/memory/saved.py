"""saved_arrays: what the graph keeps for backward (like JAX's print_saved_residuals)."""

import dataclasses

from rechain import function_node
from rechain import variable as _variable

Parameter = _variable.Parameter
Variable = _variable.Variable


@dataclasses.dataclass(frozen=True)
class SavedArray:
    """One array the graph keeps for backward.

    Attributes:
        op (str): The operation that keeps it (``forget[f]`` for the inputs a
            forget region keeps).
        what (str): ``'input k'`` or ``'output k'`` of that operation.
        shape (tuple), dtype: Of the array.
        nbytes (int): Its size.
        source (str): ``'parameter'`` (held by the model anyway), ``'argument'``
            (one of the arrays passed to the function) or ``'intermediate'``.
        shared (bool): Also kept by an earlier entry (counted once in totals).
    """

    op: str
    what: str
    shape: tuple
    dtype: str
    nbytes: int
    source: str
    shared: bool


class SavedArrays:
    """The report of :func:`saved_arrays`: a list of :class:`SavedArray` with totals."""

    def __init__(self, entries):
        self.entries = list(entries)

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)

    def __getitem__(self, i):
        return self.entries[i]

    def total_bytes(self, source=None):
        """Bytes of distinct arrays kept, optionally only of one ``source``."""
        return sum(e.nbytes for e in self.entries
                   if not e.shared and (source is None or e.source == source))

    @property
    def intermediate_bytes(self):
        """Bytes kept beyond the parameters and the function's arguments."""
        return self.total_bytes("intermediate")

    def __str__(self):
        rows = [("op", "keeps", "shape", "dtype", "bytes", "source")]
        for e in self.entries:
            src = e.source + (" (shared)" if e.shared else "")
            rows.append((e.op, e.what, str(e.shape), e.dtype, f"{e.nbytes:,}", src))
        widths = [max(len(r[i]) for r in rows) for i in range(6)]
        lines = ["  ".join(c.ljust(w) if i != 4 else c.rjust(w)
                           for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
        lines.insert(1, "-" * len(lines[0]))
        mib = 1 << 20
        lines.append("-" * len(lines[0]))
        lines.append(f"intermediates {self.intermediate_bytes / mib:.2f} MiB, arguments "
                     f"{self.total_bytes('argument') / mib:.2f} MiB, parameters "
                     f"{self.total_bytes('parameter') / mib:.2f} MiB "
                     f"({len(self.entries)} entries)")
        return "\n".join(lines)

    __repr__ = __str__


class _Recorder:
    """Saved-array handler that notes every array nodes retain (see function_node)."""

    replaying = False

    def __init__(self, arguments):
        self.arguments = {id(a) for a in arguments}
        self.found = []          # (op, what, array, is_param)

    def record(self, f, in_vars, in_data, out_data):
        for kind, i, d in function_node.retained_arrays(f):
            is_param = kind == "input" and isinstance(in_vars[i], Parameter)
            self.found.append((f.label, f"{kind} {i}", d, is_param))

    def record_nested(self, func, in_vars):
        name = getattr(func, "__qualname__", None) or type(func).__name__
        for i, v in enumerate(in_vars):
            self.found.append((f"forget[{name}]", f"input {i}", v._data,
                               isinstance(v, Parameter)))
        return [v._data for v in in_vars]

    def report(self):
        seen = set()
        entries = []
        for op, what, a, is_param in self.found:
            key = id(a)
            source = ("parameter" if is_param else
                      "argument" if key in self.arguments else "intermediate")
            entries.append(SavedArray(op, what, tuple(a.shape), str(a.dtype), int(a.nbytes),
                                      source, key in seen))
            seen.add(key)
        return SavedArrays(entries)


def saved_arrays(func, *xs, **kwargs):
    """List what the graph keeps for backward after calling ``func(*xs, **kwargs)``.

    Every array a node of the new graph retains is listed once per node, with
    the op that keeps it, its shape, dtype and size, and whether it is a
    parameter, one of the arguments, or an intermediate result. Arrays kept by
    several nodes are marked shared and counted once in the totals. Inside
    ``F.forget`` only the region's inputs are kept, and that is what is listed.

    Args:
        func (callable): The function to inspect.
        *xs, **kwargs: Its arguments (arrays are wrapped in Variables that
            require a gradient, so the graph is built).

    Returns:
        SavedArrays: Printable as a table; ``.entries``, ``.total_bytes()``,
        ``.intermediate_bytes``.

    Raises:
        TypeError: ``func`` returned no Variable (e.g. None): there is no
            graph to inspect.

    Example:
        >>> print(rechain.memory.saved_arrays(lambda a, b: (a + b) * a, x, y))
    """
    if not callable(func):
        raise TypeError(f"saved_arrays: func must be callable, not {type(func).__name__}")
    args = [Variable(x) if _variable.backend.is_array(x) else x for x in xs]
    recorder = _Recorder([a.array for a in args if isinstance(a, Variable)])
    prev = function_node.push_handler(recorder)
    try:
        outs = func(*args, **kwargs)
    finally:
        function_node.pop_handler(prev)
    if not _has_variable(outs):
        raise TypeError(
            f"saved_arrays: {getattr(func, '__qualname__', type(func).__name__)} returned "
            f"{type(outs).__name__}, not a Variable (or a tuple, list or dict of them): "
            f"there is no graph to inspect; return the output(s)")
    report = recorder.report()
    del outs
    return report


def _has_variable(outs):
    if isinstance(outs, Variable):
        return True
    if isinstance(outs, dict):
        outs = list(outs.values())
    if isinstance(outs, (tuple, list)):
        return any(_has_variable(o) for o in outs)
    return False
