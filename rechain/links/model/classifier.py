"""A link that wraps a predictor with a loss and an accuracy."""

from rechain.links import link as _link

_reporter = None


def _report(values, observer):
    """Report to ``rechain.reporter`` when that module exists (as Chainer's trainer expects)."""
    global _reporter
    if _reporter is None:
        try:
            from rechain import reporter as module
        except ImportError:
            module = False
        _reporter = module
    if _reporter:
        _reporter.report(values, observer)


class Classifier(_link.Chain):
    """Computes a loss (and an accuracy) of a predictor on labelled inputs.

    ``model(*args)`` takes the label from ``args`` (``label_key``), runs
    ``y = predictor(*rest)`` and returns ``lossfun(y, t)``. The prediction,
    loss and accuracy of the last call are kept as ``y``, ``loss`` and
    ``accuracy``, and reported as ``loss`` and ``accuracy`` when
    ``rechain.reporter`` is available.

    Args:
        predictor (Link): The model to train.
        lossfun (callable): Default ``F.softmax_cross_entropy``.
        accfun (callable): Default ``F.accuracy``.
        label_key (int or str): Position or keyword of the label argument.

    Example:
        >>> model = L.Classifier(MLP())
        >>> optimizer.update(model, x, t)
    """

    compute_accuracy = True

    def __init__(self, predictor, lossfun=None, accfun=None, label_key=-1):
        if not isinstance(label_key, (int, str)) or isinstance(label_key, bool):
            raise TypeError(f"Classifier: label_key must be int or str, not "
                            f"{type(label_key).__name__}")
        super().__init__()
        from rechain import functions as F
        self.lossfun = F.softmax_cross_entropy if lossfun is None else lossfun
        self.accfun = F.accuracy if accfun is None else accfun
        self.label_key = label_key
        self.y = None
        self.loss = None
        self.accuracy = None
        with self.init_scope():
            self.predictor = predictor

    def forward(self, *args, **kwargs):
        """Return the loss of the predictor on ``args`` with the label taken out."""
        key = self.label_key
        if isinstance(key, int):
            if not -len(args) <= key < len(args):
                raise ValueError(f"Classifier: Label key {key} is out of range for "
                                 f"{len(args)} positional arguments")
            t = args[key]
            k = key % len(args)
            args = args[:k] + args[k + 1:]
        else:
            if key not in kwargs:
                raise ValueError(f"Classifier: Label key {key!r} is not among the keyword "
                                 f"arguments {sorted(kwargs)}")
            kwargs = dict(kwargs)
            t = kwargs.pop(key)
        self.y = self.loss = self.accuracy = None
        self.y = self.predictor(*args, **kwargs)
        self.loss = self.lossfun(self.y, t)
        _report({"loss": self.loss}, self)
        if self.compute_accuracy:
            self.accuracy = self.accfun(self.y, t)
            _report({"accuracy": self.accuracy}, self)
        return self.loss
