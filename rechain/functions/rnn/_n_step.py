"""The loop shared by the ``n_step_*`` recurrent functions (n_step_rnn,
n_step_lstm, n_step_gru and their bi-directional forms).

Note [n-step recurrent layout]
------------------------------
The ``n_step_*`` functions take Chainer's arguments:

- ``xs`` is *time-major*: ``xs[t]`` of shape ``(B_t, I)`` holds step ``t`` of
  every sequence that is still running, so ``B_t`` never increases. Sorting
  sequences by decreasing length and applying ``F.transpose_sequence`` gives
  this layout (the ``L.NStep*`` links do both for you).
- ``hx`` (and ``cx`` for the LSTM) of shape ``(n_layers * D, B, N)``, ``D``
  = 1 or 2 directions, ``B >= B_0``; entry ``l * D + d`` is the initial state
  of layer ``l``, direction ``d`` (0 forward in time, 1 backward).
- ``ws[l * D + d]`` is a list of ``K`` matrices (8 LSTM, 6 GRU, 2 RNN): the
  first ``K / 2`` act on the layer's input and have shape ``(N, I)`` in layer
  0 and ``(N, D * N)`` above; the others act on the hidden state, ``(N, N)``.
  ``bs[l * D + d]`` holds ``K`` vectors ``(N,)``.

How it is computed: for every layer and direction, one ``linear`` projects
the input of all time steps at once (the steps concatenated along the batch
axis), then a loop over time adds the recurrent term and applies the cell.
When the batch shrinks, the rows of sequences that have ended are set aside
and joined back into ``hy``; the backward direction runs from the last step
to the first, taking the initial rows of sequences as they begin. Layers
above the first see their input through ``F.dropout`` (one mask per
direction), which draws from ``rechain.random``, so ``F.forget`` replays the
same masks; with ratio 0 or ``config.train`` False nothing is drawn.

Everything is a composition of rechain's differentiable functions, so the
gradients (of any order) are theirs, and the results do not depend on the
array backend.
"""

import numpy

from rechain import variable
from rechain.functions.array.concat import Concat
from rechain.functions.array.separate import separate
from rechain.functions.array.split_axis import SplitAxis
from rechain.functions.array.stack import stack
from rechain.functions.connection.linear import linear
from rechain.functions.noise.dropout import dropout
from rechain.utils import type_check


def _is_array_like(x):
    return hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "ndim")


def _split(x, cuts):
    if not cuts:
        return (x,)
    return SplitAxis(tuple(cuts), 0).apply((x,))


def _split_cols(x, k):
    """``(x[:, :k], x[:, k:])``."""
    return SplitAxis((k,), 1).apply((x,))


def _cat(xs, axis=0):
    if len(xs) == 1:
        return xs[0]
    return Concat(axis).apply(tuple(xs))[0]


class _Cell:
    """What a recurrent cell contributes to the shared loop.

    ``prepare(w, b)`` turns one layer-direction's weights into
    ``(Wx, bx, Wh, bh)``; ``step(gx, h, c, Wh, bh)`` maps the input
    projection ``gx`` of one step and the state to the new ``(h, c)``
    (``c`` is None for cells without a memory cell).
    """

    n_weights = 0
    has_cell = False

    def prepare(self, w, b):
        raise NotImplementedError

    def step(self, gx, h, c, Wh, bh):
        raise NotImplementedError


