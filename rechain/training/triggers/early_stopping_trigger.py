"""EarlyStoppingTrigger: stop training once a monitored value stops improving."""

import operator
import warnings

from rechain import reporter
from rechain.training import _util
from rechain.training.triggers import _common


class EarlyStoppingTrigger:
    """A stop trigger that fires when the monitored value has not improved for
    ``patience`` checks in a row, or when ``max_trigger`` fires.

    Every iteration it adds ``trainer.observation[monitor]`` (when present)
    to a running mean; whenever ``check_trigger`` fires it compares that mean
    with the best so far and starts a new mean.

    Args:
        check_trigger: When to compare (default ``(1, 'epoch')``).
        monitor (str): The observation key (default ``'main/loss'``).
        patience (int): Number of checks without improvement that stop the
            training (default 3). ``patients=`` is accepted as an alias, as
            in Chainer.
        mode (str): ``'min'``, ``'max'`` or ``'auto'`` (max when the key
            contains ``'accuracy'``, else min).
        verbose (bool): Print the comparison direction and when it stops.
        max_trigger: Upper bound on training (default ``(100, 'epoch')``).

    Example:
        >>> stop = EarlyStoppingTrigger(monitor='validation/main/loss',
        ...                             patience=2, max_trigger=(50, 'epoch'))
        >>> trainer = training.Trainer(updater, stop)
    """

    def __init__(self, check_trigger=(1, "epoch"), monitor="main/loss", patience=None,
                 mode="auto", verbose=False, max_trigger=(100, "epoch"), **kwargs):
        patients = kwargs.pop("patients", None)
        if kwargs:
            raise TypeError(f"EarlyStoppingTrigger: unexpected keyword arguments "
                            f"{sorted(kwargs)}")
        if patients is not None:
            if patience is not None:
                raise TypeError("EarlyStoppingTrigger: both patience and its alias "
                                "patients are given; give only patience")
            patience = patients
        if patience is None:
            patience = 3
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStoppingTrigger: patience must be a positive int, got "
                             f"{patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStoppingTrigger: mode must be 'auto', 'min' or 'max', "
                             f"got {mode!r}")
        if mode == "auto":
            mode = "max" if "accuracy" in monitor else "min"
        self.patience = patience
        self.monitor = monitor
        self.verbose = verbose
        self.count = 0
        self._max_trigger = _util.get_trigger(max_trigger)
        self._interval_trigger = _util.get_trigger(check_trigger)
        self._summary = reporter.DictSummary()
        if mode == "max":
            self._compare = operator.gt
            self.best = float("-inf")
        else:
            self._compare = operator.lt
            self.best = float("inf")
        if verbose:
            print(f"early stopping: operator is {'greater' if mode == 'max' else 'less'}")

    def __call__(self, trainer):
        """Whether the training loop stops now."""
        observation = trainer.observation
        if self.monitor in observation:
            self._summary.add({self.monitor: observation[self.monitor]})
        if self._max_trigger(trainer):
            return True
        if not self._interval_trigger(trainer):
            return False
        if self.monitor not in observation:
            warnings.warn(f"EarlyStoppingTrigger: {self.monitor!r} is not in the observation "
                          f"(keys: {sorted(observation)})")
            return False
        current = self._summary.compute_mean()[self.monitor]
        self._summary = reporter.DictSummary()
        if self._compare(current, self.best):
            self.best = current
            self.count = 0
        else:
            self.count += 1
        if self.count >= self.patience:
            if self.verbose:
                print(f"Epoch {trainer.updater.epoch}: early stopping")
            return True
        return False

    def serialize(self, serializer):
        """Save or load the count, the best value, the running mean and the
        inner triggers (Chainer's EarlyStoppingTrigger saved nothing; such
        snapshots load with a warning)."""
        value = _common.load(serializer, "count", self.count,
                             "EarlyStoppingTrigger: the snapshot holds no state; patience "
                             "counts from zero")
        if value is None:
            return
        self.count = int(value)
        self.best = float(serializer("best", float(self.best)))
        self._summary.serialize(serializer["summary"])
        for name, trigger in (("interval_trigger", self._interval_trigger),
                              ("max_trigger", self._max_trigger)):
            if hasattr(trigger, "serialize"):
                trigger.serialize(serializer[name])

    def get_training_length(self):
        """The training length of ``max_trigger``."""
        return self._max_trigger.get_training_length()
