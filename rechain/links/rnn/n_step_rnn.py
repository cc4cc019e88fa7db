"""Stacked recurrent layers over a list of variable-length sequences.

``NStepRNNBase`` is a ChainList with one child link per layer and direction
(``0``, ``1``, ... in the order ``layer * directions + direction``), each
holding ``w0 .. w{K-1}`` and ``b0 .. b{K-1}`` (K = 8 LSTM, 6 GRU, 2 RNN) in
the roles of ``F.n_step_*`` (Note [n-step recurrent layout]). Saved models
therefore have Chainer's keys: ``0/w0``, ``0/b0``, ... ``3/b7``.

A call takes the sequences in any order: the link sorts them by decreasing
length (a stable sort), permutes the batch axis of ``hx``/``cx`` to match,
transposes to time-major with ``F.transpose_sequence``, runs the function,
and undoes all three on the results. Every step is a differentiable rechain
op, so the link needs no special handling under ``F.forget``: dropout draws
from ``rechain.random`` and is replayed exactly.
"""

import numpy

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.array.get_item import get_item
from rechain.functions.array.transpose_sequence import transpose_sequence
from rechain.functions.rnn.n_step_rnn import n_step_birnn, n_step_rnn
from rechain.links import link as _link
from rechain.utils import type_check


