"""The batch-normalization layer, with running statistics.

Note [statistics under recompute]: the running averages are updated by the
forward pass in training mode, but not while ``config.in_recomputing`` is
True. ``F.forget`` replays a forward pass under that flag to rebuild what
backward needs; the replay gives the same output (it normalises with the same
batch statistics) and leaves ``avg_mean``, ``avg_var`` and ``N`` alone, so
each iteration updates them exactly once however often it is recomputed.
"""

import numpy

from rechain import configuration
from rechain import initializers
from rechain import variable as _variable
from rechain.links import link as _link
from rechain.utils import type_check


def _norm_axis(axis):
    if axis is None:
        return None
    if isinstance(axis, (int, numpy.integer)):
        return (int(axis),)
    return tuple(int(a) for a in axis)


def _size_tuple(size):
    """``size`` (an int or a sequence of ints) as a tuple; TypeError otherwise."""
    if isinstance(size, (int, numpy.integer)) and not isinstance(size, bool):
        return (int(size),)
    if isinstance(size, (tuple, list)) and all(
            isinstance(s, (int, numpy.integer)) and not isinstance(s, bool) for s in size):
        return tuple(int(s) for s in size)
    raise TypeError(f"BatchNormalization: size must be an int or a tuple of ints, got "
                    f"{size!r}")


