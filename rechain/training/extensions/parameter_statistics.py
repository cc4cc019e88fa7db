"""ParameterStatistics: report statistics of parameters and their gradients."""

import numpy

from rechain import backend
from rechain import reporter
from rechain.training import _util
from rechain.training import extension


def _xp(x):
    return backend.get_array_module(x)


_default_statistics = {
    "mean": lambda x: _xp(x).mean(x),
    "std": lambda x: _xp(x).std(x),
    "min": lambda x: _xp(x).min(x),
    "max": lambda x: _xp(x).max(x),
    "zeros": lambda x: _xp(x).count_nonzero(x == 0),
    "percentile": lambda x: _xp(x).percentile(x, (0.13, 2.28, 15.87, 50, 84.13, 97.72, 99.87)),
}


class ParameterStatistics(extension.Extension):
    """Report statistics of the parameters (and gradients) of links.

    For every parameter, every attribute (``data`` and/or ``grad``) and every
    statistic, the value is reported under
    ``{prefix}/{link name}{param path}/{attr}/{statistic}``, e.g.
    ``main/l1/W/data/mean``; a statistic returning several values (the
    percentiles) gets ``/0``, ``/1``, ... appended. Values are averaged over
    the trigger interval and reported when it fires.

    Args:
        links (Link or list of Links): The links to watch.
        statistics (dict or 'default' or None): Name to function of a
            flattened array.
        report_params (bool): Report statistics of the parameter values.
        report_grads (bool): Report statistics of the gradients.
        prefix (str): Prefix of every key.
        trigger: When to report (``(1, 'epoch')``).
        skip_nan_params (bool): Report NaN for an array containing NaN
            instead of computing the statistic.

    A parameter without a gradient yet (before the first backward, or after
    ``cleargrads``) reports its gradient statistics as NaN, as those of the
    NaN-filled gradient a Chainer Parameter starts with: the keys are the same
    at every report.

    Example:
        >>> trainer.extend(extensions.ParameterStatistics(model))
    """

    default_name = "parameter_statistics"
    priority = extension.PRIORITY_WRITER
    report_key_template = "{prefix}{link_name}{param_name}/{attr_name}/{function_name}"
    default_statistics = _default_statistics

    def __init__(self, links, statistics="default", report_params=True, report_grads=True,
                 prefix=None, trigger=(1, "epoch"), skip_nan_params=False):
        if not isinstance(links, (list, tuple)):
            links = (links,)
        self._links = links
        if statistics is None:
            statistics = {}
        elif isinstance(statistics, str):
            if statistics != "default":
                raise ValueError(f"ParameterStatistics: statistics must be a dict, 'default' "
                                 f"or None, not {statistics!r}")
            statistics = self.default_statistics
        self._statistics = dict(statistics)
        self._attrs = (["data"] if report_params else []) + (["grad"] if report_grads else [])
        self._prefix = prefix
        self._trigger = _util.get_trigger(trigger)
        self._summary = reporter.DictSummary()
        self._skip_nan_params = skip_nan_params

    def __call__(self, trainer):
        statistics = {}
        for link in self._links:
            link_name = getattr(link, "name", "None")
            for param_name, param in link.namedparams():
                for attr_name in self._attrs:
                    array = param.array if attr_name == "data" else param.grad
                    if array is None and (attr_name == "data" or param.array is None):
                        continue   # uninitialised
                    if array is None:
                        # no gradient yet: NaN statistics, as for the NaN-filled
                        # gradient a Chainer Parameter starts with (the same keys)
                        has_nan = self._skip_nan_params
                        flat = None if has_nan else _xp(param.array).full(
                            param.array.size, numpy.nan, param.array.dtype)
                    else:
                        flat = array.ravel()
                        has_nan = self._skip_nan_params and bool(_xp(flat).isnan(flat).any())
                    for function_name, function in self._statistics.items():
                        value = numpy.nan if has_nan else function(flat)
                        key = self.report_key_template.format(
                            prefix=self._prefix + "/" if self._prefix else "",
                            link_name=link_name, param_name=param_name,
                            attr_name=attr_name, function_name=function_name)
                        if isinstance(value, backend.array_types) and value.size > 1:
                            for i, v in enumerate(value):
                                statistics[f"{key}/{i}"] = v
                        else:
                            statistics[key] = value
        self._summary.add(statistics)
        if self._trigger(trainer):
            reporter.report(self._summary.compute_mean())
            self._summary = reporter.DictSummary()

    def register_statistics(self, name, function):
        """Add the statistic ``function`` (of a flattened array) as ``name``."""
        self._statistics[name] = function
