"""Reporting observed values, as Chainer's ``chainer.reporter``.

A :class:`Reporter` collects named values into an *observation* dict. Code
deep inside a model calls :func:`report` with values and, optionally, the
object that observed them (an *observer*, usually a link); the current
reporter files them under the observer's registered name, e.g.
``main/loss``. :class:`~rechain.training.Trainer` makes a fresh observation
per iteration, with the optimizers' target links registered as observers.

:class:`Summary` and :class:`DictSummary` accumulate running means and
standard deviations of reported scalars (used by triggers and reports).

Note [reported Variables]: a reported :class:`~rechain.Variable` is stored as
a new graph-free Variable that shares the array, so an observation kept by a
report extension never keeps the forward graph (and every array it retains)
alive. ``config.keep_graph_on_report = True`` stores the Variable itself.
"""

import contextlib
import json
import threading
import warnings

import numpy

from rechain import backend
from rechain import configuration
from rechain import variable as _variable
from rechain.serializers import base as _serializer_base

_thread_local = threading.local()


def _reporters():
    """The calling thread's stack of current reporters."""
    try:
        return _thread_local.reporters
    except AttributeError:
        stack = _thread_local.reporters = []
        return stack


def _without_graph(value):
    """A reported value as it is stored (see Note [reported Variables])."""
    if isinstance(value, _variable.Variable):
        return _variable.Variable(value.array, name=value.name,
                                  requires_grad=value.requires_grad)
    return value


class Reporter:
    """Collects observed values into :attr:`observation`.

    Observers are registered with a name; values reported with an observer
    are stored as ``'<name>/<key>'``. Observers are told apart by identity
    (``id``), not equality.

    ``with reporter:`` makes the reporter current (so :func:`report` reaches
    it); :meth:`scope` also redirects its values into a given dict.

    Attributes:
        observation (dict): Where reported values go.

    Example:
        >>> reporter = Reporter()
        >>> model = object()
        >>> reporter.add_observer('main', model)
        >>> observation = {}
        >>> with reporter.scope(observation):
        ...     report({'loss': 0.5}, model)
        >>> observation
        {'main/loss': 0.5}
    """

    def __init__(self):
        self._observer_names = {}
        self.observation = {}

    def __enter__(self):
        _reporters().append(self)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        stack = _reporters()
        if not stack or stack[-1] is not self:
            raise RuntimeError("Reporter.__exit__: this reporter is not the current one; "
                               "reporter scopes must be exited in the reverse order of entry")
        stack.pop()

    @contextlib.contextmanager
    def scope(self, observation):
        """Make this reporter current and send its values to ``observation``.

        Args:
            observation (dict): Receives every value reported in the block.

        Example:
            >>> with reporter.scope(observation):
            ...     model(x, t)
        """
        if not isinstance(observation, dict):
            raise TypeError(f"Reporter.scope: observation must be a dict, not "
                            f"{type(observation).__name__}")
        old = self.observation
        self.observation = observation
        self.__enter__()
        try:
            yield
        finally:
            self.__exit__(None, None, None)
            self.observation = old

    def add_observer(self, name, observer):
        """Register ``observer`` under ``name`` (the prefix of its values).

        Args:
            name (str): Name of the observer.
            observer: Any object; it is identified by ``id(observer)``.
        """
        if not isinstance(name, str):
            raise TypeError(f"Reporter.add_observer: name must be a str, not "
                            f"{type(name).__name__}")
        self._observer_names[id(observer)] = name

    def add_observers(self, prefix, observers):
        """Register several observers, each under ``prefix + name``.

        Args:
            prefix (str): Prepended to every name.
            observers: Iterable of ``(name, observer)`` pairs, such as
                ``link.namedlinks(skipself=True)``.
        """
        for name, observer in observers:
            self.add_observer(prefix + name, observer)

    def report(self, values, observer=None):
        """Store ``values`` in the observation, prefixed by the observer's name.

        Variables are stored without their graph (Note [reported Variables]).

        Args:
            values (dict): Names to values (Variables, arrays or scalars).
            observer: A registered observer, or None for no prefix.

        Raises:
            KeyError: If ``observer`` is not registered.
        """
        if not isinstance(values, dict):
            raise TypeError(f"Reporter.report: values must be a dict, not "
                            f"{type(values).__name__}")
        if not configuration.config.keep_graph_on_report:
            values = {k: _without_graph(v) for k, v in values.items()}
        if observer is None:
            self.observation.update(values)
            return
        name = self._observer_names.get(id(observer))
        if name is None:
            raise KeyError(f"Reporter.report: the observer (a {type(observer).__name__}) is "
                           f"not registered to this reporter; call add_observer first")
        for key, value in values.items():
            self.observation[f"{name}/{key}"] = value