class BatchNormalization(_link.Link):
    """Batch normalization (Ioffe & Szegedy 2015) with running statistics.

    In training mode (``config.train``) the input is normalised with the
    statistics of the batch, and the running averages ``avg_mean`` and
    ``avg_var`` are updated: ``avg = decay * avg + (1 - decay) * batch_stat``
    (the variance with the unbiased estimator). With ``finetune=True`` the
    decay is ``1 - 1/N`` and ``N`` counts the calls, so the averages become
    the cumulative average over the fine-tuning batches. In test mode the
    running averages normalise the input. Under ``config.in_recomputing`` the
    statistics are not updated (see Note [statistics under recompute]).

    Args:
        size (int, tuple or None): Shape of the per-channel parameters; None
            infers it from the first input: the axes not in ``axis``, or the
            channel axis 1 when ``axis`` is None.
        decay (float): Decay of the running averages.
        eps (float): Added to the variance.
        dtype: dtype of parameters and statistics; default ``config.dtype``
            (the input's dtype when the size is inferred); ``mixed16`` means
            float32. The input may have another float dtype (e.g. float16
            with float32 parameters); the output has the input's.
        use_gamma (bool): Learn a scale ``gamma`` (else 1).
        use_beta (bool): Learn a shift ``beta`` (else 0).
        initial_gamma, initial_beta: Initializers (default 1 and 0).
        axis (int, tuple or None): Axes reduced over; None means the batch axis
            and the axes after the parameter's axes (``(0, 2, 3)`` for NCHW).
        initial_avg_mean, initial_avg_var: Initializers of the running
            statistics (default 0 and 1).

    Attributes:
        avg_mean, avg_var (ndarray): Running statistics (persistent).
        N (int): Number of fine-tuning calls (persistent).

    Example:
        >>> bn = L.BatchNormalization(3)
        >>> bn(numpy.random.rand(4, 3, 5, 5).astype(numpy.float32)).shape
        (4, 3, 5, 5)
    """

    gamma = None   # without use_gamma / use_beta the attributes read None, as in Chainer
    beta = None

    def __init__(self, size=None, decay=0.9, eps=2e-5, dtype=None, use_gamma=True,
                 use_beta=True, initial_gamma=None, initial_beta=None, axis=None,
                 initial_avg_mean=None, initial_avg_var=None):
        super().__init__()
        from rechain.functions.normalization.batch_normalization import _check_eps
        _check_eps("BatchNormalization", eps)
        self.decay = decay
        self.eps = eps
        self.axis = _norm_axis(axis)
        # mixed16 stands for float32 here: the parameters and statistics of a
        # float16 network are kept in the higher precision (Chainer's rule).
        self._dtype = (None if dtype is None
                       else configuration.get_dtype(dtype, map_mixed16=numpy.float32))
        self._initial_avg_mean = initial_avg_mean
        self._initial_avg_var = initial_avg_var
        self.avg_mean = None
        self.register_persistent("avg_mean")
        self.avg_var = None
        self.register_persistent("avg_var")
        self.add_persistent("N", 0)
        with self.init_scope():
            if use_gamma:
                self.gamma = _variable.Parameter(
                    initializers._get_initializer(1 if initial_gamma is None else initial_gamma))
            if use_beta:
                self.beta = _variable.Parameter(
                    initializers._get_initializer(0 if initial_beta is None else initial_beta))
        if size is not None:
            self._initialize_params(
                size, self._dtype or configuration.get_dtype(map_mixed16=numpy.float32))

    @property
    def use_gamma(self):
        return "gamma" in self._params

    @property
    def use_beta(self):
        return "beta" in self._params

    def _initialize_params(self, shape, dtype):
        shape = _size_tuple(shape)
        dtype = numpy.dtype(dtype)
        self._dtype = dtype
        for name in ("gamma", "beta"):
            if name in self._params:
                _link.fill_param(self, getattr(self, name), shape, dtype)
        stats = []
        for init, default in ((self._initial_avg_mean, 0), (self._initial_avg_var, 1)):
            array = _link.empty(self, shape, dtype)
            initializers._get_initializer(default if init is None else init)(array)
            stats.append(array)
        self.avg_mean, self.avg_var = stats

    def _param_shape(self, x):
        if self.axis is None:
            return (x.shape[1],) if x.ndim >= 2 else None
        ndim = x.ndim
        axes = set(a % ndim if -ndim <= a < ndim else None for a in self.axis)
        if None in axes:
            return None
        return tuple(d for i, d in enumerate(x.shape) if i not in axes)

    def _expected_dims(self, x):
        """The dims of ``x`` that must equal the statistics' shape."""
        k = self.avg_mean.ndim
        if self.axis is None:
            return tuple(x.shape[1:1 + k])
        return self._param_shape(x)

    def forward(self, x, **kwargs):
        """forward(x, *, finetune=False)

        Normalise ``x``; in training mode also update the running statistics.

        Args:
            x (Variable or ndarray): Input.
            finetune (bool): Accumulate the cumulative average (training mode);
                keyword only, as in Chainer.
        """
        label = _link._link_label(self)
        finetune = kwargs.pop("finetune", False)
        if "test" in kwargs:
            raise ValueError(f"{label}: the test argument is not supported any more; use "
                             f"rechain.using_config('train', False)")
        if kwargs:
            raise TypeError(f"{label}: unexpected keyword argument(s) "
                            f"{', '.join(sorted(kwargs))}")
        if self.avg_mean is None:
            shape = self._param_shape(x)
            if shape is None:
                raise type_check.InvalidType(
                    f"{label}: cannot infer the parameter shape from an input of shape "
                    f"{tuple(x.shape)} with axis={self.axis}")
            self._initialize_params(shape, self._dtype or x.dtype)
        expected = self._expected_dims(x)
        if expected != tuple(self.avg_mean.shape):
            raise type_check.InvalidType(
                f"{label}: input of shape {tuple(x.shape)} has normalised dims {expected}, "
                f"but the layer was built for size {tuple(self.avg_mean.shape)}")
        xp = self.xp
        gamma = self.gamma if self.use_gamma else xp.ones_like(self.avg_mean)
        beta = self.beta if self.use_beta else xp.zeros_like(self.avg_mean)
        axis = self.axis
        if axis is None:  # the batch axis and those after the parameter's axes
            axis = (0,) + tuple(range(1 + self.avg_mean.ndim, x.ndim))
        config = configuration.config
        if not config.train:
            return self._normalize_fixed(x, gamma, beta, self.avg_mean, self.avg_var,
                                         eps=self.eps, axis=axis)
        if config.in_recomputing:
            # See Note [statistics under recompute].
            return self._normalize(x, gamma, beta, eps=self.eps, axis=axis)
        if finetune:
            self.N += 1
            decay = 1.0 - 1.0 / self.N
        else:
            decay = self.decay
        return self._normalize(x, gamma, beta, eps=self.eps, running_mean=self.avg_mean,
                               running_var=self.avg_var, decay=decay, axis=axis)

    def _normalize(self, x, gamma, beta, **kwargs):
        """The function of training mode (a subclass may fuse an op after it)."""
        from rechain.functions.normalization.batch_normalization import batch_normalization
        return batch_normalization(x, gamma, beta, **kwargs)

    def _normalize_fixed(self, x, gamma, beta, mean, var, **kwargs):
        """The function of test mode."""
        from rechain.functions.normalization.batch_normalization import (
            fixed_batch_normalization)
        return fixed_batch_normalization(x, gamma, beta, mean, var, **kwargs)

    def start_finetuning(self):
        """Reset ``N`` before fine-tuning with ``finetune=True``."""
        self.N = 0

    def _repr_fields(self):
        size = None if self.avg_mean is None else tuple(self.avg_mean.shape)
        return f"size={size}, decay={self.decay}, eps={self.eps}"
