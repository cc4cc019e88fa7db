"""FailOnNonNumber: stop training as soon as a parameter is NaN or infinite."""

from rechain import backend
from rechain.training import extension


class FailOnNonNumber(extension.Extension):
    """Raise ``RuntimeError`` when any parameter of any optimizer's target is
    not finite, naming the optimizer and the parameter.

    Example:
        >>> trainer.extend(extensions.FailOnNonNumber())
    """

    def __call__(self, trainer):
        for name, optimizer in trainer.updater.get_all_optimizers().items():
            for path, param in optimizer.target.namedparams():
                array = param.array
                if array is None:
                    continue
                xp = backend.get_array_module(array)
                if not bool(xp.isfinite(array).all()):
                    raise RuntimeError(
                        f"FailOnNonNumber: parameter {path!r} of the target of optimizer "
                        f"{name!r} is not finite (NaN or infinity) at iteration "
                        f"{trainer.updater.iteration}: training diverged")
