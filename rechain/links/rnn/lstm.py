"""The stateful LSTM layer.

Note [LSTM state under recompute]: ``L.LSTM`` keeps its state ``(c, h)`` in
the link, not in the arguments of the function that ``F.forget`` replays. By
the time backward replays a region, the link has moved on. So the link reads
its incoming state through ``rechain.recompute.replayed_state``, which hands a
replay the state the original call saw; during a replay
(``config.in_recomputing``) the link computes from it and leaves ``c`` and
``h`` untouched. ``reset_state`` and ``set_state`` do nothing during a replay.
"""

import numpy

from rechain import configuration
from rechain import initializers
from rechain import variable as _variable
from rechain.links import link as _link
from rechain.links.connection import linear as _linear
from rechain.recompute import region as _region
from rechain.utils import type_check


class LSTM(_link.Chain):
    """Fully-connected LSTM layer that keeps its cell and hidden state.

    Each call computes ``upward(x) + lateral(h)`` and feeds it with the cell
    ``c`` to ``F.lstm``; the new ``c`` and ``h`` are kept for the next call.
    The gate pre-activations of unit ``k`` are columns ``4k .. 4k+3`` of the
    ``4 * out_size`` outputs, in the order (cell input, input gate, forget
    gate, output gate). A batch smaller than the state's updates the first
    rows of the state only; the rest is carried over unchanged.

    Args:
        in_size (int or None): Input size; None infers it from the first input.
            ``LSTM(out_size)`` means ``LSTM(None, out_size)``.
        out_size (int): Size of the hidden state.
        lateral_init: Initializer of the ``h -> gates`` weights, applied to
            each of the four ``(out_size, out_size)`` blocks; default LeCunNormal.
        upward_init: Initializer of the ``x -> gates`` weights, per block.
        bias_init: Initializer of the biases except the forget gate's (0).
        forget_bias_init: Initializer of the forget gate's bias (1).

    Attributes:
        c, h (Variable or None): Cell and hidden state.

    See Note [LSTM state under recompute] for its behaviour inside ``F.forget``.

    Example:
        >>> lstm = L.LSTM(3, 5)
        >>> y = lstm(numpy.ones((2, 3), numpy.float32)); y.shape
        (2, 5)
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
        self.c = None
        self.h = None

    def _initialize_params(self):
        lateral_init = initializers._get_initializer(self.lateral_init)
        upward_init = initializers._get_initializer(self.upward_init)
        s = self.state_size
        for k in range(4):
            rows = slice(k * s, (k + 1) * s)
            lateral_init(self.lateral.W.array[rows])
            upward_init(self.upward.W.array[rows])
        gates = self.upward.b.array.reshape(s, 4)
        bias_init = initializers._get_initializer(self.bias_init)
        forget_init = initializers._get_initializer(self.forget_bias_init)
        for k, init in enumerate((bias_init, bias_init, forget_init, bias_init)):
            column = self.xp.empty((s,), dtype=gates.dtype)
            init(column)
            gates[:, k] = column

    # -- state ---------------------------------------------------------------------
    def reset_state(self):
        """Forget the state (a no-op during a recompute)."""
        if configuration.config.in_recomputing:
            return
        self.c = None
        self.h = None

    def set_state(self, c, h):
        """Set the cell and hidden state (a no-op during a recompute).

        Args:
            c, h (Variable or ndarray): ``(batch, out_size)`` each.
        """
        if configuration.config.in_recomputing:
            return
        for name, v in (("c", c), ("h", h)):
            if v.ndim != 2 or v.shape[1] != self.state_size:
                raise type_check.InvalidType(
                    f"{_link._link_label(self)}.set_state: {name} must have shape "
                    f"(batch, {self.state_size}), got {tuple(v.shape)}")
        if c.shape[0] != h.shape[0]:
            raise type_check.InvalidType(
                f"{_link._link_label(self)}.set_state: c {tuple(c.shape)} and h "
                f"{tuple(h.shape)} must have the same batch size")
        self.c = _variable.as_variable(c)
        self.h = _variable.as_variable(h)

    def _move_extra(self):
        for name in ("c", "h"):
            v = self.__dict__.get(name)
            if v is not None:
                v.to_cpu() if self._device is None else v.to_gpu(self._device)

    # -- forward ---------------------------------------------------------------------
    def forward(self, x):
        """Run one step on ``x`` ``(batch, in_size)`` and return the new ``h``."""
        from rechain import functions as F
        label = _link._link_label(self)
        if x.ndim < 2:
            raise type_check.InvalidType(f"{label}: input must have a batch axis, got shape "
                                         f"{tuple(x.shape)}")
        if self.upward.W.array is None:
            self.upward._initialize_params(int(numpy.prod(x.shape[1:], dtype=numpy.int64)))
            self._initialize_params()
        c_prev, h_prev = _region.replayed_state((self.c, self.h))
        recomputing = configuration.config.in_recomputing
        batch = x.shape[0]
        lstm_in = self.upward(x)
        h_rest = c_rest = None
        if h_prev is not None:
            h_size = h_prev.shape[0]
            if h_size < batch:
                raise type_check.InvalidType(
                    f"{label}: the batch size of x {tuple(x.shape)} must not exceed that of "
                    f"the state h {tuple(h_prev.shape)}")
            if h_size > batch:
                h_now, h_rest = F.split_axis(h_prev, [batch], axis=0)
                lstm_in = lstm_in + self.lateral(h_now)
            else:
                lstm_in = lstm_in + self.lateral(h_prev)
        if c_prev is None:
            c_now = _variable.Variable(self.xp.zeros((batch, self.state_size), dtype=x.dtype),
                                       requires_grad=False)
        elif c_prev.shape[0] > batch:
            c_now, c_rest = F.split_axis(c_prev, [batch], axis=0)
        else:
            c_now = c_prev
        c_new, y = F.lstm(c_now, lstm_in)
        # the new state is built in a recompute too (the replay runs the ops the
        # forward pass ran), but only the forward pass stores it
        c_state = c_new if c_rest is None else F.concat([c_new, c_rest], axis=0)
        h_state = y if h_rest is None else F.concat([y, h_rest], axis=0)
        if recomputing:
            return y
        self.c = c_state
        self.h = h_state
        return y

    def _repr_fields(self):
        return f"in_size={self.upward.in_size}, out_size={self.state_size}"
