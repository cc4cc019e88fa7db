"""copy: a differentiable copy of an array onto a device."""

import numpy

from rechain import backend
from rechain import function_node


def _parse_device(dst):
    """Return ``('cpu', None)``, ``('gpu', id)`` or ``('device', obj)`` for ``dst``.

    Accepted: ``-1``, ``'@numpy'``, ``'cpu'``, the ``numpy`` module (host);
    an int ``>= 0``, ``'@cupy'`` or ``'@cupy:N'``, a CuPy ``Device`` (GPU N); an
    object with a ``send(array)`` method, such as what
    ``rechain.backend.get_device`` returns where it exists.
    """
    if isinstance(dst, bool):
        raise TypeError(f"copy: dst must be a device specifier, not {dst!r}")
    if dst is numpy or (isinstance(dst, str) and dst in ("@numpy", "cpu", "native")):
        return "cpu", None
    if isinstance(dst, (int, numpy.integer)):
        if dst < -1:
            raise ValueError(f"copy: dst={dst} is not a device (-1 for the CPU, >= 0 for a GPU)")
        return ("cpu", None) if dst == -1 else ("gpu", int(dst))
    if isinstance(dst, str):
        if dst == "@cupy":
            return "gpu", 0
        if dst.startswith("@cupy:") and dst[6:].isdigit():
            return "gpu", int(dst[6:])
        get_device = getattr(backend, "get_device", None)
        if get_device is not None:
            return "device", get_device(dst)
        raise ValueError(f"copy: unknown device specifier {dst!r} (use -1, '@numpy', "
                         f"a GPU id or '@cupy:N')")
    if backend.cupy is not None and isinstance(dst, backend.cupy.cuda.Device):
        return "gpu", int(dst.id)
    if callable(getattr(dst, "send", None)):
        return "device", dst
    raise TypeError(f"copy: dst must be -1, '@numpy', a GPU id, '@cupy:N' or a device "
                    f"object, not {type(dst).__name__}")


def _send(x, spec):
    kind, where = spec
    if kind == "cpu":
        if isinstance(x, numpy.ndarray):
            return x.copy()
        return backend.to_cpu(x)
    if kind == "gpu":
        backend._require_cupy("copy")
        with backend.cupy.cuda.Device(where):
            # copy=True: a new array even when x already lives on that GPU.
            return backend.cupy.array(x, copy=True)
    y = where.send(x)
    return y.copy() if y is x else y


def _source_spec(x):
    if isinstance(x, numpy.ndarray):
        return "cpu", None
    return "gpu", int(x.device.id)


class Copy(function_node.FunctionNode):
    """Copy of ``x`` on device ``dst``; the gradient is copied back to ``x``'s device."""

    def __init__(self, dst_spec):
        self.dst = dst_spec

    @property
    def label(self):
        return "Copy"

    def forward(self, inputs):
        x, = inputs
        self.src = _source_spec(x)
        return _send(x, self.dst),

    def backward(self, indexes, grad_outputs):
        return Copy(self.src).apply(grad_outputs)


def copy(x, dst):
    """Copy ``x`` to the device ``dst``, differentiably.

    The output is always a new array, so writing into it never touches ``x``;
    the gradient flows back to ``x``'s own device.

    Args:
        x (Variable or ndarray): Array to copy.
        dst: Destination: ``-1``, ``'@numpy'`` or ``'cpu'`` for the host, an
            int ``>= 0`` or ``'@cupy:N'`` for a GPU, a CuPy ``Device``, or a device
            object with a ``send`` method.

    Returns:
        Variable: The copy, on ``dst``.

    Example:
        >>> F.copy(np.array([1., 2.], np.float32), -1).array
        array([1., 2.], dtype=float32)
    """
    x_arr = getattr(x, "array", x)
    if not backend.is_array(x_arr):
        raise TypeError(f"copy: x must be a Variable or an ndarray, not {type(x).__name__}")
    return Copy(_parse_device(dst)).apply((x,))[0]