def get_current_reporter():
    """Return the current reporter (the innermost ``with reporter``).

    Raises:
        IndexError: If no reporter is current.
    """
    stack = _reporters()
    if not stack:
        raise IndexError("get_current_reporter: no reporter is current; enter one with "
                         "`with reporter:` or `with reporter.scope(observation):`")
    return stack[-1]


def report(values, observer=None):
    """Report ``values`` to the current reporter; do nothing if there is none.

    Args:
        values (dict): Names to values (Variables, arrays or scalars).
        observer: The object that observed them (registered to the current
            reporter), e.g. the link calling this; its name prefixes the keys.

    Example:
        >>> class Regressor(rechain.Chain):
        ...     def forward(self, x, t):
        ...         loss = F.mean_squared_error(self.l(x), t)
        ...         rechain.report({'loss': loss}, self)
        ...         return loss
    """
    stack = _reporters()
    if stack:
        stack[-1].report(values, observer)


@contextlib.contextmanager
def report_scope(observation):
    """Send the current reporter's values to ``observation`` inside the block.

    Like ``get_current_reporter().scope(observation)`` without pushing the
    reporter again.

    Args:
        observation (dict): Receives the values reported in the block.
    """
    if not isinstance(observation, dict):
        raise TypeError(f"report_scope: observation must be a dict, not "
                        f"{type(observation).__name__}")
    current = get_current_reporter()
    old = current.observation
    current.observation = observation
    try:
        yield
    finally:
        current.observation = old


def _scalar(value, what, where):
    """``value`` as a scalar or 0-d array (Variables unwrapped), or raise."""
    if isinstance(value, _variable.Variable):
        value = value.array
    if isinstance(value, (bool, numpy.bool_)):
        return int(value)
    if numpy.isscalar(value) or (isinstance(value, backend.array_types) and value.ndim == 0):
        if isinstance(value, str):
            raise TypeError(f"{where}: {what} must be a number, not a str ({value!r})")
        return value
    shape = getattr(value, "shape", None)
    if shape is not None:
        raise ValueError(f"{where}: {what} must be a scalar or a 0-d array, got shape {shape}")
    raise TypeError(f"{where}: {what} must be a number, a 0-d array or a Variable, not "
                    f"{type(value).__name__}")


def _is_saving(serializer):
    return not isinstance(serializer, _serializer_base.Deserializer)


class Summary:
    """Running weighted mean and standard deviation of a sequence of scalars.

    Values stay on their device (no host synchronisation per :meth:`add`).

    Example:
        >>> s = Summary()
        >>> s.add(1.0); s.add(3.0)
        >>> s.compute_mean()
        2.0
    """

    def __init__(self):
        self._x = 0.0
        self._x2 = 0.0
        self._n = 0

    def add(self, value, weight=1):
        """Add a scalar.

        Args:
            value: A number, a 0-d NumPy/CuPy array or a Variable holding one.
            weight: Weight of the value (a number or 0-d array), default 1.
        """
        value = _scalar(value, "value", "Summary.add")
        weight = _scalar(weight, "weight", "Summary.add")
        self._x += weight * value
        self._x2 += weight * value * value
        self._n += weight

    def _require_values(self, where):
        if isinstance(self._n, (int, float)) and self._n == 0:
            raise ZeroDivisionError(f"Summary.{where}: no values have been added")

    def compute_mean(self):
        """The weighted mean of the values added so far."""
        self._require_values("compute_mean")
        return self._x / self._n

    def make_statistics(self):
        """The weighted mean and standard deviation, as ``(mean, std)``."""
        self._require_values("make_statistics")
        xp = backend.get_array_module(self._x, self._x2)
        mean = self._x / self._n
        var = self._x2 / self._n - mean * mean
        # Rounding can make a zero variance slightly negative.
        std = xp.sqrt(xp.maximum(var, 0))
        return mean, std

    def serialize(self, serializer):
        """Save or load the accumulated sums (``_x``, ``_x2``, ``_n``).

        Their types go with them (``_types``, JSON), so a resumed summary
        computes in the same dtype as one that never stopped.
        """
        if _is_saving(serializer):
            serializer("_x", self._x)
            serializer("_x2", self._x2)
            serializer("_n", self._n)
            serializer("_types", json.dumps([_type_tag(v) for v in
                                             (self._x, self._x2, self._n)]))
            return
        # The current values are the templates, so a dry-run deserializer that
        # returns them changes nothing; an integer count loads as a float,
        # since a sum of weights may be fractional.
        n_template = float(self._n) if isinstance(self._n, int) else self._n
        try:
            x = serializer("_x", self._x)
            x2 = serializer("_x2", self._x2)
            n = serializer("_n", n_template)
        except KeyError:
            warnings.warn("Summary.serialize: the snapshot holds no statistics; they start "
                          "from zero")
            return
        try:
            tags = serializer("_types", "")
        except KeyError:  # a Chainer snapshot: keep the values as loaded
            tags = ""
        if tags:
            x, x2, n = (_from_tag(v, t) for v, t in zip((x, x2, n), json.loads(tags)))
        if isinstance(n, (int, float)) and n == 0:
            self._x, self._x2, self._n = 0.0, 0.0, 0
        else:
            self._x, self._x2, self._n = x, x2, n


