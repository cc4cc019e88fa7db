"""VariableStatisticsPlot: plot how the statistics of variables evolve."""

import os
import warnings

import numpy

from rechain import backend
from rechain import links
from rechain import variable
from rechain.training import _util
from rechain.training import extension
from rechain.training.extensions import _files
from rechain.training.extensions import plot_report

_COLOR = "#1f77b4"


def _unpack_variables(x):
    """The Variables in ``x``: a Variable, a Link's parameters, or lists of them."""
    if isinstance(x, variable.Variable):
        return (x,)
    if isinstance(x, links.Link):
        return tuple(x.params(include_uninit=True))
    if isinstance(x, (list, tuple)):
        found = ()
        for item in x:
            found += _unpack_variables(item)
        return found
    raise TypeError(f"VariableStatisticsPlot: targets must be Variables, Links or lists of "
                    f"them, not {type(x).__name__}")


class Reservoir:
    """A uniform random sample of at most ``size`` rows from a stream (reservoir
    sampling), each row kept with the index it was added with.

    Args:
        size (int): The most rows kept.
        data_shape (tuple): Shape of one row.
        dtype: Of the rows.
        seed: Of the generator that decides which rows are replaced.
    """

    def __init__(self, size, data_shape, dtype=numpy.float32, seed=None):
        if size < 1:
            raise ValueError(f"Reservoir: size must be positive, got {size}")
        self.size = size
        self.data = numpy.zeros((size,) + tuple(data_shape), dtype=dtype)
        self.idxs = numpy.zeros((size,), dtype=numpy.int64)
        self.counter = 0
        self._random = numpy.random.default_rng(seed)

    def add(self, x, idx=None):
        idx = self.counter if idx is None else idx
        if self.counter < self.size:
            self.data[self.counter] = x
            self.idxs[self.counter] = idx
        else:
            j = self._random.integers(self.counter + 1)
            if j < self.size:  # keeps every row with probability size / (counter + 1)
                self.data[j] = x
                self.idxs[j] = idx
        self.counter += 1

    def get_data(self):
        """``(indices, rows)`` of the kept rows, sorted by index."""
        n = min(self.counter, self.size)
        order = numpy.argsort(self.idxs[:n], kind="stable")
        return self.idxs[:n][order], self.data[:n][order]


class Statistician:
    """Mean, standard deviation and percentiles of an array along axes."""

    def __init__(self, collect_mean, collect_std, percentile_sigmas):
        self.collect_mean = collect_mean
        self.collect_std = collect_std
        self.percentile_sigmas = percentile_sigmas

    def __call__(self, x, axis=0, dtype=None, xp=None):
        if axis is None:
            axis = tuple(range(x.ndim))
        elif not isinstance(axis, (tuple, list)):
            axis = (axis,)
        return self.collect(x, tuple(axis))

    def collect(self, x, axis):
        out = {}
        if self.collect_mean:
            out["mean"] = x.mean(axis=axis)
        if self.collect_std:
            out["std"] = x.std(axis=axis)
        if self.percentile_sigmas:
            xp = backend.get_array_module(x)
            out["percentile"] = xp.percentile(x, self.percentile_sigmas, axis=axis)
        return out