def _check(fname, cell, n_layers, dropout_ratio, hx, cx, ws, bs, xs, directions):
    """Validate the arguments of an ``n_step_*`` function (see the Note above)."""
    if not isinstance(n_layers, (int, numpy.integer)) or isinstance(n_layers, bool) \
            or n_layers < 1:
        raise ValueError(f"{fname}: n_layers must be a positive int, got {n_layers!r}")
    if not isinstance(dropout_ratio, (int, float, numpy.floating)) \
            or isinstance(dropout_ratio, bool) or not 0.0 <= dropout_ratio < 1.0:
        raise ValueError(f"{fname}: dropout_ratio must be a float in [0, 1), got "
                         f"{dropout_ratio!r}")
    k = cell.n_weights
    n_sets = n_layers * directions
    for argname, v in (("hx", hx), ("cx", cx)):
        if argname == "cx" and not cell.has_cell:
            continue
        if not _is_array_like(v):
            raise TypeError(f"{fname}: {argname} must be a Variable or an ndarray of shape "
                            f"(n_layers * {directions}, batch, hidden), not "
                            f"{type(v).__name__}")
        if v.ndim != 3 or v.shape[0] != n_sets:
            raise type_check.InvalidType(
                f"{fname}: {argname} must have shape (n_layers * {directions} = {n_sets}, "
                f"batch, hidden), got {tuple(v.shape)}")
        type_check.expect_float(fname, argname, v)
    if cell.has_cell and cx.shape != hx.shape:
        raise type_check.InvalidType(f"{fname}: cx {tuple(cx.shape)} must have the same "
                                     f"shape as hx {tuple(hx.shape)}")
    for argname, v, what in (("ws", ws, "weight matrices"), ("bs", bs, "bias vectors")):
        if isinstance(v, (str, bytes)) or not hasattr(v, "__len__"):
            raise TypeError(f"{fname}: {argname} must be a list of lists of {what}, not "
                            f"{type(v).__name__}")
        if len(v) != n_sets:
            raise ValueError(
                f"{fname}: {argname} must hold n_layers * {directions} = {n_sets} lists of "
                f"{what} (one per layer and direction), got {len(v)}")
        for i, entry in enumerate(v):
            if isinstance(entry, (str, bytes)) or not hasattr(entry, "__len__") \
                    or _is_array_like(entry):
                raise TypeError(f"{fname}: {argname}[{i}] must be a list of {k} {what}, "
                                f"not {type(entry).__name__}")
            if len(entry) != k:
                raise ValueError(f"{fname}: {argname}[{i}] must hold {k} {what}, got "
                                 f"{len(entry)}")
            for j, a in enumerate(entry):
                if not _is_array_like(a):
                    raise TypeError(f"{fname}: {argname}[{i}][{j}] must be a Variable or an "
                                    f"ndarray, not {type(a).__name__}")
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__") or _is_array_like(xs):
        raise TypeError(f"{fname}: xs must be a list of Variables or arrays (one per time "
                        f"step), not {type(xs).__name__}")
    if len(xs) == 0:
        raise ValueError(f"{fname}: xs must hold at least one time step")
    for t, x in enumerate(xs):
        if not _is_array_like(x):
            raise TypeError(f"{fname}: xs[{t}] must be a Variable or an ndarray, not "
                            f"{type(x).__name__}")
    if not type_check.enabled():
        return
    batch, hidden = hx.shape[1], hx.shape[2]
    in_size = ws[0][0].shape[1] if ws[0][0].ndim == 2 else None
    dtype = hx.dtype
    for t, x in enumerate(xs):
        if x.ndim != 2:
            raise type_check.InvalidType(f"{fname}: xs[{t}] must have shape (batch, "
                                         f"in_size), got {tuple(x.shape)}")
        if x.shape[0] == 0:
            raise type_check.InvalidType(f"{fname}: xs[{t}] has batch size 0; every time "
                                         f"step must hold at least one sequence")
        if t and x.shape[0] > xs[t - 1].shape[0]:
            raise type_check.InvalidType(
                f"{fname}: the batch sizes of xs must not increase (sort the sequences by "
                f"decreasing length, then F.transpose_sequence), but xs[{t}] has batch size "
                f"{x.shape[0]} > batch size {xs[t - 1].shape[0]} of xs[{t - 1}]")
        if x.shape[1] != xs[0].shape[1]:
            raise type_check.InvalidType(f"{fname}: xs[{t}] {tuple(x.shape)} has "
                                         f"{x.shape[1]} features but xs[0] has "
                                         f"{xs[0].shape[1]}")
        if x.dtype != dtype:
            raise type_check.InvalidType(f"{fname}: xs[{t}] has dtype {x.dtype} but hx has "
                                         f"dtype {dtype}")
    if xs[0].shape[0] > batch:
        raise type_check.InvalidType(
            f"{fname}: xs[0] {tuple(xs[0].shape)} has batch size {xs[0].shape[0]}, larger "
            f"than the batch size {batch} of hx {tuple(hx.shape)}")
    if cell.has_cell and cx.dtype != dtype:
        raise type_check.InvalidType(f"{fname}: cx has dtype {cx.dtype} but hx has dtype "
                                     f"{dtype}")
    if in_size is not None and xs[0].shape[1] != in_size:
        raise type_check.InvalidType(
            f"{fname}: xs[0] {tuple(xs[0].shape)} has {xs[0].shape[1]} features but "
            f"ws[0][0] {tuple(ws[0][0].shape)} expects {in_size} (input size mismatch)")
    for i in range(n_sets):
        layer = i // directions
        for j in range(k):
            if j < k // 2:
                w_in = xs[0].shape[1] if layer == 0 else directions * hidden
            else:
                w_in = hidden
            w, b = ws[i][j], bs[i][j]
            if w.shape != (hidden, w_in):
                raise type_check.InvalidType(
                    f"{fname}: ws[{i}][{j}] must have shape {(hidden, w_in)} (layer {layer}, "
                    f"{'input' if j < k // 2 else 'hidden-state'} weight of {hidden} hidden "
                    f"units), got {tuple(w.shape)}")
            if b.shape != (hidden,):
                raise type_check.InvalidType(f"{fname}: bs[{i}][{j}] must have shape "
                                             f"{(hidden,)}, got {tuple(b.shape)}")
            if w.dtype != dtype or b.dtype != dtype:
                bad, arr = (f"ws[{i}][{j}]", w) if w.dtype != dtype else (f"bs[{i}][{j}]", b)
                raise type_check.InvalidType(f"{fname}: {bad} has dtype {arr.dtype} but hx "
                                             f"has dtype {dtype}")


