"""StatefulPeepholeLSTM: an LSTM whose gates also look at the cell (Gers et al. 2002)."""

from rechain import configuration
from rechain.links import link as _link
from rechain.links.connection import linear as _linear
from rechain.links.rnn import _stateful
from rechain.recompute import region as _region


class StatefulPeepholeLSTM(_stateful.StatefulMixin, _link.Chain):
    """A stateful LSTM with peephole connections ``peep_i``, ``peep_f``, ``peep_o``.

    With ``z = upward(x) + lateral(h)`` split into Chainer's interleaved gates
    ``(a, i, f, o)`` (unit ``k``'s gates are columns ``4k .. 4k+3``)::

        c' = tanh(a) * sigmoid(i + peep_i(c)) + sigmoid(f + peep_f(c)) * c
        h' = sigmoid(o + peep_o(c')) * tanh(c')

    The first step uses zero ``c`` and skips ``lateral``.

    Args:
        in_size (int or None): Input size (None: from the first input).
        out_size (int): State size.

    Attributes:
        c, h (Variable or None): Cell and hidden state.

    Example:
        >>> lstm = L.StatefulPeepholeLSTM(3, 4)
        >>> lstm(np.ones((2, 3), np.float32)).shape
        (2, 4)
    """

    _state_names = ("c", "h")

    def __init__(self, in_size, out_size):
        super().__init__()
        self.state_size = int(out_size)
        s = self.state_size
        with self.init_scope():
            self.upward = _linear.Linear(in_size, 4 * s)
            self.lateral = _linear.Linear(s, 4 * s, nobias=True)
            self.peep_i = _linear.Linear(s, s, nobias=True)
            self.peep_f = _linear.Linear(s, s, nobias=True)
            self.peep_o = _linear.Linear(s, s, nobias=True)
        self.c = None
        self.h = None

    def forward(self, x):
        """Run one step on ``x`` ``(batch, in_size)``; keep and return the new ``h``."""
        from rechain import functions as F
        c, h = _region.replayed_state((self.c, self.h))
        self._check_x(x, h if h is not None else c)
        z = self.upward(x)
        if h is not None:
            z = z + self.lateral(h)
        if c is None:
            c = self._zeros(x.shape[0], z.dtype)
        r = F.reshape(z, (z.shape[0], self.state_size, 4))
        a, i, f, o = (F.get_item(r, (slice(None), slice(None), k)) for k in range(4))
        i = F.sigmoid(i + self.peep_i(c))
        f = F.sigmoid(f + self.peep_f(c))
        c_new = F.tanh(a) * i + f * c
        o = F.sigmoid(o + self.peep_o(c_new))
        h_new = o * F.tanh(c_new)
        if not configuration.config.in_recomputing:
            self.c, self.h = c_new, h_new
        return h_new

    def _repr_fields(self):
        return f"in_size={self.upward.in_size}, out_size={self.state_size}"
