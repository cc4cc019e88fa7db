"""StandardUpdater: one minibatch, one optimizer step per iteration."""

import numpy

from rechain import backend
from rechain.dataset import convert
from rechain.training._util import _call_converter, _is_device_object
from rechain.training.updaters import _updater

_CPU_SPECS = ("@numpy", "cpu")


def _resolve_device(spec, arg):
    """The device object for ``spec`` (None stays None).

    Without ``rechain.backend.get_device`` only CPU specifications are
    understood, and they are kept as given (``to_device`` reads them).
    """
    if spec is None:
        return None
    get_device = getattr(backend, "get_device", None)
    if get_device is not None:
        return get_device(spec)
    if _is_device_object(spec):
        return spec
    if isinstance(spec, (int, numpy.integer)) and not isinstance(spec, bool) and spec < 0:
        return spec
    if isinstance(spec, str) and spec in _CPU_SPECS:
        return spec
    raise TypeError(
        f"StandardUpdater: {arg}={spec!r} needs rechain.backend.get_device to be interpreted, "
        f"and this build has none; without it only None, a negative int, '@numpy' and 'cpu' "
        f"are accepted")


class StandardUpdater(_updater.Updater):
    """The default updater: each iteration takes a batch from the main
    iterator, converts it and calls the main optimizer's ``update`` with the
    loss function and the converted arrays.

    A tuple batch is passed as positional arguments, a dict as keyword
    arguments, anything else as one argument. Override :meth:`update_core`
    for other update schemes (e.g. several optimizers).

    Args:
        iterator: The training iterator, or a dict of named iterators (one
            of them ``'main'``).
        optimizer: The optimizer (set up with the model), or a dict of named
            optimizers (one of them ``'main'``).
        converter: ``converter(batch, device)`` building the inputs; default
            :func:`~rechain.dataset.concat_examples`.
        device: Where the model is sent (and the data, unless
            ``input_device`` is given); None leaves the model where it is.
        loss_func (callable): Computes the loss; default the main
            optimizer's target link.
        loss_scale (float): Multiplies the loss before backward; gradients
            are divided by it again before the update.
        auto_new_epoch (bool): Call the main optimizer's ``new_epoch`` when
            the main iterator starts a new epoch.
        input_device: Where the converted inputs are sent (default
            ``device``).

    Attributes:
        iteration (int): Number of completed updates.
        converter, loss_func, loss_scale, auto_new_epoch: As given.

    Example:
        >>> it = iterators.SerialIterator(train, 32)
        >>> optimizer = optimizers.Adam().setup(L.Classifier(MLP()))
        >>> updater = training.updaters.StandardUpdater(it, optimizer)
        >>> trainer = training.Trainer(updater, (10, 'epoch'))
    """

    def __init__(self, iterator, optimizer, converter=convert.concat_examples, device=None,
                 loss_func=None, loss_scale=None, auto_new_epoch=True, *, input_device=None):
        device = _resolve_device(device, "device")
        input_device = device if input_device is None else _resolve_device(input_device,
                                                                             "input_device")
        iterators = dict(iterator) if isinstance(iterator, dict) else {"main": iterator}
        optimizers = dict(optimizer) if isinstance(optimizer, dict) else {"main": optimizer}
        for kind, named in (("iterator", iterators), ("optimizer", optimizers)):
            if not named:
                raise ValueError(f"StandardUpdater: the {kind} dict is empty")
        for name, opt in optimizers.items():
            if getattr(opt, "target", None) is None:
                raise ValueError(f"StandardUpdater: optimizer {name!r} "
                                 f"({type(opt).__name__}) has no target link; call "
                                 f"optimizer.setup(model) first")
        if not callable(converter):
            raise TypeError(f"StandardUpdater: converter must be callable, not "
                            f"{type(converter).__name__}")
        if loss_func is not None and not callable(loss_func):
            raise TypeError(f"StandardUpdater: loss_func must be callable, not "
                            f"{type(loss_func).__name__}")
        self._iterators = iterators
        self._optimizers = optimizers
        if device is not None:
            for opt in optimizers.values():
                opt.target.to_device(device)
        self.converter = converter
        self.loss_func = loss_func
        self.iteration = 0
        self._device = device
        self._input_device = input_device
        self.loss_scale = loss_scale
        if loss_scale is not None:
            for opt in optimizers.values():
                opt.set_loss_scale(loss_scale)
        self.auto_new_epoch = auto_new_epoch
        if auto_new_epoch:
            for opt in optimizers.values():
                opt.use_auto_new_epoch = True

    @property
    def device(self):
        """Where the model was sent (None: left in place)."""
        return self._device

    @property
    def input_device(self):
        """Where the inputs are sent (None: left in place)."""
        return self._input_device

    def _main_iterator(self):
        try:
            return self._iterators["main"]
        except KeyError:
            raise KeyError(f"StandardUpdater: no iterator is named 'main' (the iterators "
                           f"are {sorted(self._iterators)})") from None

    @property
    def epoch(self):
        """Completed epochs of the main iterator."""
        return self._main_iterator().epoch

    @property
    def epoch_detail(self):
        """Epochs of the main iterator, counting the current one fractionally."""
        return self._main_iterator().epoch_detail

    @property
    def previous_epoch_detail(self):
        """``epoch_detail`` before the last batch (None before the first)."""
        return self._main_iterator().previous_epoch_detail

    @property
    def is_new_epoch(self):
        """Whether the last batch ended an epoch of the main iterator."""
        return self._main_iterator().is_new_epoch

    def finalize(self):
        """Finalize every iterator."""
        for it in self._iterators.values():
            finalize = getattr(it, "finalize", None)
            if finalize is not None:
                finalize()

    def get_optimizer(self, name):
        """The optimizer called ``name``."""
        try:
            return self._optimizers[name]
        except KeyError:
            raise KeyError(f"StandardUpdater.get_optimizer: no optimizer is named {name!r} "
                           f"(the optimizers are {sorted(self._optimizers)})") from None

    def get_all_optimizers(self):
        """A new dict of every optimizer by name."""
        return dict(self._optimizers)

    def get_iterator(self, name):
        """The iterator called ``name``."""
        try:
            return self._iterators[name]
        except KeyError:
            raise KeyError(f"StandardUpdater.get_iterator: no iterator is named {name!r} "
                           f"(the iterators are {sorted(self._iterators)})") from None

    def update(self):
        """Run one iteration (:meth:`update_core`) and count it."""
        self.update_core()
        self.iteration += 1

    def update_core(self):
        """Take a batch, convert it and update the main optimizer's target."""
        iterator = self._main_iterator()
        batch = next(iterator) if hasattr(iterator, "__next__") else iterator.next()
        in_arrays = _call_converter(self.converter, batch, self._input_device)
        optimizer = self.get_optimizer("main")
        loss_func = self.loss_func or optimizer.target
        if isinstance(in_arrays, tuple):
            optimizer.update(loss_func, *in_arrays)
        elif isinstance(in_arrays, dict):
            optimizer.update(loss_func, **in_arrays)
        else:
            optimizer.update(loss_func, in_arrays)
        if self.auto_new_epoch and iterator.is_new_epoch:
            optimizer.new_epoch(auto=True)

    def serialize(self, serializer):
        """Save or load every iterator, optimizer and model, and ``iteration``.

        Keys: ``iterator:<name>/...``, ``optimizer:<name>/...``,
        ``model:<name>/...`` and ``iteration``, as in Chainer's snapshots.
        """
        for name, it in self._iterators.items():
            it.serialize(serializer["iterator:" + name])
        for name, opt in self._optimizers.items():
            opt.serialize(serializer["optimizer:" + name])
            opt.target.serialize(serializer["model:" + name])
        value = serializer("iteration", self.iteration)
        if value is not None:   # a serializer may return nothing (it only records)
            self.iteration = int(value)