def _run_forward(cell, gxs, h, c, Wh, bh):
    """Steps ``0..T-1`` (batch sizes non-increasing); returns outputs and final state."""
    h_done, c_done, outs = [], [], []
    for gx in gxs:
        b = gx.shape[0]
        if b < h.shape[0]:
            h, h_rest = _split(h, [b])
            h_done.append(h_rest)
            if c is not None:
                c, c_rest = _split(c, [b])
                c_done.append(c_rest)
        h, c = cell.step(gx, h, c, Wh, bh)
        outs.append(h)
    hy = _cat([h] + h_done[::-1])
    cy = None if c is None else _cat([c] + c_done[::-1])
    return outs, hy, cy


def _run_backward(cell, gxs, h0, c0, Wh, bh):
    """Steps ``T-1..0`` (batch sizes non-decreasing); outputs in time order."""
    full = h0.shape[0]
    cuts = sorted({gx.shape[0] for gx in gxs if gx.shape[0] < full})
    ends = cuts + [full]  # part k of the initial state holds rows [ends[k-1], ends[k])
    h_parts = _split(h0, cuts)
    c_parts = None if c0 is None else _split(c0, cuts)
    h, c, used = h_parts[0], (None if c0 is None else c_parts[0]), 1
    outs = []
    for gx in reversed(gxs):
        b = gx.shape[0]
        if h.shape[0] < b:  # sequences that start here join with their initial state
            n = ends.index(b) + 1
            h = _cat([h] + list(h_parts[used:n]))
            if c is not None:
                c = _cat([c] + list(c_parts[used:n]))
            used = n
        h, c = cell.step(gx, h, c, Wh, bh)
        outs.append(h)
    if used < len(h_parts):  # rows of hx beyond the longest sequence's batch
        h = _cat([h] + list(h_parts[used:]))
        if c is not None:
            c = _cat([c] + list(c_parts[used:]))
    outs.reverse()
    return outs, h, c


def n_step_base(fname, cell, n_layers, dropout_ratio, hx, cx, ws, bs, xs, directions):
    """The shared loop of the ``n_step_*`` functions; returns ``(hy, cy, ys)``.

    See Note [n-step recurrent layout]. ``cy`` is None for cells without a
    memory cell.
    """
    _check(fname, cell, n_layers, dropout_ratio, hx, cx, ws, bs, xs, directions)
    batches = [x.shape[0] for x in xs]
    cuts = [int(v) for v in numpy.cumsum(batches[:-1])]
    h_init = separate(hx, 0)
    c_init = separate(cx, 0) if cell.has_cell else [None] * len(h_init)
    layer_in = _cat([variable.as_variable(x) for x in xs])
    hy, cy = [], []
    ys = None
    for layer in range(n_layers):
        per_direction = []
        for d in range(directions):
            i = layer * directions + d
            x_in = layer_in
            if layer > 0 and dropout_ratio > 0:
                x_in = dropout(layer_in, dropout_ratio)
            Wx, bx, Wh, bh = cell.prepare(ws[i], bs[i])
            gxs = _split(linear(x_in, Wx, bx), cuts)
            run = _run_forward if d == 0 else _run_backward
            outs, h_last, c_last = run(cell, gxs, h_init[i], c_init[i], Wh, bh)
            per_direction.append(outs)
            hy.append(h_last)
            cy.append(c_last)
        if layer == n_layers - 1:
            if directions == 1:
                ys = tuple(per_direction[0])
            else:
                ys = tuple(_cat([f, b], axis=1) for f, b in zip(*per_direction))
        elif directions == 1:
            layer_in = _cat(per_direction[0])
        else:
            layer_in = _cat([_cat(outs) for outs in per_direction], axis=1)
    hy = stack(hy, 0)
    cy = stack(cy, 0) if cell.has_cell else None
    return hy, cy, ys


