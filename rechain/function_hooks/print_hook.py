"""PrintHook: print every function call with a summary of its arrays."""

import sys

from rechain import backend
from rechain.function_hooks import function_hook


def _describe(a):
    if a is None:
        return "None"
    desc = f"{type(a).__name__} shape={tuple(a.shape)} dtype={a.dtype}"
    if a.size and a.dtype.kind in "fiub":
        h = backend.to_cpu(a)
        desc += f" mean={float(h.mean()):.6g} std={float(h.std()):.6g}"
    return desc


class PrintHook(function_hook.FunctionHook):
    """Print each function's name and its inputs (forward) or output gradients (backward).

    Args:
        sep: Deprecated in Chainer; must be None.
        end (str): Written after each report.
        file: Where to write (default ``sys.stdout``, read at each call).

    Example:
        >>> with function_hooks.PrintHook():
        ...     y = F.relu(x)  # doctest: +SKIP
    """

    name = "PrintHook"

    def __init__(self, sep=None, end="\n", file=None):
        if sep is not None:
            raise TypeError("PrintHook: sep is not supported (as in Chainer v7); use end")
        self.end = end
        self.file = file

    def _write(self, function, title, arrays):
        lines = [f"function\t{getattr(function, 'label', type(function).__name__)}",
                 f"{title}"]
        lines += [f"  {i}: {_describe(a)}" for i, a in enumerate(arrays)]
        out = self.file if self.file is not None else sys.stdout
        out.write("\n".join(lines) + self.end)
        out.flush()

    def forward_preprocess(self, function, in_data):
        self._write(function, "input data", in_data)

    def backward_preprocess(self, function, in_data, out_grad):
        self._write(function, "output gradient", out_grad)
