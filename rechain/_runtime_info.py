"""``rechain.print_runtime_info``: versions of the platform, NumPy and CuPy."""

import platform
import sys

import numpy

from rechain import backend


def _cuda_version(v):
    return f"{v // 1000}.{v % 1000 // 10}"  # CUDA encodes 12.4 as 12040


def _cupy_lines(cupy):
    lines = [f"CuPy: {cupy.__version__}"]
    runtime = cupy.cuda.runtime
    try:
        lines.append(f"  CUDA runtime: {_cuda_version(runtime.runtimeGetVersion())}")
        lines.append(f"  CUDA driver: {_cuda_version(runtime.driverGetVersion())}")
        count = runtime.getDeviceCount()
    except Exception as e:  # CuPy installed, no usable driver
        lines.append(f"  CUDA: not usable ({type(e).__name__}: {e})")
        return lines
    lines.append(f"  Devices: {count}")
    for i in range(count):
        p = runtime.getDeviceProperties(i)
        name = p["name"].decode() if isinstance(p["name"], bytes) else p["name"]
        lines.append(f"  Device {i}: {name} (compute capability {p['major']}.{p['minor']}, "
                     f"{p['totalGlobalMem'] / 2 ** 30:.1f} GiB)")
    return lines


def runtime_info_lines():
    """The lines :func:`print_runtime_info` prints."""
    from rechain import __version__
    lines = [f"Platform: {platform.platform()}",
             f"Python: {platform.python_version()}",
             f"rechain: {__version__}",
             f"NumPy: {numpy.__version__}"]
    cupy = backend.cupy
    lines += ["CuPy: Not Available"] if cupy is None else _cupy_lines(cupy)
    lines += ["ChainerX: Not Available", "iDeep: Not Available"]
    return lines


class _RuntimeInfo:
    """The versions :func:`print_runtime_info` prints, read when it is made
    (Chainer's ``_get_runtime_info()`` object: ``str()`` gives the report)."""

    def __init__(self):
        self.lines = runtime_info_lines()

    def __str__(self):
        return "".join(line + "\n" for line in self.lines)


def _get_runtime_info():
    """The platform and library versions now (Chainer's private helper)."""
    return _RuntimeInfo()


def print_runtime_info(out=None):
    """Print the platform, Python, rechain, NumPy and CuPy (CUDA, GPUs) versions.

    The format follows Chainer's ``print_runtime_info`` (one ``Name: value``
    line each; ChainerX and iDeep are reported as not available).

    Args:
        out: A file-like object with ``write``; default ``sys.stdout``.

    Example:
        >>> rechain.print_runtime_info()  # doctest: +SKIP
        Platform: Linux-6.8.0-x86_64-with-glibc2.39
        ...
    """
    out = sys.stdout if out is None else out
    out.write(str(_get_runtime_info()))
    if hasattr(out, "flush"):
        out.flush()
