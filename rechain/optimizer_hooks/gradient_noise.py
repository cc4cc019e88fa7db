"""Annealed Gaussian gradient noise as an optimizer hook (Neelakantan et al. 2015)."""

import math

from rechain import random as _random


def exponential_decay_noise(xp, shape, dtype, hook, opt):
    """Noise of variance ``hook.eta / (1 + opt.t) ** 0.55``, from the framework stream.

    Args:
        xp: ``numpy`` or ``cupy``.
        shape (tuple of ints): Shape of the gradient.
        dtype: Its dtype.
        hook (GradientNoise): The hook (``eta`` is read from it).
        opt: The parameter's update rule (its ``t`` is the step count; None counts
            as step 0).

    Returns:
        An array of ``shape`` and ``dtype``.
    """
    t = 0 if opt is None else opt.t
    std = math.sqrt(hook.eta / (1 + t) ** 0.55)
    return _random.get_generator(xp).normal(0.0, std, shape).astype(dtype, copy=False)


class GradientNoise:
    """Add noise drawn by ``noise_func`` to every gradient before the update.

    The default adds time-annealed Gaussian noise, ``N(0, eta / (1 + t)^0.55)``
    (Neelakantan et al., "Adding Gradient Noise Improves Learning for Very
    Deep Networks", 2015); its random numbers come from the framework stream
    (``rechain.random``), so ``rechain.random.seed`` or ``numpy.random.seed``
    make it reproducible. The gradient array is replaced, not modified in place.

    Args:
        eta (float): Scale of the noise (the paper uses 0.01, 0.3 or 1.0).
        noise_func (callable): ``noise_func(xp, shape, dtype, hook, rule)``
            returning the noise array.

    Example:
        >>> optimizer.add_hook(optimizer_hooks.GradientNoise(0.01))
    """

    name = "GradientNoise"
    call_for_each_param = True
    timing = "pre"

    def __init__(self, eta, noise_func=exponential_decay_noise):
        if not callable(noise_func):
            raise TypeError(f"GradientNoise: noise_func must be callable, "
                            f"got {type(noise_func).__name__}")
        self.eta = eta
        self.noise_func = noise_func

    def __call__(self, rule, param):
        g = param.grad
        if g is None:
            return
        if rule is not None and not rule.enabled:
            return
        noise = self.noise_func(param.xp, g.shape, g.dtype, self, rule)
        if getattr(noise, "shape", None) != g.shape:
            raise ValueError(f"GradientNoise: noise_func returned shape "
                             f"{getattr(noise, 'shape', type(noise).__name__)}, but the "
                             f"gradient has shape {g.shape}")
        param.grad = g + noise
