"""StatelessLSTM: the LSTM layer of ``L.LSTM`` that takes and returns its state."""

import numpy

from rechain import variable as _variable
from rechain.links import link as _link
from rechain.links.connection import linear as _linear
from rechain.links.rnn import lstm as _lstm
from rechain.utils import type_check


class StatelessLSTM(_link.Chain):
    """``(c', h') = StatelessLSTM(c, h, x)``: one LSTM step, no state kept.

    The same links and initialisation as :class:`~rechain.links.LSTM`
    (``upward`` on ``x``, ``lateral`` on ``h``, Chainer's interleaved gates);
    ``c`` or ``h`` None means zero (``h`` None skips ``lateral``).

    Args:
        in_size (int or None): Input size; None infers it from the first input.
            ``StatelessLSTM(out_size)`` means ``StatelessLSTM(None, out_size)``.
        out_size (int): Size of the state.
        lateral_init, upward_init, bias_init, forget_bias_init: As for
            :class:`~rechain.links.LSTM`.

    Example:
        >>> lstm = L.StatelessLSTM(3, 4)
        >>> c, h = lstm(None, None, np.ones((2, 3), np.float32)); h.shape
        (2, 4)
    """

    def __init__(self, in_size, out_size=None, lateral_init=None, upward_init=None,
                 bias_init=None, forget_bias_init=None):
        if out_size is None:
            in_size, out_size = None, in_size
        super().__init__()
        self.state_size = int(out_size)
        self.lateral_init = lateral_init
        self.upward_init = upward_init
        self.bias_init = 0 if bias_init is None else bias_init
        self.forget_bias_init = 1 if forget_bias_init is None else forget_bias_init
        n = 4 * self.state_size
        with self.init_scope():
            self.upward = _linear.Linear(in_size, n, initialW=0)
            self.lateral = _linear.Linear(self.state_size, n, initialW=0, nobias=True)
        if in_size is not None:
            self._initialize_params()

    # The per-gate initialisation is L.LSTM's.
    _initialize_params = _lstm.LSTM._initialize_params

    def forward(self, c, h, x):
        """Return ``(c_new, h_new)`` from ``c``, ``h`` ``(B, out_size)`` (or None) and ``x``."""
        from rechain import functions as F
        label = _link._link_label(self)
        if not hasattr(x, "ndim") or x.ndim < 2:
            raise type_check.InvalidType(f"{label}: x must have a batch axis, got "
                                         f"{tuple(getattr(x, 'shape', ())) or type(x).__name__}")
        for name, v in (("c", c), ("h", h)):
            if v is not None and (v.ndim != 2 or v.shape != (x.shape[0], self.state_size)):
                raise type_check.InvalidType(
                    f"{label}: {name} must have shape ({x.shape[0]}, {self.state_size}) for x "
                    f"{tuple(x.shape)}, got {tuple(v.shape)}")
        if self.upward.W.array is None:
            self.upward._initialize_params(int(numpy.prod(x.shape[1:], dtype=numpy.int64)))
            self._initialize_params()
        lstm_in = self.upward(x)
        if h is not None:
            lstm_in = lstm_in + self.lateral(h)
        if c is None:
            c = _variable.Variable(self.xp.zeros((x.shape[0], self.state_size),
                                                 dtype=lstm_in.dtype), requires_grad=False)
        return F.lstm(c, lstm_in)

    def _repr_fields(self):
        return f"in_size={self.upward.in_size}, out_size={self.state_size}"