class NStepRNNBase(_link.ChainList):
    """Base of the ``NStep*`` links (see the module docstring).

    Subclasses set ``n_weights``, ``use_bi_direction`` and ``rnn``.

    Args:
        n_layers (int): Number of layers.
        in_size (int): Size of the input vectors.
        out_size (int): Size of the hidden states (and of each direction's output).
        dropout (float): Dropout ratio on the inputs of layers above the first.
        initialW: Initializer of every weight matrix; default LeCunNormal
            (fan-in of each matrix).
        initial_bias: Initializer of every bias; default 0.
    """

    n_weights = 0
    use_bi_direction = False

    def __init__(self, n_layers, in_size, out_size, dropout, *, initialW=None,
                 initial_bias=None):
        name = type(self).__name__
        for argname, v in (("n_layers", n_layers), ("in_size", in_size),
                           ("out_size", out_size)):
            if not isinstance(v, (int, numpy.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: {argname} must be a positive int, got {v!r}")
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) \
                or not 0.0 <= dropout < 1.0:
            raise ValueError(f"{name}: dropout must be a float in [0, 1), got {dropout!r}")
        directions = 2 if self.use_bi_direction else 1
        w_init = initializers._get_initializer(initialW)
        b_init = initializers._get_initializer(0 if initial_bias is None else initial_bias)
        k = self.n_weights
        sets = []
        for layer in range(n_layers):
            for _ in range(directions):
                weights = _link.Link()
                with weights.init_scope():
                    for j in range(k):
                        if j >= k // 2:
                            w_in = out_size
                        else:
                            w_in = in_size if layer == 0 else directions * out_size
                        setattr(weights, f"w{j}", _variable.Parameter(w_init,
                                                                      (out_size, w_in)))
                        setattr(weights, f"b{j}", _variable.Parameter(b_init, (out_size,)))
                sets.append(weights)
        super().__init__(*sets)
        self.n_layers = int(n_layers)
        self.in_size = int(in_size)
        self.out_size = int(out_size)
        self.dropout = float(dropout)
        self.direction = directions

    @property
    def ws(self):
        """Weights per layer and direction: ``ws[i][j]`` is child ``i``'s ``w{j}``."""
        return [[getattr(c, f"w{j}") for j in range(self.n_weights)] for c in self]

    @property
    def bs(self):
        """Biases per layer and direction: ``bs[i][j]`` is child ``i``'s ``b{j}``."""
        return [[getattr(c, f"b{j}") for j in range(self.n_weights)] for c in self]

    @property
    def n_cells(self):
        """Number of state arrays: 2 (``hx``, ``cx``) for LSTMs, 1 otherwise."""
        return 1

    def rnn(self, *args):
        """The ``F.n_step_*`` function of the subclass."""
        raise NotImplementedError

    def init_hx(self, xs):
        """Zero initial states ``(n_layers * directions, len(xs), out_size)``."""
        shape = (self.n_layers * self.direction, len(xs), self.out_size)
        return _variable.Variable(self.xp.zeros(shape, dtype=xs[0].dtype),
                                  requires_grad=False)

    def forward(self, hx, xs):
        """Run the sequences ``xs`` from the initial state ``hx``.

        Args:
            hx (Variable, ndarray or None): ``(n_layers * directions, len(xs),
                out_size)``; None means zeros.
            xs (list of Variable or ndarray): Sequences ``(L_i, in_size)``,
                any order, each with at least one step.

        Returns:
            tuple: ``(hy, ys)``: final states, the shape of ``hx``, and a list
            with ``ys[i]`` of shape ``(L_i, directions * out_size)``.
        """
        (hy,), ys = self._call([hx], xs)
        return hy, ys

    def _check_xs(self, xs):
        label = _link._link_label(self)
        if isinstance(xs, (str, bytes)) or not isinstance(xs, (list, tuple)):
            raise TypeError(f"{label}: xs must be a list of sequences (Variables or arrays "
                            f"of shape (length, {self.in_size})), not {type(xs).__name__}")
        if len(xs) == 0:
            raise ValueError(f"{label}: xs must hold at least one sequence")
        for i, x in enumerate(xs):
            if not hasattr(x, "shape") or not hasattr(x, "ndim"):
                raise TypeError(f"{label}: xs[{i}] must be a Variable or an ndarray, not "
                                f"{type(x).__name__}")
            if x.ndim != 2 or x.shape[1] != self.in_size:
                raise type_check.InvalidType(f"{label}: xs[{i}] must have shape (length, "
                                             f"{self.in_size}), got {tuple(x.shape)}")
            if x.shape[0] == 0:
                raise type_check.InvalidType(f"{label}: xs[{i}] is empty (shape "
                                             f"{tuple(x.shape)}); every sequence needs at "
                                             f"least one step")

    def _call(self, hs, xs):
        label = _link._link_label(self)
        self._check_xs(xs)
        order = numpy.argsort([-x.shape[0] for x in xs], kind="stable")
        permuted = not numpy.array_equal(order, numpy.arange(len(xs)))
        sorted_xs = [xs[i] for i in order]
        shape = (self.n_layers * self.direction, len(xs), self.out_size)
        states = []
        for argname, h in zip(("hx", "cx"), hs):
            if h is None:
                h = self.init_hx(xs)
            else:
                if not hasattr(h, "shape"):
                    raise TypeError(f"{label}: {argname} must be None, a Variable or an "
                                    f"ndarray, not {type(h).__name__}")
                if tuple(h.shape) != shape:
                    raise type_check.InvalidType(
                        f"{label}: {argname} must have shape {shape} (n_layers * "
                        f"{self.direction}, len(xs), out_size), got {tuple(h.shape)}")
                if permuted:
                    h = get_item(h, (slice(None), self.xp.asarray(order)))
            states.append(h)
        steps = transpose_sequence(sorted_xs)
        result = self.rnn(self.n_layers, self.dropout, *states, self.ws, self.bs, steps)
        inverse = numpy.argsort(order)
        hys = [get_item(h, (slice(None), self.xp.asarray(inverse))) if permuted else h
               for h in result[:-1]]
        sorted_ys = transpose_sequence(result[-1])
        ys = [None] * len(xs)
        for k, i in enumerate(order):
            ys[i] = sorted_ys[k]
        return hys, ys

    def _repr_fields(self):
        return (f"n_layers={self.n_layers}, in_size={self.in_size}, "
                f"out_size={self.out_size}, dropout={self.dropout}")


class NStepRNNTanh(NStepRNNBase):
    """Stacked uni-directional tanh RNN for a list of sequences (``F.n_step_rnn``).

    Args:
        n_layers (int): Number of layers.
        in_size (int): Size of the input vectors.
        out_size (int): Size of the hidden states.
        dropout (float): Dropout ratio between layers.
        initialW, initial_bias: Initializers (see :class:`NStepRNNBase`).

    Example:
        >>> rnn = L.NStepRNNTanh(2, 3, 4, 0.0)
        >>> hy, ys = rnn(None, [np.ones((5, 3), np.float32), np.ones((2, 3), np.float32)])
        >>> hy.shape, [y.shape for y in ys]
        ((2, 2, 4), [(5, 4), (2, 4)])
    """

    n_weights = 2
    use_bi_direction = False

    def rnn(self, *args):
        return n_step_rnn(*args, activation="tanh")


class NStepRNNReLU(NStepRNNBase):
    """Stacked uni-directional ReLU RNN for a list of sequences (``F.n_step_rnn``).

    Args: as :class:`NStepRNNTanh`.

    Example:
        >>> hy, ys = L.NStepRNNReLU(1, 3, 4, 0.0)(None, [np.ones((2, 3), np.float32)])
        >>> ys[0].shape
        (2, 4)
    """

    n_weights = 2
    use_bi_direction = False

    def rnn(self, *args):
        return n_step_rnn(*args, activation="relu")


class NStepBiRNNTanh(NStepRNNBase):
    """Stacked bi-directional tanh RNN for a list of sequences (``F.n_step_birnn``).

    Args: as :class:`NStepRNNTanh`; outputs have ``2 * out_size`` features.

    Example:
        >>> hy, ys = L.NStepBiRNNTanh(1, 3, 4, 0.0)(None, [np.ones((2, 3), np.float32)])
        >>> hy.shape, ys[0].shape
        ((2, 1, 4), (2, 8))
    """

    n_weights = 2
    use_bi_direction = True

    def rnn(self, *args):
        return n_step_birnn(*args, activation="tanh")


class NStepBiRNNReLU(NStepRNNBase):
    """Stacked bi-directional ReLU RNN for a list of sequences (``F.n_step_birnn``).

    Args: as :class:`NStepRNNTanh`; outputs have ``2 * out_size`` features.

    Example:
        >>> hy, ys = L.NStepBiRNNReLU(1, 3, 4, 0.0)(None, [np.ones((2, 3), np.float32)])
        >>> ys[0].shape
        (2, 8)
    """

    n_weights = 2
    use_bi_direction = True

    def rnn(self, *args):
        return n_step_birnn(*args, activation="relu")
