"""PlotReport: plot observed values over iterations or epochs to an image."""

import json
import os
import warnings

import numpy

from rechain import reporter
from rechain import serializers
from rechain.training import _util
from rechain.training import extension
from rechain.training.extensions import _files

_available = None


def _matplotlib_available():
    global _available
    if _available is None:
        try:
            import matplotlib  # noqa: F401
            _available = True
        except ImportError:
            _available = False
    return _available


class PlotReport(extension.Extension):
    """Trainer extension that plots the means of observed values.

    Each time ``trigger`` fires, the means of ``y_keys`` over the interval
    are added as points against ``x_key`` (``'iteration'`` or ``'epoch'``)
    and the whole figure is written to ``trainer.out/filename``, atomically
    (see Note [atomic output] in ``_files``). Needs matplotlib (optional);
    without it a warning is given once and nothing is plotted.

    Args:
        y_keys (str or list of str): The observation keys to plot.
        x_key (str): ``'iteration'`` or ``'epoch'``.
        trigger: When to add points and redraw (``(1, 'epoch')``).
        postprocess (callable): ``postprocess(figure, axes, summary)``
            before saving.
        filename (str): Image file name (``'plot.png'``; the extension
            chooses the format).
        marker (str): Matplotlib marker of the points.
        grid (bool): Draw a grid.

    Example:
        >>> trainer.extend(extensions.PlotReport(
        ...     ['main/loss', 'validation/main/loss'], 'epoch', filename='loss.png'))
    """

    def __init__(self, y_keys, x_key="iteration", trigger=(1, "epoch"), postprocess=None,
                 filename="plot.png", marker="x", grid=True, *, file_name=None):
        if file_name is not None:  # Chainer's older name
            filename = file_name
        if x_key not in ("iteration", "epoch"):
            raise ValueError(f"PlotReport: x_key must be 'iteration' or 'epoch', not "
                             f"{x_key!r}")
        if isinstance(y_keys, str):
            y_keys = (y_keys,)
        self._x_key = x_key
        self._y_keys = tuple(y_keys)
        self._trigger = _util.get_trigger(trigger)
        self._file_name = filename
        self._marker = marker
        self._grid = grid
        self._postprocess = postprocess
        self._init_summary()
        self._data = {k: [] for k in self._y_keys}
        if not _matplotlib_available():
            warnings.warn("PlotReport: matplotlib is not installed, so nothing will be "
                          "plotted (pip install matplotlib)", stacklevel=2)

    @staticmethod
    def available():
        """Whether matplotlib can be imported (so that plots are drawn)."""
        return _matplotlib_available()

    def initialize(self, trainer):
        if self.available():
            _files.ensure_writable_dir(
                os.path.dirname(os.path.join(trainer.out, self._file_name)), "PlotReport")

    def __call__(self, trainer):
        if not self.available():
            return
        observation = trainer.observation
        self._summary.add({k: observation[k] for k in self._y_keys if k in observation})
        if not (getattr(trainer, "is_before_training", False) or self._trigger(trainer)):
            return
        stats = {name: float(value) for name, value in self._summary.compute_mean().items()}
        updater = trainer.updater
        stats["epoch"] = updater.epoch
        stats["iteration"] = updater.iteration
        x = stats[self._x_key]
        for k in self._y_keys:
            if k in stats:
                self._data[k].append((x, stats[k]))
        self._draw(os.path.join(trainer.out, self._file_name))
        self._init_summary()

    def _draw(self, path):
        from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state
        fig = Figure()
        ax = fig.add_subplot(111)
        ax.set_xlabel(self._x_key)
        if self._grid:
            ax.grid()
        for k in self._y_keys:
            xy = self._data[k]
            if xy:
                xy = numpy.array(xy)
                ax.plot(xy[:, 0], xy[:, 1], marker=self._marker, label=k)
        if not ax.has_data():
            return
        if self._postprocess is not None:
            self._postprocess(fig, ax, self._summary)
        legend = ax.legend(bbox_to_anchor=(1.05, 1), loc=2, borderaxespad=0.0)
        fmt = os.path.splitext(path)[1][1:].lower() or "png"
        _files.atomic_write(path, lambda f: fig.savefig(f, format=fmt,
                                                        bbox_extra_artists=(legend,),
                                                        bbox_inches="tight"), binary=True)

    def serialize(self, serializer):
        key = f"_plot_{self._file_name}"
        if isinstance(serializer, serializers.Deserializer):
            stored = serializer(key, "")
            if stored != "":  # "" comes back from load_npz's checking pass
                self._data = json.loads(stored)
        else:
            serializer(key, json.dumps(self._data))

    def _init_summary(self):
        self._summary = reporter.DictSummary()
