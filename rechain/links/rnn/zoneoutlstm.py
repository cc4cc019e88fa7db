"""StatefulZoneoutLSTM: an LSTM whose state units keep their old value at random
(zoneout, Krueger et al. 2017) while training."""

from rechain import configuration
from rechain.links import link as _link
from rechain.links.connection import linear as _linear
from rechain.links.rnn import _stateful
from rechain.recompute import region as _region


class StatefulZoneoutLSTM(_stateful.StatefulMixin, _link.Chain):
    """A stateful LSTM with zoneout on ``c`` and ``h``.

    With ``z = upward(x) + lateral(h)`` in Chainer's interleaved gate layout::

        c_tmp = tanh(a) sigmoid(i) + sigmoid(f) c
        c' = zoneout(c, c_tmp, c_ratio)
        h' = zoneout(h, sigmoid(o) tanh(c_tmp), h_ratio)

    where ``zoneout(old, new, r)`` keeps each element of ``old`` with
    probability ``r`` in training mode and is ``new`` otherwise
    (:func:`~rechain.functions.zoneout`; its random numbers come from
    ``rechain.random``, so ``F.forget`` replays the same mask). The first step
    starts from zero ``c`` and ``h``.

    Args:
        in_size (int or None): Input size (None: from the first input).
        out_size (int): State size.
        c_ratio (float): Zoneout probability of the cell.
        h_ratio (float): Zoneout probability of the output.

    Attributes:
        c, h (Variable or None): Cell and hidden state.

    Example:
        >>> lstm = L.StatefulZoneoutLSTM(3, 4, c_ratio=0.2, h_ratio=0.1)
        >>> lstm(np.ones((2, 3), np.float32)).shape
        (2, 4)
    """

    _state_names = ("c", "h")

    def __init__(self, in_size, out_size, c_ratio=0.5, h_ratio=0.5, **kwargs):
        if "train" in kwargs:
            raise TypeError("StatefulZoneoutLSTM: the train argument is not supported; use "
                            "rechain.using_config('train', ...)")
        if kwargs:
            raise TypeError(f"StatefulZoneoutLSTM: unexpected keyword arguments "
                            f"{sorted(kwargs)}")
        for name, r in (("c_ratio", c_ratio), ("h_ratio", h_ratio)):
            if not 0 <= r <= 1:
                raise ValueError(f"StatefulZoneoutLSTM: {name} must be in [0, 1], got {r!r}")
        super().__init__()
        self.state_size = int(out_size)
        self.c_ratio = c_ratio
        self.h_ratio = h_ratio
        s = self.state_size
        with self.init_scope():
            self.upward = _linear.Linear(in_size, 4 * s)
            self.lateral = _linear.Linear(s, 4 * s, nobias=True)
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
        else:
            h = self._zeros(x.shape[0], z.dtype)
        if c is None:
            c = self._zeros(x.shape[0], z.dtype)
        r = F.reshape(z, (z.shape[0], self.state_size, 4))
        a, i, f, o = (F.get_item(r, (slice(None), slice(None), k)) for k in range(4))
        c_tmp = F.tanh(a) * F.sigmoid(i) + F.sigmoid(f) * c
        c_new = F.zoneout(c, c_tmp, self.c_ratio)
        h_new = F.zoneout(h, F.sigmoid(o) * F.tanh(c_tmp), self.h_ratio)
        if not configuration.config.in_recomputing:
            self.c, self.h = c_new, h_new
        return h_new

    def _repr_fields(self):
        return (f"in_size={self.upward.in_size}, out_size={self.state_size}, "
                f"c_ratio={self.c_ratio}, h_ratio={self.h_ratio}")
