"""Trainer extensions: the base class and the decorator, as Chainer's.

An extension is any callable ``ext(trainer)`` that the trainer calls after an
update whenever the extension's trigger fires. Optional attributes tune it:
``trigger`` (default ``(1, 'iteration')``), ``priority`` (higher runs
earlier within an iteration), ``name`` / ``default_name``, and the methods
``initialize(trainer)`` (before the loop), ``finalize()`` (after it, also on
error), ``on_error(trainer, exc, tb)`` (when the loop raises) and
``serialize(serializer)`` (snapshots).
"""

#: Priority of extensions that write to the observation (e.g. evaluators).
PRIORITY_WRITER = 300
#: Priority of extensions that edit values already in the observation.
PRIORITY_EDITOR = 200
#: Priority of extensions that only read the observation (reports, snapshots).
PRIORITY_READER = 100


class Extension:
    """Base class of trainer extensions with Chainer's defaults.

    Subclasses implement :meth:`__call__` and may override the hooks.

    Attributes:
        trigger: Default trigger, ``(1, 'iteration')``.
        priority: Default priority, :data:`PRIORITY_READER`.
        name: Set by :meth:`Trainer.extend` to the registered name.

    Example:
        >>> class CountUpdates(Extension):
        ...     trigger = 10, 'iteration'
        ...     def __init__(self):
        ...         self.calls = 0
        ...     def __call__(self, trainer):
        ...         self.calls += 1
    """

    trigger = 1, "iteration"
    priority = PRIORITY_READER
    name = None

    @property
    def default_name(self):
        """The name used when none is given: the class name."""
        return type(self).__name__

    def __call__(self, trainer):
        """Run the extension (subclasses implement this).

        Args:
            trainer (Trainer): The trainer calling it.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def initialize(self, trainer):
        """Prepare before the training loop (also after a resume).

        Args:
            trainer (Trainer): The trainer about to run.
        """

    def finalize(self):
        """Clean up at the end of the training loop (also after an error)."""

    def on_error(self, trainer, exc, tb):
        """Handle an exception raised in the training loop, before finalization.

        Args:
            trainer (Trainer): The trainer.
            exc (Exception): The exception.
            tb: Its traceback.
        """

    def serialize(self, serializer):
        """Save or load the extension's state (nothing by default)."""


def _reject_removed_kwargs(where, kwargs):
    if "invoke_before_training" in kwargs:
        raise ValueError(f"{where}: invoke_before_training was removed in Chainer v2; use "
                         f"initializer= (or call_before_training= in Trainer.extend)")
    if kwargs:
        raise TypeError(f"{where}: unexpected keyword arguments {sorted(kwargs)}")


def make_extension(trigger=None, default_name=None, priority=None, finalizer=None,
                   initializer=None, on_error=None, **kwargs):
    """Decorator giving a function the attributes of an extension.

    Args:
        trigger: Default trigger (``(1, 'iteration')`` when None).
        default_name (str): Default name (the function's ``__name__`` when
            None).
        priority (int): Default priority (:data:`PRIORITY_READER` when None).
        finalizer (callable): ``finalizer()``, called after the loop.
        initializer (callable): ``initializer(trainer)``, called before it.
        on_error (callable): ``on_error(trainer, exc, tb)``, called when the
            loop raises.

    Returns:
        callable: A decorator returning the function itself, with the
        attributes set.

    Example:
        >>> @make_extension(trigger=(1, 'epoch'))
        ... def show_epoch(trainer):
        ...     print(trainer.updater.epoch)
    """
    _reject_removed_kwargs("make_extension", kwargs)
    if trigger is None:
        trigger = Extension.trigger
    if priority is None:
        priority = Extension.priority

    def decorator(function):
        function.trigger = trigger
        function.default_name = default_name or function.__name__
        function.priority = priority
        function.finalize = finalizer
        function.initialize = initializer
        function.on_error = on_error
        return function

    return decorator
