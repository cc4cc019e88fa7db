"""Tree-LSTM layers (Tai et al. 2015): ``ChildSumTreeLSTM`` and ``NaryTreeLSTM``.

Both are stateless: a call ``(c_1, .., c_N, h_1, .., h_N, x)`` combines the
children's cells and outputs with the node's input into the node's
``(c, h)`` through :func:`~rechain.functions.tree_lstm`. A child given as
None counts as zeros; ``x`` None counts as zeros too (a node without input).
"""

from rechain import variable as _variable
from rechain.links import link as _link
from rechain.links.connection import linear as _linear
from rechain.utils import type_check


def _split_args(label, cshsx, n=None):
    if len(cshsx) % 2 != 1:
        raise TypeError(f"{label}: takes c_1..c_N, h_1..h_N, x (an odd number of arguments), "
                        f"got {len(cshsx)}")
    k = len(cshsx) // 2
    if n is not None and k != n:
        raise TypeError(f"{label}: takes {n} cells, {n} outputs and x ({2 * n + 1} arguments),"
                        f" got {len(cshsx)}")
    return list(cshsx[:k]), list(cshsx[k:-1]), cshsx[-1]


class _TreeLSTMBase(_link.Chain):
    def _fill(self, cs, hs, x):
        """Zeros for None children and input; checks shapes and dtypes."""
        label = _link._link_label(self)
        given = [v for v in list(cs) + list(hs) + [x] if v is not None]
        if not given:
            raise ValueError(f"{label}: all inputs (cells, outputs and x) are None")
        batch, dtype = given[0].shape[0], given[0].dtype
        for k, v in enumerate(cs + hs):
            if v is None:
                continue
            name = f"c{k + 1}" if k < len(cs) else f"h{k - len(cs) + 1}"
            if v.ndim != 2 or v.shape != (batch, self.state_size):
                raise type_check.InvalidType(
                    f"{label}: {name} must have shape ({batch}, {self.state_size}), got "
                    f"{tuple(v.shape)}")
            if v.dtype != dtype:
                raise type_check.InvalidType(f"{label}: {name} has dtype {v.dtype}, but the "
                                             f"first input has {dtype}")
        if x is None:
            if self.in_size is None:
                raise ValueError(f"{label}: x is None but in_size is not known yet")
            x = self.xp.zeros((batch, self.in_size), dtype=dtype)
        elif x.shape[0] != batch:
            raise type_check.InvalidType(f"{label}: x {tuple(x.shape)} must have batch size "
                                         f"{batch}, like the children")

        def zero():
            return _variable.Variable(self.xp.zeros((batch, self.state_size), dtype=dtype),
                                      requires_grad=False)
        return ([zero() if c is None else c for c in cs],
                [None if h is None else h for h in hs], x)

    @property
    def in_size(self):
        return self.W_x.in_size

    def _repr_fields(self):
        return f"in_size={self.in_size}, out_size={self.state_size}"


