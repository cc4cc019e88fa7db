"""The fully-connected layer."""

import numpy

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.connection.linear import linear as _linear_fn
from rechain.links import link as _link
from rechain.utils import type_check


class Linear(_link.Link):
    """Fully-connected layer: ``y = x W^T + b``.

    Args:
        in_size (int or None): Input size. None: inferred from the first input
            (the product of its non-batch dimensions). Chainer's one-argument
            form ``Linear(out_size)`` means ``Linear(None, out_size)``.
        out_size (int): Output size.
        nobias (bool): No bias ``b``.
        initialW: Initializer, array or scalar for ``W`` ``(out_size,
            in_size)``; default :class:`~rechain.initializers.LeCunNormal`.
        initial_bias: Initializer, array or scalar for ``b``; default 0.

    Attributes:
        W (Parameter): Weight ``(out_size, in_size)``.
        b (Parameter or None): Bias ``(out_size,)``.

    Example:
        >>> l = L.Linear(3, 2)
        >>> l(numpy.ones((4, 3), numpy.float32)).shape
        (4, 2)
    """

    def __init__(self, in_size, out_size=None, nobias=False, initialW=None,
                 initial_bias=None):
        super().__init__()
        if out_size is None:
            in_size, out_size = None, in_size
        if isinstance(out_size, bool) or not isinstance(out_size, (int, numpy.integer)) \
                or out_size < 0:
            raise ValueError(f"Linear: out_size must be a non-negative int, got {out_size!r}")
        if in_size is not None and (isinstance(in_size, bool) or not isinstance(
                in_size, (int, numpy.integer)) or in_size < 0):
            raise ValueError(f"Linear: in_size must be a non-negative int or None (inferred "
                             f"from the first input), got {in_size!r}")
        self.in_size = in_size
        self.out_size = int(out_size)
        with self.init_scope():
            self.W = _variable.Parameter(initializers._get_initializer(initialW))
            if in_size is not None:
                self._initialize_params(in_size)
            if nobias:
                self.b = None
            else:
                bias = initializers._get_initializer(0 if initial_bias is None else initial_bias)
                self.b = _variable.Parameter(bias, self.out_size)

    def _initialize_params(self, in_size):
        self.in_size = int(in_size)
        self.W.initialize((self.out_size, self.in_size))

    @classmethod
    def from_params(cls, W, b=None, nobias=False):
        """A layer whose parameters start as copies of ``W`` ``(out_size,
        in_size)`` and ``b`` (Chainer's constructor; ``nobias`` ignores ``b``)."""
        out_size, in_size = W.shape
        if b is not None and b.size != out_size:
            raise ValueError(f"{cls.__name__}.from_params: b of size {b.size} does not match "
                             f"out_size {out_size} of W {tuple(W.shape)}")
        return cls(in_size, out_size, nobias, initialW=_variable.as_array(W),
                   initial_bias=None if b is None else _variable.as_array(b))

    def forward(self, x, n_batch_axes=1):
        """Apply the layer to ``x`` (``(*batch, ...)``; trailing axes are flattened)."""
        if x.ndim <= n_batch_axes:
            raise type_check.InvalidType(
                f"{_link._link_label(self)}: input of shape {tuple(x.shape)} needs more than "
                f"n_batch_axes={n_batch_axes} dimensions")
        shape = x.shape
        if len(shape) == n_batch_axes + 1:
            in_size = shape[-1]
        else:
            in_size = int(numpy.prod(shape[n_batch_axes:], dtype=numpy.int64))
        if self.W.array is None:
            self._initialize_params(in_size)
        elif in_size != self.W.shape[1]:
            raise type_check.InvalidType(
                f"{_link._link_label(self)}: input of shape {tuple(x.shape)} has {in_size} "
                f"features per example, but the layer expects in_size={self.W.shape[1]} "
                f"(W.shape={tuple(self.W.shape)})")
        return _linear_fn(x, self.W, self.b, n_batch_axes=n_batch_axes)

    def _repr_fields(self):
        return f"in_size={self.in_size}, out_size={self.out_size}, nobias={self.b is None}"