def _type_tag(value):
    """The type of an accumulated sum: 'int', 'float' or a NumPy dtype name."""
    if isinstance(value, bool):
        return "int"
    if isinstance(value, (int, float)):
        return type(value).__name__
    return str(value.dtype)


def _from_tag(value, tag):
    """A loaded sum converted back to the type it was saved with."""
    if tag == "float":
        return float(value)
    if tag == "int":
        return int(value) if float(value).is_integer() else float(value)
    return numpy.dtype(tag).type(value)


class DictSummary:
    """Running statistics of every scalar entry of a sequence of dicts.

    Only scalar entries (numbers, 0-d arrays, Variables holding one) are
    summarised; others are skipped. A ``(value, weight)`` tuple adds a
    weighted value.

    Example:
        >>> s = DictSummary()
        >>> s.add({'loss': 1.0}); s.add({'loss': 2.0, 'image': numpy.zeros(3)})
        >>> s.compute_mean()
        {'loss': 1.5}
    """

    def __init__(self):
        self._summaries = {}

    def add(self, d):
        """Add the scalar entries of the dict ``d``."""
        if not isinstance(d, dict):
            raise TypeError(f"DictSummary.add: expected a dict, not {type(d).__name__}")
        for key, value in d.items():
            weight = 1
            if isinstance(value, tuple):
                if len(value) != 2:
                    raise ValueError(f"DictSummary.add: entry {key!r} is a tuple of "
                                     f"{len(value)} elements; a weighted entry is "
                                     f"(value, weight)")
                value, weight = value
                if isinstance(weight, _variable.Variable):
                    weight = weight.array
                if not (numpy.isscalar(weight) or getattr(weight, "ndim", -1) == 0):
                    raise ValueError(f"DictSummary.add: the weight of {key!r} is not a "
                                     f"scalar (shape {getattr(weight, 'shape', None)})")
            if isinstance(value, _variable.Variable):
                value = value.array
            if isinstance(value, str):
                continue
            if numpy.isscalar(value) or getattr(value, "ndim", -1) == 0:
                summary = self._summaries.get(key)
                if summary is None:
                    summary = self._summaries[key] = Summary()
                summary.add(value, weight=weight)

    def compute_mean(self):
        """A dict of the mean of every entry."""
        return {name: s.compute_mean() for name, s in self._summaries.items()}

    def make_statistics(self):
        """A dict with the mean of every entry ``k`` and its std as ``k + '.std'``."""
        stats = {}
        for name, s in self._summaries.items():
            mean, std = s.make_statistics()
            stats[name] = mean
            stats[name + ".std"] = std
        return stats

    def serialize(self, serializer):
        """Save or load the entry names (``_names``, JSON) and each entry's sums."""
        if _is_saving(serializer):
            names = list(self._summaries)
            serializer("_names", json.dumps(names))
            for i, name in enumerate(names):
                self._summaries[name].serialize(serializer["_summaries"][str(i)])
            return
        try:
            stored = serializer("_names", "")
        except KeyError:
            warnings.warn("DictSummary.serialize: the snapshot holds no entry names; the "
                          "summary starts empty")
            self._summaries = {}
            return
        if stored == "":
            # A dry run (the template came back): every snapshot stores a JSON list.
            return
        try:
            names = json.loads(stored)
        except ValueError:
            raise ValueError(f"DictSummary.serialize: the stored entry names {stored!r} are "
                             f"not a JSON list") from None
        if not isinstance(names, list):
            raise ValueError(f"DictSummary.serialize: the stored entry names {stored!r} are "
                             f"not a JSON list")
        summaries = {}
        for i, name in enumerate(names):
            s = Summary()
            s.serialize(serializer["_summaries"][str(i)])
            summaries[name] = s
        self._summaries = summaries