class ChildSumTreeLSTM(_TreeLSTMBase):
    """Child-Sum Tree-LSTM: any number of children, order-independent.

    Links (Chainer's names): ``W_x`` (``in_size -> 4 out_size``: gates ``a, i,
    o`` then the forget gate's input part), ``W_h_aio`` (summed children
    outputs ``-> 3 out_size``) and ``W_h_f`` (each child's output ``->
    out_size``, giving that child's forget gate)::

        a, i, o = W_x(x)[:3 units] + W_h_aio(sum_k h_k)
        f_k = W_x(x)[3 units:] + W_h_f(h_k)
        c, h = tree_lstm(c_1, .., c_N, [a, i, o, f_1, .., f_N])

    With no children, ``c = sigmoid(i) tanh(a)`` and ``h = sigmoid(o) tanh(c)``.

    Args:
        in_size (int or None): Input size (None: from the first input).
        out_size (int): State size.

    Example:
        >>> node = L.ChildSumTreeLSTM(3, 4)
        >>> c1 = h1 = np.zeros((2, 4), np.float32)
        >>> c, h = node(c1, c1, h1, h1, np.ones((2, 3), np.float32)); h.shape
        (2, 4)
    """

    def __init__(self, in_size, out_size):
        super().__init__()
        self.state_size = int(out_size)
        s = self.state_size
        with self.init_scope():
            self.W_x = _linear.Linear(in_size, 4 * s)
            self.W_h_aio = _linear.Linear(s, 3 * s, nobias=True)
            self.W_h_f = _linear.Linear(s, s, nobias=True)

    def forward(self, *cshsx):
        """``forward(c_1, .., c_N, h_1, .., h_N, x)`` -> ``(c, h)``."""
        from rechain import functions as F
        label = _link._link_label(self)
        cs, hs, x = _split_args(label, cshsx)
        cs, hs, x = self._fill(cs, hs, x)
        s = self.state_size
        wx = self.W_x(x)
        wx_aio, wx_f = F.split_axis(wx, [3 * s], axis=1)
        if not cs:
            a, i, o = F.split_axis(wx_aio, 3, axis=1)
            c = F.sigmoid(i) * F.tanh(a)
            return c, F.sigmoid(o) * F.tanh(c)
        present = [h for h in hs if h is not None]
        aio = wx_aio
        if present:
            h_sum = present[0]
            for h in present[1:]:
                h_sum = h_sum + h
            aio = aio + self.W_h_aio(h_sum)
        fs = [wx_f if h is None else wx_f + self.W_h_f(h) for h in hs]
        return F.tree_lstm(*cs, F.concat([aio] + fs, axis=1))


class NaryTreeLSTM(_TreeLSTMBase):
    """N-ary Tree-LSTM: exactly ``n_ary`` ordered children (Bowman et al.'s variant).

    Links: ``W_x`` (``in_size -> (3 + n_ary) out_size``) and one
    ``W_h<k>`` per child (``out_size -> (3 + n_ary) out_size``)::

        c, h = tree_lstm(c_1, .., c_N, W_x(x) + sum_k W_h<k>(h_k))

    where the gates are ``a, i, o, f_1 .. f_N`` in blocks of ``out_size``.

    Args:
        in_size (int or None): Input size (None: from the first input).
        out_size (int): State size.
        n_ary (int): Number of children (>= 1).

    Example:
        >>> node = L.NaryTreeLSTM(3, 4, n_ary=2)
        >>> z = np.zeros((2, 4), np.float32)
        >>> node(z, z, z, z, np.ones((2, 3), np.float32))[1].shape
        (2, 4)
    """

    def __init__(self, in_size, out_size, n_ary=2):
        if not isinstance(n_ary, int) or n_ary < 1:
            raise ValueError(f"NaryTreeLSTM: n_ary must be an int >= 1, got {n_ary!r}")
        super().__init__()
        self.state_size = int(out_size)
        self.n_ary = n_ary
        s = self.state_size
        with self.init_scope():
            self.W_x = _linear.Linear(in_size, (3 + n_ary) * s)
            for k in range(1, n_ary + 1):
                setattr(self, f"W_h{k}", _linear.Linear(s, (3 + n_ary) * s, nobias=True))

    def forward(self, *cshsx):
        """``forward(c_1, .., c_N, h_1, .., h_N, x)`` with ``N = n_ary`` -> ``(c, h)``."""
        from rechain import functions as F
        label = _link._link_label(self)
        cs, hs, x = _split_args(label, cshsx, self.n_ary)
        cs, hs, x = self._fill(cs, hs, x)
        z = self.W_x(x)
        for k, h in enumerate(hs, 1):
            if h is not None:
                z = z + getattr(self, f"W_h{k}")(h)
        return F.tree_lstm(*cs, z)

    def _repr_fields(self):
        return super()._repr_fields() + f", n_ary={self.n_ary}"
