"""observe_value / observe_lr: put a value computed from the trainer into the observation."""

from rechain.training import extension


def observe_value(observation_key, target_func):
    """Make an extension that records ``target_func(trainer)`` as ``observation_key``.

    It runs with writer priority (before LogReport reads the observation),
    by default once per epoch.

    Args:
        observation_key (str): The key in the observation.
        target_func (callable): ``target_func(trainer)`` returns the value.

    Example:
        >>> trainer.extend(extensions.observe_value(
        ...     'alpha', lambda t: t.updater.get_optimizer('main').alpha))
    """
    if not callable(target_func):
        raise TypeError(f"observe_value: target_func must be callable, not "
                        f"{type(target_func).__name__}")

    @extension.make_extension(trigger=(1, "epoch"), priority=extension.PRIORITY_WRITER)
    def _observe_value(trainer):
        trainer.observation[observation_key] = target_func(trainer)

    return _observe_value


def observe_lr(optimizer_name="main", observation_key="lr"):
    """Make an extension that records the learning rate ``lr`` of an optimizer.

    Args:
        optimizer_name (str): Which optimizer of the updater.
        observation_key (str): The key in the observation.

    Example:
        >>> trainer.extend(extensions.observe_lr(), trigger=(1, 'iteration'))
    """
    return observe_value(observation_key,
                         lambda trainer: trainer.updater.get_optimizer(optimizer_name).lr)
