"""F.n_step_lstm / bilstm / gru / bigru / rnn / birnn against a per-sequence NumPy loop."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check
from rechain.utils.type_check import InvalidType

# name: (function, weights per set, has a cell, bidirectional, activation)
KINDS = {
    "lstm": (F.n_step_lstm, 8, True, False, None),
    "bilstm": (F.n_step_bilstm, 8, True, True, None),
    "gru": (F.n_step_gru, 6, False, False, None),
    "bigru": (F.n_step_bigru, 6, False, True, None),
    "rnn_tanh": (F.n_step_rnn, 2, False, False, "tanh"),
    "rnn_relu": (F.n_step_rnn, 2, False, False, "relu"),
    "birnn_tanh": (F.n_step_birnn, 2, False, True, "tanh"),
    "birnn_relu": (F.n_step_birnn, 2, False, True, "relu"),
}


def _sig(v):
    return 1 / (1 + numpy.exp(-v))


def _ref_cell(kind, x, h, c, w, b):
    if "lstm" in kind:
        def pre(k):
            return w[k] @ x + b[k] + w[k + 4] @ h + b[k + 4]
        i, f, a, o = _sig(pre(0)), _sig(pre(1)), numpy.tanh(pre(2)), _sig(pre(3))
        c = f * c + i * a
        return o * numpy.tanh(c), c
    if "gru" in kind:
        r = _sig(w[0] @ x + b[0] + w[3] @ h + b[3])
        z = _sig(w[1] @ x + b[1] + w[4] @ h + b[4])
        n = numpy.tanh(w[2] @ x + b[2] + r * (w[5] @ h + b[5]))
        return (1 - z) * n + z * h, None
    z = w[0] @ x + b[0] + w[1] @ h + b[1]
    return (numpy.tanh(z) if kind.endswith("tanh") else numpy.maximum(z, 0)), None


def _reference(kind, n_layers, hx, cx, ws, bs, seqs):
    """Each sequence on its own, step by step; returns hy, cy, per-sequence ys."""
    directions = 2 if KINDS[kind][3] else 1
    hy = hx.copy()
    cy = None if cx is None else cx.copy()
    ys = []
    for s, seq in enumerate(seqs):
        inp = seq
        for layer in range(n_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                h = hx[k, s]
                c = None if cx is None else cx[k, s]
                out = numpy.zeros((len(seq), hx.shape[2]))
                steps = range(len(seq)) if d == 0 else reversed(range(len(seq)))
                for t in steps:
                    h, c = _ref_cell(kind, inp[t], h, c, ws[k], bs[k])
                    out[t] = h
                hy[k, s] = h
                if cy is not None:
                    cy[k, s] = c
                outs.append(out)
            inp = numpy.concatenate(outs, axis=1)
        ys.append(inp)
    return hy, cy, ys


def _time_major(seqs):
    steps = max(len(s) for s in seqs)
    return [numpy.stack([s[t] for s in seqs if len(s) > t]) for t in range(steps)]


def _problem(kind, n_layers, lengths, in_size=2, hidden=3, batch=None, dtype=numpy.float64,
             seed=0):
    _, n_w, has_cell, bi, _ = KINDS[kind]
    rng = numpy.random.default_rng(seed)
    directions = 2 if bi else 1
    batch = len(lengths) if batch is None else batch
    hx = rng.uniform(-1, 1, (n_layers * directions, batch, hidden)).astype(dtype)
    cx = rng.uniform(-1, 1, hx.shape).astype(dtype) if has_cell else None
    ws, bs = [], []
    for layer in range(n_layers):
        for _ in range(directions):
            w_in = in_size if layer == 0 else directions * hidden
            ws.append([rng.uniform(-0.8, 0.8, (hidden, w_in if j < n_w // 2 else hidden))
                       .astype(dtype) for j in range(n_w)])
            bs.append([rng.uniform(-0.5, 0.5, hidden).astype(dtype) for _ in range(n_w)])
    seqs = [rng.uniform(-1, 1, (n, in_size)).astype(dtype) for n in lengths]
    return hx, cx, ws, bs, seqs


def _call(kind, n_layers, ratio, hx, cx, ws, bs, xs):
    fn, _, has_cell, _, activation = KINDS[kind]
    if has_cell:
        return fn(n_layers, ratio, hx, cx, ws, bs, xs)
    if activation is not None:
        hy, ys = fn(n_layers, ratio, hx, ws, bs, xs, activation=activation)
    else:
        hy, ys = fn(n_layers, ratio, hx, ws, bs, xs)
    return hy, None, ys


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("n_layers", [1, 2])
@pytest.mark.parametrize("lengths,batch", [([3, 2, 1], None), ([2, 2], None),
                                           ([4, 4, 1], None), ([2, 1], 3), ([1], None)])
def test_forward_matches_reference(kind, n_layers, lengths, batch):
    hx, cx, ws, bs, seqs = _problem(kind, n_layers, lengths, batch=batch)
    hy, cy, ys = _call(kind, n_layers, 0.0, hx, cx, ws, bs, _time_major(seqs))
    r_hy, r_cy, r_ys = _reference(kind, n_layers, hx, cx, ws, bs, seqs)
    numpy.testing.assert_allclose(hy.array, r_hy, rtol=1e-12, atol=1e-12)
    if cx is None:
        assert cy is None
    else:
        numpy.testing.assert_allclose(cy.array, r_cy, rtol=1e-12, atol=1e-12)
    assert isinstance(ys, tuple)
    ref_steps = _time_major(r_ys)
    assert [y.shape for y in ys] == [r.shape for r in ref_steps]
    for y, r in zip(ys, ref_steps):
        numpy.testing.assert_allclose(y.array, r, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["lstm", "bigru", "rnn_tanh"])
def test_float32(kind):
    hx, cx, ws, bs, seqs = _problem(kind, 2, [3, 2, 1], dtype=numpy.float32)
    hy, cy, ys = _call(kind, 2, 0.0, hx, cx, ws, bs, _time_major(seqs))
    assert hy.dtype == numpy.float32 and all(y.dtype == numpy.float32 for y in ys)
    r_hy, _, r_ys = _reference(kind, 2, hx.astype(numpy.float64),
                               None if cx is None else cx.astype(numpy.float64),
                               ws, bs, seqs)
    numpy.testing.assert_allclose(hy.array, r_hy, rtol=1e-5, atol=1e-5)


def _flat(kind, n_layers, hx, cx, ws, bs, xs):
    """A function of flat inputs for gradient_check, and those inputs."""
    has_cell = KINDS[kind][2]
    shape_w = [len(w) for w in ws]
    inputs = [hx] + ([cx] if has_cell else []) + list(xs) + [a for w in ws for a in w] \
        + [a for b in bs for a in b]
    n_x = len(xs)

    def func(*vs):
        vs = list(vs)
        h = vs.pop(0)
        c = vs.pop(0) if has_cell else None
        steps = vs[:n_x]
        rest = vs[n_x:]
        n = sum(shape_w)
        flat_w, flat_b = rest[:n], rest[n:]
        w_sets, b_sets, pos = [], [], 0
        for k in shape_w:
            w_sets.append(flat_w[pos:pos + k])
            b_sets.append(flat_b[pos:pos + k])
            pos += k
        hy, cy, ys = _call(kind, n_layers, 0.0, h, c, w_sets, b_sets, steps)
        return (hy,) + (() if cy is None else (cy,)) + tuple(ys)

    return func, inputs


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("n_layers", [1, 2])
def test_backward(kind, n_layers):
    hx, cx, ws, bs, seqs = _problem(kind, n_layers, [3, 2, 1], hidden=2, seed=1)
    func, inputs = _flat(kind, n_layers, hx, cx, ws, bs, _time_major(seqs))
    rng = numpy.random.default_rng(5)
    outs = func(*[rechain.Variable(a) for a in inputs])
    gys = tuple(rng.standard_normal(y.shape) for y in outs)
    gradient_check.check_backward(func, tuple(inputs), gys, seed=3, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_double_backward(kind):
    n_layers = 2
    hx, cx, ws, bs, seqs = _problem(kind, n_layers, [3, 2, 1], hidden=2, seed=2)
    func, inputs = _flat(kind, n_layers, hx, cx, ws, bs, _time_major(seqs))
    rng = numpy.random.default_rng(6)
    outs = func(*[rechain.Variable(a) for a in inputs])
    gys = tuple(rng.standard_normal(y.shape) for y in outs)
    ggxs = tuple(rng.standard_normal(a.shape) for a in inputs)
    gradient_check.check_double_backward(func, tuple(inputs), gys, ggxs, seed=4,
                                         atol=1e-5, rtol=1e-4)


def _grads_run(kind, n_layers, ratio, problem, use_forget, seed=7):
    """Loss and every gradient of a run, plain or under F.forget."""
    hx, cx, ws, bs, seqs = problem
    rechain.random.seed(seed)
    w_vars = [[rechain.Parameter(a.copy()) for a in w] for w in ws]
    b_vars = [[rechain.Parameter(a.copy()) for a in b] for b in bs]
    h = rechain.Variable(hx.copy())
    c = None if cx is None else rechain.Variable(cx.copy())
    xs = [rechain.Variable(x) for x in _time_major(seqs)]
    has_cell = KINDS[kind][2]

    def block(*vs):
        vs = list(vs)
        h_ = vs.pop(0)
        c_ = vs.pop(0) if has_cell else None
        hy, cy, ys = _call(kind, n_layers, ratio, h_, c_, w_vars, b_vars, vs)
        return (hy,) + (() if cy is None else (cy,)) + tuple(ys)

    args = [h] + ([c] if has_cell else []) + xs
    outs = F.forget(block, *args) if use_forget else block(*args)
    state_after_forward = rechain.random.get_state()
    loss = sum(F.sum(o * o) for o in outs)
    loss.backward()
    assert rechain.random.get_state() == state_after_forward
    result = [o.array for o in outs] + [a.grad for a in args]
    result += [p.grad for w in w_vars + b_vars for p in w]
    return result


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_forget_matches_the_plain_run(kind):
    problem = _problem(kind, 2, [3, 2, 1], seed=3)
    plain = _grads_run(kind, 2, 0.0, problem, False)
    forgot = _grads_run(kind, 2, 0.0, problem, True)
    assert len(plain) == len(forgot)
    for a, b in zip(plain, forgot):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["lstm", "bilstm", "bigru", "birnn_relu"])
def test_dropout_replays_under_forget(kind):
    problem = _problem(kind, 2, [3, 2, 1], seed=4)
    plain = _grads_run(kind, 2, 0.5, problem, False)
    forgot = _grads_run(kind, 2, 0.5, problem, True)
    for a, b in zip(plain, forgot):
        numpy.testing.assert_array_equal(a, b)
    no_dropout = _grads_run(kind, 2, 0.0, problem, False)
    assert not numpy.array_equal(plain[0], no_dropout[0])  # the masks did something


def test_dropout_only_between_layers_and_only_in_training():
    kind = "lstm"
    hx, cx, ws, bs, seqs = _problem(kind, 2, [3, 2, 1], seed=5)
    xs = _time_major(seqs)
    base = _call(kind, 2, 0.0, hx, cx, ws, bs, xs)[0].array
    with rechain.using_config("train", False):
        numpy.testing.assert_array_equal(_call(kind, 2, 0.9, hx, cx, ws, bs, xs)[0].array,
                                         base)
    # the first layer never sees dropout: its final state is unchanged
    dropped = _call(kind, 2, 0.9, hx, cx, ws, bs, xs)[0].array
    numpy.testing.assert_array_equal(dropped[0], base[0])
    assert not numpy.array_equal(dropped[1], base[1])
    # one layer: nothing to drop, nothing drawn
    one = _problem(kind, 1, [3, 2, 1], seed=5)
    state = rechain.random.get_state()
    a = _call(kind, 1, 0.9, one[0], one[1], one[2], one[3], _time_major(one[4]))[0].array
    assert rechain.random.get_state() == state
    b = _call(kind, 1, 0.0, one[0], one[1], one[2], one[3], _time_major(one[4]))[0].array
    numpy.testing.assert_array_equal(a, b)


def test_dropout_is_reproducible_from_the_seed():
    kind = "bigru"
    hx, cx, ws, bs, seqs = _problem(kind, 2, [3, 2, 1], seed=6)
    xs = _time_major(seqs)
    rechain.random.seed(3)
    a = _call(kind, 2, 0.5, hx, cx, ws, bs, xs)[0].array
    b = _call(kind, 2, 0.5, hx, cx, ws, bs, xs)[0].array
    rechain.random.seed(3)
    c = _call(kind, 2, 0.5, hx, cx, ws, bs, xs)[0].array
    numpy.testing.assert_array_equal(a, c)
    assert not numpy.array_equal(a, b)


def test_sequences_that_end_keep_their_state():
    hx, cx, ws, bs, seqs = _problem("lstm", 1, [3, 1], seed=8)
    hy, cy, ys = F.n_step_lstm(1, 0.0, hx, cx, ws, bs, _time_major(seqs))
    numpy.testing.assert_array_equal(hy.array[0, 1], ys[0].array[1])
    numpy.testing.assert_array_equal(hy.array[0, 0], ys[2].array[0])


def test_extra_rows_of_hx_pass_through():
    hx, cx, ws, bs, seqs = _problem("bilstm", 1, [2, 1], batch=4, seed=9)
    hy, cy, ys = F.n_step_bilstm(1, 0.0, hx, cx, ws, bs, _time_major(seqs))
    numpy.testing.assert_array_equal(hy.array[:, 2:], hx[:, 2:])
    numpy.testing.assert_array_equal(cy.array[:, 2:], cx[:, 2:])


# -- bad input ----------------------------------------------------------------------

def _lstm_args(**over):
    hx, cx, ws, bs, seqs = _problem("lstm", 2, [3, 2, 1], in_size=2, hidden=3,
                                    dtype=numpy.float32)
    args = dict(n_layers=2, dropout_ratio=0.0, hx=hx, cx=cx, ws=ws, bs=bs,
                xs=_time_major(seqs))
    args.update(over)
    return args


def test_wrong_hx_shape():
    hx = numpy.zeros((3, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r"n_step_lstm: hx must have shape \(n_layers \* 1 "
                                          r"= 2, batch, hidden\), got \(3, 3, 3\)"):
        F.n_step_lstm(**_lstm_args(hx=hx, cx=hx))
    with pytest.raises(InvalidType, match=r"n_step_lstm: cx \(2, 3, 2\) must have the same "
                                          r"shape as hx \(2, 3, 3\)"):
        F.n_step_lstm(**_lstm_args(cx=numpy.zeros((2, 3, 2), numpy.float32)))
    with pytest.raises(InvalidType, match=r"n_step_bigru: hx must have shape \(n_layers \* 2 "
                                          r"= 2, batch, hidden\), got \(1, 2, 3\)"):
        F.n_step_bigru(1, 0.0, numpy.zeros((1, 2, 3)), [[numpy.zeros((3, 2))] * 6] * 2,
                       [[numpy.zeros(3)] * 6] * 2, [numpy.zeros((2, 2))])
    with pytest.raises(TypeError, match=r"n_step_rnn: hx must be a Variable or an ndarray"):
        F.n_step_rnn(1, 0.0, None, [[numpy.zeros((3, 2)), numpy.zeros((3, 3))]],
                     [[numpy.zeros(3)] * 2], [numpy.zeros((2, 2))])


def test_hx_batch_smaller_than_the_first_step():
    hx = numpy.zeros((2, 2, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r"n_step_lstm: xs\[0\] \(3, 2\) has batch size 3, "
                                          r"larger than the batch size 2 of hx \(2, 2, 3\)"):
        F.n_step_lstm(**_lstm_args(hx=hx, cx=hx))


def test_unsorted_batches():
    args = _lstm_args()
    xs = args["xs"]
    args["xs"] = [xs[2], xs[0], xs[1]]
    with pytest.raises(InvalidType, match=r"n_step_lstm: the batch sizes of xs must not "
                                          r"increase .* but xs\[1\] has batch size 3 > "
                                          r"batch size 1 of xs\[0\]"):
        F.n_step_lstm(**args)


def test_wrong_number_of_weights():
    args = _lstm_args()
    with pytest.raises(ValueError, match=r"n_step_lstm: ws must hold n_layers \* 1 = 2 "
                                         r"lists of weight matrices .*, got 1"):
        F.n_step_lstm(**dict(args, ws=args["ws"][:1]))
    ws = [list(args["ws"][0]), args["ws"][1][:7]]
    with pytest.raises(ValueError, match=r"n_step_lstm: ws\[1\] must hold 8 weight "
                                         r"matrices, got 7"):
        F.n_step_lstm(**dict(args, ws=ws))
    bs = [args["bs"][0], args["bs"][1] + [args["bs"][1][0]]]
    with pytest.raises(ValueError, match=r"n_step_lstm: bs\[1\] must hold 8 bias vectors, "
                                         r"got 9"):
        F.n_step_lstm(**dict(args, bs=bs))
    with pytest.raises(TypeError, match=r"n_step_lstm: ws\[0\] must be a list of 8 weight "
                                        r"matrices, not ndarray"):
        F.n_step_lstm(**dict(args, ws=[numpy.zeros((3, 2))] * 2))


def test_wrong_weight_shapes():
    args = _lstm_args()
    ws = [list(w) for w in args["ws"]]
    ws[1][2] = numpy.zeros((3, 2), numpy.float32)  # layer 1 takes 3 inputs
    with pytest.raises(InvalidType, match=r"n_step_lstm: ws\[1\]\[2\] must have shape "
                                          r"\(3, 3\) \(layer 1, input weight"):
        F.n_step_lstm(**dict(args, ws=ws))
    bs = [list(b) for b in args["bs"]]
    bs[0][5] = numpy.zeros(2, numpy.float32)
    with pytest.raises(InvalidType, match=r"n_step_lstm: bs\[0\]\[5\] must have shape "
                                          r"\(3,\), got \(2,\)"):
        F.n_step_lstm(**dict(args, bs=bs))
    xs = [numpy.zeros((3, 4), numpy.float32)]
    with pytest.raises(InvalidType, match=r"n_step_lstm: xs\[0\] \(3, 4\) has 4 features but "
                                          r"ws\[0\]\[0\] \(3, 2\) expects 2"):
        F.n_step_lstm(**dict(args, xs=xs))


def test_dtype_mismatch():
    args = _lstm_args()
    xs = [x.astype(numpy.float64) for x in args["xs"]]
    with pytest.raises(InvalidType, match=r"n_step_lstm: xs\[0\] has dtype float64 but hx "
                                          r"has dtype float32"):
        F.n_step_lstm(**dict(args, xs=xs))


def test_bad_scalars_and_activation():
    with pytest.raises(ValueError, match=r"n_step_lstm: n_layers must be a positive int, "
                                         r"got 0"):
        F.n_step_lstm(**_lstm_args(n_layers=0))
    with pytest.raises(ValueError, match=r"n_step_lstm: dropout_ratio must be a float in "
                                         r"\[0, 1\), got 1.0"):
        F.n_step_lstm(**_lstm_args(dropout_ratio=1.0))
    hx, _, ws, bs, seqs = _problem("rnn_tanh", 1, [2])
    with pytest.raises(ValueError, match=r"n_step_rnn: activation must be 'tanh' or 'relu', "
                                         r"got 'sigmoid'"):
        F.n_step_rnn(1, 0.0, hx, ws, bs, _time_major(seqs), activation="sigmoid")
    with pytest.raises(ValueError, match=r"n_step_lstm: xs must hold at least one time step"):
        F.n_step_lstm(**_lstm_args(xs=[]))
