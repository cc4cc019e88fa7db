"""Function hooks, Chainer's ``chainer.function_hooks``: callbacks around every op.

Activate one for the current thread with ``with hook:``. The core calls the
hooks through one entry point (Note [function hook entry point] in
:mod:`rechain.function_hooks.function_hook`).
"""

from rechain.function_hooks.cupy_hooks import CUDAProfileHook, CupyMemoryProfileHook
from rechain.function_hooks.function_hook import FunctionHook, get_function_hooks
from rechain.function_hooks.memory_hook import MemoryHook
from rechain.function_hooks.print_hook import PrintHook
from rechain.function_hooks.timer_hook import TimerHook

__all__ = ["CUDAProfileHook", "CupyMemoryProfileHook", "FunctionHook", "MemoryHook",
           "PrintHook", "TimerHook", "get_function_hooks"]
