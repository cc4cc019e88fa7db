"""Peak memory and a timeline of bytes during forward and backward.

On the CPU the bytes are those NumPy reports to :mod:`tracemalloc`; on the GPU
those in use in CuPy's default memory pool. The timeline is sampled by a
background thread, and backward passes are marked on it. On the CPU the
timeline's own samples (about 100 bytes each) are traced too: negligible for
steps of megabytes, a few percent for a step of a few hundred kilobytes.
"""

import threading
import time
import tracemalloc

from rechain import _backprop
from rechain import backend


class Tracker:
    """Memory tracker; use as ``with rechain.memory.track() as t: ...``.

    Attributes:
        peak (int): Peak bytes above the baseline taken at the start.
        final (int): Bytes above the baseline at the end.
        timeline (list of (seconds, bytes)): Samples since the start.
        marks (list of (seconds, event)): ``backward_begin`` / ``backward_end``.
        label (str): Name used in plots.
    """

    def __init__(self, device="cpu", interval=0.0005, label=None):
        if device not in ("cpu", "gpu"):
            raise ValueError(f"track: device must be 'cpu' or 'gpu', not {device!r}")
        if interval <= 0:
            raise ValueError(f"track: interval must be positive, got {interval}")
        self.device = device
        self.interval = interval
        self.label = label
        self.peak = 0
        self.final = 0
        self.timeline = []
        self.marks = []
        self._thread = None
        self._stop = threading.Event()
        self._started_tracing = False

    # -- reading memory ------------------------------------------------------------
    def _current(self):
        if self.device == "gpu":
            return backend.cupy.get_default_memory_pool().used_bytes()
        return tracemalloc.get_traced_memory()[0]

    def _sample(self):
        t = time.perf_counter() - self._t0
        b = self._current() - self._base
        self.timeline.append((t, b))
        if b > self.peak:
            self.peak = b

    def _observe(self, event):
        self._sample()
        self.marks.append((time.perf_counter() - self._t0, event))

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    # -- context -------------------------------------------------------------------
    def __enter__(self):
        if self.device == "gpu":
            if not backend.gpu_available:
                raise RuntimeError("track(device='gpu'): CuPy and a CUDA device are needed")
            backend.cupy.cuda.Device().synchronize()
        elif not tracemalloc.is_tracing():
            tracemalloc.start()
            self._started_tracing = True
        self._t0 = time.perf_counter()
        self._base = self._current()
        self.timeline = [(0.0, 0)]
        _backprop.observers.append(self._observe)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        # The baseline is taken once the sampler exists, so that its own
        # allocations (thread, event, frames) are not counted as the block's.
        self._base = self._current()
        if self.device == "cpu":
            tracemalloc.reset_peak()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        _backprop.observers.remove(self._observe)
        if self.device == "gpu":
            backend.cupy.cuda.Device().synchronize()
        self._sample()
        self.final = self.timeline[-1][1]
        if self.device == "cpu":
            # tracemalloc's own peak sees every allocation, not only the samples.
            self.peak = max(self.peak, tracemalloc.get_traced_memory()[1] - self._base)
            if self._started_tracing:
                tracemalloc.stop()
        return False

    def plot(self, path, others=(), labels=None, title="memory during a training step"):
        """Write the timeline (and those of ``others``) to a PNG at ``path``."""
        plot_timelines(path, [self, *others], labels=labels, title=title)

    def __repr__(self):
        return (f"<Tracker peak={self.peak / 2**20:.2f} MiB final={self.final / 2**20:.2f} MiB "
                f"samples={len(self.timeline)}>")


def track(device="cpu", interval=0.0005, label=None):
    """Track memory in a ``with`` block: ``with rechain.memory.track() as t:``.

    Args:
        device (str): ``'cpu'`` (tracemalloc) or ``'gpu'`` (CuPy memory pool).
        interval (float): Seconds between samples of the timeline.
        label (str): Name of the run in plots.
    """
    return Tracker(device, interval, label)


def plot_timelines(path, trackers, labels=None, title="memory during a training step"):
    """Plot the timelines of several trackers on one PNG (needs matplotlib).

    Backward passes are shaded. Returns ``path``.
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'rechain[plot]'") from None
    if labels is not None and len(labels) != len(trackers):
        raise ValueError(f"plot_timelines: {len(trackers)} trackers but {len(labels)} labels")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, t in enumerate(trackers):
        label = labels[i] if labels is not None else (t.label or f"run {i + 1}")
        xs = [s for s, _ in t.timeline]
        ys = [b / 2**20 for _, b in t.timeline]
        line, = ax.plot(xs, ys, label=f"{label} (peak {t.peak / 2**20:.1f} MiB)")
        begin = None
        for s, event in t.marks:
            if event == "backward_begin":
                begin = s
            elif event == "backward_end" and begin is not None:
                ax.axvspan(begin, s, color=line.get_color(), alpha=0.08)
                begin = None
    ax.set_xlabel("seconds")
    ax.set_ylabel("MiB above baseline")
    ax.set_title(title + " (shaded: backward)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
