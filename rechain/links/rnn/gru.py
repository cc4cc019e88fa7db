"""Gated recurrent units: ``StatelessGRU``, ``StatefulGRU`` and its alias ``GRU``.

Both hold six Linear links, ``W_r``, ``W_z``, ``W`` on the input and ``U_r``,
``U_z``, ``U`` on the hidden state (Chainer's names, so saved models have
the keys ``W_r/W``, ``W_r/b``, ...). One step::

    r = sigmoid(W_r x + U_r h)        z = sigmoid(W_z x + U_z h)
    h_bar = tanh(W x + U (r * h))     h' = z * h_bar + (1 - z) * h

(the reset gate scales ``h`` before ``U``, unlike ``F.n_step_gru``, as in
Chainer). ``StatefulGRU`` keeps ``h`` between calls; under ``F.forget`` it
reads it through ``rechain.recompute.replayed_state``, as ``L.LSTM`` does
(Note [LSTM state under recompute] in :mod:`rechain.links.rnn.lstm`).
"""

from rechain import configuration
from rechain import variable as _variable
from rechain.functions.activation.sigmoid import sigmoid, tanh
from rechain.links import link as _link
from rechain.links.connection import linear as _linear
from rechain.recompute import region as _region
from rechain.utils import type_check


class GRUBase(_link.Chain):
    """The six Linear links shared by the GRU layers.

    Args:
        in_size (int or None): Input size; None infers it from the first input.
        out_size (int): Size of the hidden state.
        init: Initializer of ``W_r``, ``W_z``, ``W`` (default LeCunNormal).
        inner_init: Initializer of ``U_r``, ``U_z``, ``U`` (default LeCunNormal).
        bias_init: Initializer of every bias (default 0).
    """

    def __init__(self, in_size, out_size, init=None, inner_init=None, bias_init=None):
        super().__init__()
        with self.init_scope():
            for gate in ("W_r", "W_z", "W"):
                setattr(self, gate, _linear.Linear(in_size, out_size, initialW=init,
                                                   initial_bias=bias_init))
            for gate in ("U_r", "U_z", "U"):
                setattr(self, gate, _linear.Linear(out_size, out_size, initialW=inner_init,
                                                   initial_bias=bias_init))
        self.out_size = int(out_size)

    def _check_input(self, x, what="x"):
        if not hasattr(x, "ndim") or x.ndim < 2:
            raise type_check.InvalidType(
                f"{_link._link_label(self)}: {what} must have a batch axis, got "
                f"{type(x).__name__ if not hasattr(x, 'shape') else tuple(x.shape)}")

    def _check_h(self, h, x, what):
        label = _link._link_label(self)
        if h.ndim != 2 or h.shape[1] != self.out_size:
            raise type_check.InvalidType(f"{label}: {what} must have shape (batch, "
                                         f"{self.out_size}), got {tuple(h.shape)}")
        if h.shape[0] != x.shape[0]:
            raise type_check.InvalidType(
                f"{label}: the batch size of x {tuple(x.shape)} must equal that of {what} "
                f"{tuple(h.shape)}")

    def _step(self, h, x):
        r = sigmoid(self.W_r(x) + self.U_r(h))
        z = sigmoid(self.W_z(x) + self.U_z(h))
        h_bar = tanh(self.W(x) + self.U(r * h))
        return z * h_bar + (1 - z) * h

    def _repr_fields(self):
        return f"in_size={self.W.in_size}, out_size={self.out_size}"


class StatelessGRU(GRUBase):
    """GRU step ``h' = GRU(h, x)`` that keeps no state.

    Args: see :class:`GRUBase`.

    Example:
        >>> gru = L.StatelessGRU(3, 4)
        >>> gru(np.zeros((2, 4), np.float32), np.ones((2, 3), np.float32)).shape
        (2, 4)
    """

    def forward(self, h, x):
        """Return the next hidden state from ``h`` ``(B, out_size)`` and ``x`` ``(B, in_size)``."""
        self._check_input(x)
        self._check_input(h, "h")
        self._check_h(h, x, "h")
        return self._step(h, x)


class StatefulGRU(GRUBase):
    """GRU layer that keeps its hidden state ``h`` between calls.

    The first call after :meth:`reset_state` (no state) computes
    ``z * tanh(W x)`` with ``z = sigmoid(W_z x)``.

    Args:
        in_size (int or None): Input size; None infers it from the first input.
        out_size (int): Size of the hidden state.
        init, inner_init: Initializers of the input and hidden-state weights.
        bias_init: Initializer of every bias (default 0).

    Attributes:
        h (Variable or None): The hidden state.

    Example:
        >>> gru = L.StatefulGRU(3, 4)
        >>> y = gru(np.ones((2, 3), np.float32)); y = gru(np.ones((2, 3), np.float32))
        >>> gru.h.shape
        (2, 4)
    """

    def __init__(self, in_size, out_size, init=None, inner_init=None, bias_init=0):
        super().__init__(in_size, out_size, init, inner_init, bias_init)
        self.state_size = int(out_size)
        self.h = None

    def reset_state(self):
        """Forget the state (a no-op during a recompute)."""
        if configuration.config.in_recomputing:
            return
        self.h = None

    def set_state(self, h):
        """Set the hidden state ``(batch, out_size)`` (a no-op during a recompute)."""
        if configuration.config.in_recomputing:
            return
        if not hasattr(h, "shape") or h.ndim != 2 or h.shape[1] != self.state_size:
            raise type_check.InvalidType(
                f"{_link._link_label(self)}.set_state: h must have shape (batch, "
                f"{self.state_size}), got "
                f"{tuple(h.shape) if hasattr(h, 'shape') else type(h).__name__}")
        h = _variable.as_variable(h)
        if self._device is not None:
            h.to_gpu(self._device)
        self.h = h

    def _move_extra(self):
        h = self.__dict__.get("h")
        if h is not None:
            h.to_cpu() if self._device is None else h.to_gpu(self._device)

    def forward(self, x):
        """Run one step on ``x`` ``(batch, in_size)``; keep and return the new ``h``."""
        self._check_input(x)
        h = _region.replayed_state(self.h)
        if h is None:
            z = sigmoid(self.W_z(x))
            h_new = z * tanh(self.W(x))
        else:
            self._check_h(h, x, "the state h")
            h_new = self._step(h, x)
        if not configuration.config.in_recomputing:
            self.h = h_new
        return h_new


class GRU(StatefulGRU):
    """Chainer's ``L.GRU``: an alias of :class:`StatefulGRU` taking exactly one input.

    Example:
        >>> L.GRU(3, 4)(np.ones((1, 3), np.float32)).shape
        (1, 4)
    """

    def forward(self, *args):
        """``forward(x)``; two arguments raise, pointing to :class:`StatelessGRU`."""
        if len(args) != 1:
            msg = f"GRU.forward takes one argument (x), got {len(args)}"
            if len(args) == 2:
                msg += ("; L.GRU is stateful (since Chainer v2): for GRU(h, x) use "
                        "L.StatelessGRU")
            raise ValueError(msg)
        return super().forward(args[0])
