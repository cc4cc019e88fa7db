"""Evaluator: run the models over a validation set and report mean values."""

import copy
import datetime
import sys
import time
import warnings

from rechain import configuration
from rechain import reporter as reporter_module
from rechain.dataset import convert
from rechain.links import link as link_module
from rechain.training import _util
from rechain.training import extension


class Evaluator(extension.Extension):
    """Trainer extension that evaluates models on a validation set.

    Every call runs the evaluation function over all batches of the
    ``'main'`` iterator under ``no_backprop_mode`` (no graph is recorded) and
    ``using_config('train', False)``, collects what each batch reports into a
    :class:`~rechain.reporter.DictSummary` and reports the means to the
    current reporter. Values reported by the targets appear under
    ``<name>/<target name>/<key>``, e.g. ``validation/main/loss``: the
    evaluator registers each target as an observer named ``<name>/<target
    name>`` and its child links as ``<name>/<target name>/<child path>``,
    where ``<name>`` is the name the trainer gave the extension
    (``'validation'`` by default); called outside a trainer the prefix is
    just ``<target name>/``.

    Before each evaluation the iterator is ``reset()``; an iterator without
    ``reset`` is copied instead (deprecated, as in Chainer), so the next
    evaluation starts from the beginning again.

    Args:
        iterator: The validation iterator (it should not repeat), or a dict
            of iterators; a single one is registered as ``'main'``.
        target (Link or dict of Links): What to evaluate; a single link is
            registered as ``'main'``.
        converter (callable): ``converter(batch, device)`` builds the
            arguments of ``eval_func`` (a tuple is passed positionally, a
            dict as keywords, anything else as one argument).
        device: Passed to the converter.
        eval_hook (callable): Called with the evaluator before each
            evaluation (to reset recurrent state, for instance).
        eval_func (callable): Called on each batch; the ``'main'`` target
            by default.
        progress_bar (bool): Show a text progress bar of the evaluation
            (keyword only).

    Example:
        >>> trainer.extend(extensions.Evaluator(test_iter, model))
    """

    trigger = 1, "epoch"
    default_name = "validation"
    priority = extension.PRIORITY_WRITER
    name = None

    def __init__(self, iterator, target, converter=convert.concat_examples, device=None,
                 eval_hook=None, eval_func=None, *, progress_bar=False):
        if not isinstance(iterator, dict):
            iterator = {"main": iterator}
        if not isinstance(target, dict):
            target = {"main": target}
        for key, t in target.items():
            if not isinstance(t, link_module.Link):
                raise TypeError(f"Evaluator: target {key!r} must be a Link, not "
                                f"{type(t).__name__}")
        if "main" not in iterator:
            raise ValueError(f"Evaluator: the iterators must include one named 'main' "
                             f"(got {sorted(iterator)})")
        if not callable(converter):
            raise TypeError(f"Evaluator: converter must be callable, not "
                            f"{type(converter).__name__}")
        self._iterators = iterator
        self._targets = target
        self.converter = converter
        self.device = device
        self.eval_hook = eval_hook
        self.eval_func = eval_func
        self._progress_bar = progress_bar
        for key, it in iterator.items():
            if getattr(it, "repeat", False) is True:
                warnings.warn(f"Evaluator: iterator {key!r} repeats (repeat=True); the "
                              f"evaluation sweeps an iterator until it stops, so it may "
                              f"never end. Create it with repeat=False.", stacklevel=2)

    def get_iterator(self, name):
        """The iterator called ``name``."""
        return self._iterators[name]

    def get_all_iterators(self):
        """A dict of all iterators."""
        return dict(self._iterators)

    def get_target(self, name):
        """The target link called ``name``."""
        return self._targets[name]

    def get_all_targets(self):
        """A dict of all target links."""
        return dict(self._targets)

    def __call__(self, trainer=None):
        """Evaluate and report the means to the current reporter.

        Can be called without a trainer (then the caller's reporter, if any,
        receives the values).

        Returns:
            dict: Key to mean value, keys carrying the observer prefix.
        """
        reporter = reporter_module.Reporter()
        prefix = "" if self.name is None else self.name + "/"
        for name, target in self._targets.items():
            reporter.add_observer(prefix + name, target)
            reporter.add_observers(prefix + name, target.namedlinks(skipself=True))
        with reporter:
            with configuration.using_config("train", False):
                result = self.evaluate()
        reporter_module.report(result)
        return result

    def _fresh_iterator(self):
        iterator = self._iterators["main"]
        if hasattr(iterator, "reset"):
            iterator.reset()
            return iterator
        warnings.warn("Evaluator: the iterator has no reset method, so it is copied "
                      "instead; implement reset().", DeprecationWarning, stacklevel=3)
        return copy.copy(iterator)

    def _call_eval_func(self, eval_func, batch):
        in_arrays = _util._call_converter(self.converter, batch, self.device)
        with configuration.no_backprop_mode():
            if isinstance(in_arrays, tuple):
                eval_func(*in_arrays)
            elif isinstance(in_arrays, dict):
                eval_func(**in_arrays)
            else:
                eval_func(in_arrays)

    def evaluate(self):
        """Run the evaluation loop and return the mean of each reported value.

        Override this to customise evaluation; it runs inside the
        evaluator's reporter, under ``train=False``.

        Returns:
            dict: Key to mean value over the batches.
        """
        eval_func = self.eval_func or self._targets.get("main")
        if eval_func is None:   # (a subclass overriding evaluate may have no targets)
            raise ValueError(f"Evaluator.evaluate: without eval_func the targets must "
                             f"include one named 'main' (got {sorted(self._targets)})")
        if self.eval_hook:
            self.eval_hook(self)
        it = self._fresh_iterator()
        summary = reporter_module.DictSummary()
        bar = _IteratorProgressBar(it) if self._progress_bar else None
        for batch in it:
            observation = {}
            with reporter_module.report_scope(observation):
                self._call_eval_func(eval_func, batch)
            summary.add(observation)
            if bar is not None:
                bar.update()
        if bar is not None:
            bar.close()
        return summary.compute_mean()

    def finalize(self):
        """Finalize every iterator (called at the end of training)."""
        for iterator in self._iterators.values():
            finalize = getattr(iterator, "finalize", None)
            if finalize is not None:
                finalize()


