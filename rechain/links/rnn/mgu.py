"""Minimal gated units (Zhou et al. 2016): ``StatelessMGU`` and ``StatefulMGU``.

One gate ``f`` does the work of the GRU's reset and update gates::

    f = sigmoid(W_f [h, x])
    h_bar = tanh(W_h [f * h, x])
    h' = f * h_bar + (1 - f) * h

``W_f`` and ``W_h`` are Linear links on the concatenation ``[h, x]``
(Chainer's names and layout, so saved models load).
"""

from rechain import configuration
from rechain.links import link as _link
from rechain.links.connection import linear as _linear
from rechain.links.rnn import _stateful
from rechain.recompute import region as _region
from rechain.utils import type_check


class MGUBase(_link.Chain):
    """The two Linear links of an MGU; ``in_size`` and ``out_size`` fixed."""

    def __init__(self, in_size, out_size):
        super().__init__()
        self.in_size = int(in_size)
        self.state_size = int(out_size)
        with self.init_scope():
            self.W_f = _linear.Linear(self.in_size + self.state_size, self.state_size)
            self.W_h = _linear.Linear(self.in_size + self.state_size, self.state_size)

    def _step(self, h, x):
        from rechain import functions as F
        f = F.sigmoid(self.W_f(F.concat([h, x], axis=1)))
        h_bar = F.tanh(self.W_h(F.concat([f * h, x], axis=1)))
        return f * h_bar + (1 - f) * h

    def _check_hx(self, h, x):
        label = _link._link_label(self)
        if not hasattr(x, "ndim") or x.ndim != 2 or x.shape[1] != self.in_size:
            raise type_check.InvalidType(
                f"{label}: x must have shape (batch, {self.in_size}), got "
                f"{tuple(x.shape) if hasattr(x, 'shape') else type(x).__name__}")
        if h.ndim != 2 or h.shape != (x.shape[0], self.state_size):
            raise type_check.InvalidType(
                f"{label}: h must have shape ({x.shape[0]}, {self.state_size}) for x "
                f"{tuple(x.shape)}, got {tuple(h.shape)}")

    def _repr_fields(self):
        return f"in_size={self.in_size}, out_size={self.state_size}"


class StatelessMGU(MGUBase):
    """``h' = StatelessMGU(h, x)``: one MGU step, no state kept.

    Args:
        in_size (int): Input size.
        out_size (int): State size.

    Example:
        >>> mgu = L.StatelessMGU(3, 4)
        >>> mgu(np.zeros((2, 4), np.float32), np.ones((2, 3), np.float32)).shape
        (2, 4)
    """

    def forward(self, h, x):
        """Return the next state from ``h`` ``(B, out_size)`` and ``x`` ``(B, in_size)``."""
        self._check_hx(h, x)
        return self._step(h, x)


class StatefulMGU(_stateful.StatefulMixin, MGUBase):
    """An MGU layer that keeps ``h`` between calls (zero before the first).

    Args:
        in_size (int): Input size.
        out_size (int): State size.

    Attributes:
        h (Variable or None): The state.

    Example:
        >>> mgu = L.StatefulMGU(3, 4)
        >>> y = mgu(np.ones((2, 3), np.float32)); mgu.h.shape
        (2, 4)
    """

    def __init__(self, in_size, out_size):
        super().__init__(in_size, out_size)
        self.h = None

    def forward(self, x):
        """Run one step on ``x`` ``(batch, in_size)``; keep and return the new ``h``."""
        h = _region.replayed_state(self.h)
        self._check_x(x, h)
        if h is None:
            h = self._zeros(x.shape[0], x.dtype)
        self._check_hx(h, x)
        h_new = self._step(h, x)
        if not configuration.config.in_recomputing:
            self.h = h_new
        return h_new