class VariableStatisticsPlot(extension.Extension):
    """Trainer extension that plots statistics of variables over iterations.

    Every call computes, over all elements of the target variables (their
    ``data`` and/or ``grad``), the mean, the standard deviation and
    percentiles, and keeps a random sample of at most ``max_sample_size`` of
    these rows; when ``trigger`` fires, it draws one column per attribute
    (mean ± std on top, percentile bands below) to ``trainer.out/filename``,
    atomically. Needs matplotlib (optional; without it nothing is drawn).

    Args:
        targets: A Link (its parameters), a Variable, or a list of them.
        max_sample_size (int): The most iterations kept for the plot.
        report_data (bool): Plot the values.
        report_grad (bool): Plot the gradients.
        plot_mean (bool): Plot the mean.
        plot_std (bool): Plot the standard deviation.
        percentile_sigmas (tuple or float): Percentiles to plot as bands.
        trigger: When to draw (``(1, 'epoch')``).
        filename (str): Image file name (``'statistics.png'``).
        figsize (tuple): Figure size in inches.
        marker (str): Marker of the lines.
        grid (bool): Draw grids.

    Example:
        >>> trainer.extend(extensions.VariableStatisticsPlot(model))
    """

    def __init__(self, targets, max_sample_size=1000, report_data=True, report_grad=True,
                 plot_mean=True, plot_std=True,
                 percentile_sigmas=(0, 0.13, 2.28, 15.87, 50, 84.13, 97.72, 99.87, 100),
                 trigger=(1, "epoch"), filename="statistics.png", figsize=None, marker=None,
                 grid=True, *, file_name=None):
        if file_name is not None:  # Chainer's older name
            filename = file_name
        self._vars = _unpack_variables(targets)
        if not self._vars:
            raise ValueError("VariableStatisticsPlot: the targets hold no variables")
        if not (plot_mean or plot_std or percentile_sigmas):
            raise ValueError("VariableStatisticsPlot: nothing to plot (plot_mean, plot_std "
                             "and percentile_sigmas are all off)")
        self._keys = (["data"] if report_data else []) + (["grad"] if report_grad else [])
        if not self._keys:
            raise ValueError("VariableStatisticsPlot: report_data and report_grad are both "
                             "off")
        self._statistician = Statistician(plot_mean, plot_std, percentile_sigmas)
        self._plot_mean = plot_mean
        self._plot_std = plot_std
        self._plot_percentile = bool(percentile_sigmas)
        if not self._plot_percentile:
            n_percentile = 0
        elif isinstance(percentile_sigmas, (list, tuple)):
            n_percentile = len(percentile_sigmas)
        else:
            n_percentile = 1
        self._trigger = _util.get_trigger(trigger)
        self._filename = filename
        self._figsize = figsize
        self._marker = marker
        self._grid = grid
        self._data_shape = (len(self._keys), int(plot_mean) + int(plot_std) + n_percentile)
        self._samples = Reservoir(max_sample_size, self._data_shape)
        if not plot_report._matplotlib_available():
            warnings.warn("VariableStatisticsPlot: matplotlib is not installed, so nothing "
                          "will be plotted (pip install matplotlib)", stacklevel=2)

    @staticmethod
    def available():
        """Whether matplotlib can be imported."""
        return plot_report._matplotlib_available()

    def initialize(self, trainer):
        if self.available():
            _files.ensure_writable_dir(
                os.path.dirname(os.path.join(trainer.out, self._filename)),
                "VariableStatisticsPlot")

    def _statistics(self):
        stats = numpy.zeros(self._data_shape, dtype=numpy.float32)
        for i, key in enumerate(self._keys):
            arrays = [a.ravel() for a in
                      (v.array if key == "data" else v.grad for v in self._vars)
                      if a is not None]
            if not arrays:
                continue
            xp = backend.get_array_module(arrays[0])
            found = self._statistician(xp.concatenate(arrays), axis=0)
            row = []
            for name, on in (("mean", self._plot_mean), ("std", self._plot_std),
                             ("percentile", self._plot_percentile)):
                if on:
                    row.append(xp.atleast_1d(found[name]).astype(numpy.float32))
            stats[i] = backend.to_cpu(xp.concatenate(row))
        return stats

    def __call__(self, trainer):
        if not self.available():
            return
        self._samples.add(self._statistics(), idx=trainer.updater.iteration)
        if self._trigger(trainer):
            self.save_plot(os.path.join(trainer.out, self._filename))

    def save_plot(self, path):
        """Draw the kept samples to ``path`` (atomically)."""
        from matplotlib.figure import Figure
        nrows = int(self._plot_mean or self._plot_std) + int(self._plot_percentile)
        ncols = len(self._keys)
        fig = Figure(figsize=self._figsize)
        axes = numpy.asarray(fig.subplots(nrows, ncols, sharex=True, squeeze=False))
        idxs, data = self._samples.get_data()
        offset = int(self._plot_mean) + int(self._plot_std)
        n_percentile = data.shape[-1] - offset
        for col, key in enumerate(self._keys):
            row = 0
            ax = axes[row, col]
            ax.set_title(key)
            if self._plot_mean or self._plot_std:
                if self._plot_mean and self._plot_std:
                    ax.errorbar(idxs, data[:, col, 0], data[:, col, 1], color=_COLOR,
                                ecolor=_COLOR + "33", label="mean, std", marker=self._marker)
                else:
                    ax.plot(idxs, data[:, col, 0], color=_COLOR,
                            label="mean" if self._plot_mean else "std", marker=self._marker)
                row += 1
            if self._plot_percentile:
                ax = axes[row, col]
                half = n_percentile // 2
                for i in range(half + (n_percentile % 2)):
                    lo, hi = offset + i, offset + n_percentile - 1 - i
                    label = "percentile" if i == half - 1 + (n_percentile % 2) else \
                        "_nolegend_"
                    if lo == hi:  # the middle percentile of an odd count
                        ax.plot(idxs, data[:, col, lo], color=_COLOR, label=label,
                                marker=self._marker)
                    else:
                        ax.fill_between(idxs, data[:, col, lo], data[:, col, hi], alpha=0.2,
                                        linewidth=0, color=_COLOR, label=label)
                ax.set_xlabel("iteration")
        for ax in axes.ravel():
            ax.legend()
            if self._grid:
                ax.grid()
                ax.set_axisbelow(True)
        fmt = os.path.splitext(path)[1][1:].lower() or "png"
        _files.atomic_write(path, lambda f: fig.savefig(f, format=fmt), binary=True)