class _IteratorProgressBar:
    """A one-line text bar of how far an evaluation pass has come."""

    def __init__(self, iterator, bar_length=50, out=None):
        if not (hasattr(iterator, "current_position") and hasattr(iterator, "epoch_detail")):
            raise TypeError("Evaluator(progress_bar=True): the iterator needs "
                            "current_position and epoch_detail attributes")
        self._iterator = iterator
        self._bar_length = bar_length
        self._out = sys.stdout if out is None else out
        self._start = time.perf_counter()
        self._count = 0

    def update(self):
        self._count += 1
        it = self._iterator
        # The pass ends at epoch 1; a non-repeating iterator stays at epoch 1.
        rate = 1.0 if it.epoch_detail >= 1 else it.epoch_detail - int(it.epoch_detail)
        marks = "#" * int(rate * self._bar_length)
        elapsed = time.perf_counter() - self._start
        speed = self._count / elapsed if elapsed > 0 else float("inf")
        remaining = (1.0 - rate) * elapsed / rate if rate > 0 else 0.0
        self._out.write(f"\rvalidation [{marks}{'.' * (self._bar_length - len(marks))}] "
                        f"{rate:6.2%} {self._count} batches, {speed:.4g} batches/sec, "
                        f"{datetime.timedelta(seconds=int(remaining))} left")
        if hasattr(self._out, "flush"):
            self._out.flush()

    def close(self):
        self._out.write("\n")
        if hasattr(self._out, "flush"):
            self._out.flush()
