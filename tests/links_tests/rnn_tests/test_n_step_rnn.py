"""The L.NStep* links: parameters, npz layout, sorting, forget, bad input."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import serializers
from rechain.utils.type_check import InvalidType

# class: (weights per set, has a cell, directions, kind of cell)
LINKS = {
    L.NStepLSTM: (8, True, 1, "lstm"),
    L.NStepBiLSTM: (8, True, 2, "lstm"),
    L.NStepGRU: (6, False, 1, "gru"),
    L.NStepBiGRU: (6, False, 2, "gru"),
    L.NStepRNNTanh: (2, False, 1, "tanh"),
    L.NStepRNNReLU: (2, False, 1, "relu"),
    L.NStepBiRNNTanh: (2, False, 2, "tanh"),
    L.NStepBiRNNReLU: (2, False, 2, "relu"),
}
CLASSES = list(LINKS)
IDS = [c.__name__ for c in CLASSES]


def _sig(v):
    return 1 / (1 + numpy.exp(-v))


def _cell(kind, x, h, c, w, b):
    if kind == "lstm":
        def pre(k):
            return w[k] @ x + b[k] + w[k + 4] @ h + b[k + 4]
        c = _sig(pre(1)) * c + _sig(pre(0)) * numpy.tanh(pre(2))
        return _sig(pre(3)) * numpy.tanh(c), c
    if kind == "gru":
        r = _sig(w[0] @ x + b[0] + w[3] @ h + b[3])
        z = _sig(w[1] @ x + b[1] + w[4] @ h + b[4])
        n = numpy.tanh(w[2] @ x + b[2] + r * (w[5] @ h + b[5]))
        return (1 - z) * n + z * h, None
    z = w[0] @ x + b[0] + w[1] @ h + b[1]
    return (numpy.tanh(z) if kind == "tanh" else numpy.maximum(z, 0)), None


def _reference(link, hx, cx, seqs):
    """Every sequence on its own, from the link's parameters."""
    _, _, directions, kind = LINKS[type(link)]
    ws = [[p.array.astype(numpy.float64) for p in w] for w in link.ws]
    bs = [[p.array.astype(numpy.float64) for p in b] for b in link.bs]
    hy, cy, ys = hx.copy(), None if cx is None else cx.copy(), []
    for s, seq in enumerate(seqs):
        inp = seq.astype(numpy.float64)
        for layer in range(link.n_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                h, c = hx[k, s], None if cx is None else cx[k, s]
                out = numpy.zeros((len(seq), link.out_size))
                for t in (range(len(seq)) if d == 0 else reversed(range(len(seq)))):
                    h, c = _cell(kind, inp[t], h, c, ws[k], bs[k])
                    out[t] = h
                hy[k, s] = h
                if cy is not None:
                    cy[k, s] = c
                outs.append(out)
            inp = numpy.concatenate(outs, axis=1)
        ys.append(inp)
    return hy, cy, ys


def _make(cls, n_layers=2, in_size=3, out_size=4, dropout=0.0, dtype=numpy.float64):
    with rechain.using_config("dtype", numpy.dtype(dtype)):
        link = cls(n_layers, in_size, out_size, dropout)
    rng = numpy.random.default_rng(0)
    for p in link.params():  # non-zero biases, so that they are tested too
        p.array[...] = rng.uniform(-0.6, 0.6, p.shape)
    return link


def _call(link, hx, cx, xs):
    if LINKS[type(link)][1]:
        return link(hx, cx, xs)
    hy, ys = link(hx, xs)
    return hy, None, ys


def _seqs(lengths, in_size=3, dtype=numpy.float64, seed=1):
    rng = numpy.random.default_rng(seed)
    return [rng.uniform(-1, 1, (n, in_size)).astype(dtype) for n in lengths]


def _states(link, batch, seed=2):
    rng = numpy.random.default_rng(seed)
    shape = (link.n_layers * link.direction, batch, link.out_size)
    hx = rng.uniform(-1, 1, shape)
    cx = rng.uniform(-1, 1, shape) if LINKS[type(link)][1] else None
    return hx, cx


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_parameter_names_and_shapes_follow_chainer(cls):
    n_w, _, directions, _ = LINKS[cls]
    link = cls(2, 3, 4, 0.0)
    assert len(link) == 2 * directions
    names = {name: p.shape for name, p in link.namedparams()}
    expected = {}
    for i in range(2 * directions):
        for j in range(n_w):
            w_in = 4 if j >= n_w // 2 else (3 if i < directions else 4 * directions)
            expected[f"/{i}/w{j}"] = (4, w_in)
            expected[f"/{i}/b{j}"] = (4,)
    assert names == expected
    assert link.ws[1][0] is link[1].w0 and link.bs[0][n_w - 1] is getattr(link[0],
                                                                          f"b{n_w - 1}")
    assert link.n_cells == (2 if LINKS[cls][1] else 1)


@pytest.mark.parametrize("cls", [L.NStepLSTM, L.NStepBiGRU], ids=["NStepLSTM", "NStepBiGRU"])
def test_npz_keys_and_round_trip(cls, tmp_path):
    link = _make(cls, dtype=numpy.float32)
    path = tmp_path / "rnn.npz"
    serializers.save_npz(str(path), link)
    with numpy.load(str(path)) as f:
        keys = set(f.files)
    n_w = LINKS[cls][0]
    assert keys == {f"{i}/{kind}{j}" for i in range(len(link)) for j in range(n_w)
                    for kind in ("w", "b")}
    other = cls(2, 3, 4, 0.0)
    serializers.load_npz(str(path), other)
    for (name, p), (_, q) in zip(sorted(link.namedparams()), sorted(other.namedparams())):
        numpy.testing.assert_array_equal(p.array, q.array, err_msg=name)


def test_default_initialisation():
    link = L.NStepLSTM(1, 50, 40, 0.0)
    w = link[0].w0.array
    assert w.dtype == numpy.float32
    assert 0.8 / numpy.sqrt(50) < w.std() < 1.2 / numpy.sqrt(50)  # LeCunNormal, fan-in 50
    assert 0.8 / numpy.sqrt(40) < link[0].w4.array.std() < 1.2 / numpy.sqrt(40)
    numpy.testing.assert_array_equal(link[0].b3.array, 0)
    custom = L.NStepGRU(1, 2, 3, 0.0, initialW=0.5, initial_bias=1.0)
    numpy.testing.assert_array_equal(custom[0].w5.array, 0.5)
    numpy.testing.assert_array_equal(custom[0].b0.array, 1.0)


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
@pytest.mark.parametrize("lengths", [[2, 3, 1], [1, 1], [3, 1, 3]])
def test_forward_matches_reference_in_any_order(cls, lengths):
    link = _make(cls)
    seqs = _seqs(lengths)
    hx, cx = _states(link, len(seqs))
    hy, cy, ys = _call(link, hx, cx, seqs)
    r_hy, r_cy, r_ys = _reference(link, hx, cx, seqs)
    numpy.testing.assert_allclose(hy.array, r_hy, rtol=1e-12, atol=1e-12)
    if r_cy is not None:
        numpy.testing.assert_allclose(cy.array, r_cy, rtol=1e-12, atol=1e-12)
    assert isinstance(ys, list) and len(ys) == len(seqs)
    for y, r in zip(ys, r_ys):
        numpy.testing.assert_allclose(y.array, r, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls", [L.NStepBiLSTM, L.NStepGRU], ids=["NStepBiLSTM", "NStepGRU"])
def test_none_states_are_zeros(cls):
    link = _make(cls, dtype=numpy.float32)
    seqs = _seqs([2, 3], dtype=numpy.float32)
    hx, cx = _states(link, 2)
    zeros = numpy.zeros_like(hx, dtype=numpy.float32)
    a = _call(link, None, None, seqs)
    b = _call(link, zeros, None if cx is None else zeros, seqs)
    numpy.testing.assert_array_equal(a[0].array, b[0].array)
    assert a[0].dtype == numpy.float32
    for y, z in zip(a[2], b[2]):
        numpy.testing.assert_array_equal(y.array, z.array)


def _train_run(link, hx, cx, seqs, use_forget, seed=5):
    rechain.random.seed(seed)
    link.cleargrads()
    has_cell = LINKS[type(link)][1]
    h = rechain.Variable(hx.copy())
    c = rechain.Variable(cx.copy()) if has_cell else None
    xs = [rechain.Variable(s.copy()) for s in seqs]

    def block(*vs):
        vs = list(vs)
        h_ = vs.pop(0)
        c_ = vs.pop(0) if has_cell else None
        hy, cy, ys = _call(link, h_, c_, vs)
        return (hy,) + (() if cy is None else (cy,)) + tuple(ys)

    args = [h] + ([c] if has_cell else []) + xs
    outs = F.forget(block, *args) if use_forget else block(*args)
    loss = sum(F.sum(o * o) for o in outs)
    loss.backward()
    return ([o.array for o in outs] + [a.grad for a in args]
            + [p.grad for _, p in sorted(link.namedparams())])


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
@pytest.mark.parametrize("dropout", [0.0, 0.4])
def test_forget_gives_the_plain_outputs_and_gradients(cls, dropout):
    link = _make(cls, dropout=dropout)
    seqs = _seqs([2, 3, 1])
    hx, cx = _states(link, 3)
    plain = _train_run(link, hx, cx, seqs, False)
    forgot = _train_run(link, hx, cx, seqs, True)
    assert len(plain) == len(forgot)
    for a, b in zip(plain, forgot):
        numpy.testing.assert_array_equal(a, b)
    if dropout:
        link.dropout = 0.0
        assert not numpy.array_equal(_train_run(link, hx, cx, seqs, False)[0], plain[0])


def test_dropout_off_in_test_mode():
    link = _make(L.NStepLSTM, dropout=0.9)
    seqs = _seqs([2, 3])
    with rechain.using_config("train", False):
        hy = link(None, None, seqs)[0].array
    link.dropout = 0.0
    numpy.testing.assert_array_equal(link(None, None, seqs)[0].array, hy)


def test_gradients_reach_inputs_and_states():
    link = _make(L.NStepBiLSTM)
    seqs = [rechain.Variable(s) for s in _seqs([2, 3])]
    hx, cx = (rechain.Variable(a) for a in _states(link, 2))
    hy, cy, ys = link(hx, cx, seqs)
    F.sum(hy).backward()
    assert all(s.grad is not None and numpy.abs(s.grad).sum() > 0 for s in seqs)
    assert numpy.abs(hx.grad).sum() > 0 and numpy.abs(cx.grad).sum() > 0


def test_copy_shares_parameters():
    link = L.NStepGRU(1, 2, 3, 0.0)
    twin = link.copy()
    assert twin.ws[0][0] is not None and twin[0].w0.array is link[0].w0.array
    deep = link.copy("copy")
    assert deep.ws[0][0] is deep[0].w0 and deep[0].w0 is not link[0].w0


# -- bad input ----------------------------------------------------------------------

def test_wrong_hx_shape():
    link = L.NStepLSTM(2, 3, 4, 0.0)
    seqs = _seqs([2, 1], dtype=numpy.float32)
    bad = numpy.zeros((2, 3, 4), numpy.float32)
    with pytest.raises(InvalidType, match=r"NStepLSTM: hx must have shape \(2, 2, 4\) "
                                          r"\(n_layers \* 1, len\(xs\), out_size\), got "
                                          r"\(2, 3, 4\)"):
        link(bad, None, seqs)
    with pytest.raises(InvalidType, match=r"NStepLSTM: cx must have shape \(2, 2, 4\)"):
        link(None, bad, seqs)
    bi = L.NStepBiGRU(1, 3, 4, 0.0)
    with pytest.raises(InvalidType, match=r"NStepBiGRU: hx must have shape \(2, 2, 4\) "
                                          r"\(n_layers \* 2"):
        bi(numpy.zeros((1, 2, 4), numpy.float32), seqs)


def test_bad_sequences():
    link = L.NStepRNNTanh(1, 3, 4, 0.0)
    with pytest.raises(TypeError, match=r"NStepRNNTanh: xs must be a list of sequences"):
        link(None, numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(ValueError, match=r"NStepRNNTanh: xs must hold at least one sequence"):
        link(None, [])
    with pytest.raises(InvalidType, match=r"NStepRNNTanh: xs\[1\] must have shape \(length, "
                                          r"3\), got \(2, 2\)"):
        link(None, [numpy.zeros((2, 3), numpy.float32), numpy.zeros((2, 2), numpy.float32)])
    with pytest.raises(InvalidType, match=r"NStepRNNTanh: xs\[0\] is empty"):
        link(None, [numpy.zeros((0, 3), numpy.float32)])


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match=r"NStepLSTM: n_layers must be a positive int, got 0"):
        L.NStepLSTM(0, 3, 4, 0.0)
    with pytest.raises(ValueError, match=r"NStepGRU: in_size must be a positive int"):
        L.NStepGRU(1, None, 4, 0.0)
    with pytest.raises(ValueError, match=r"NStepBiLSTM: dropout must be a float in \[0, 1\), "
                                         r"got 1.5"):
        L.NStepBiLSTM(1, 3, 4, 1.5)


@pytest.mark.gpu
@pytest.mark.parametrize("cls", [L.NStepBiLSTM, L.NStepGRU, L.NStepRNNReLU],
                         ids=["NStepBiLSTM", "NStepGRU", "NStepRNNReLU"])
def test_gpu_matches_cpu(cls):
    cupy = rechain.backend.cupy
    link = _make(cls, dropout=0.0, dtype=numpy.float32)
    seqs = _seqs([2, 3, 1], dtype=numpy.float32)
    hx, cx = _states(link, 3)
    hx = hx.astype(numpy.float32)
    cx = None if cx is None else cx.astype(numpy.float32)
    cpu = _train_run(link, hx, cx, seqs, False)
    link.to_gpu()
    gpu = _train_run(link, cupy.asarray(hx), None if cx is None else cupy.asarray(cx),
                     [cupy.asarray(s) for s in seqs], True)
    for a, b in zip(cpu, gpu):
        numpy.testing.assert_allclose(cupy.asnumpy(b), a, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", [L.NStepLSTM, L.NStepBiGRU], ids=["NStepLSTM", "NStepBiGRU"])
def test_learns_to_classify_by_the_first_step(cls):
    # The label is the sign of the first step's first feature, and sequences
    # have 1-6 steps: the final state must carry it through every length.
    rng = numpy.random.default_rng(0)
    rechain.random.seed(0)
    numpy.random.seed(0)

    class Net(rechain.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.rnn = cls(1, 2, 8, 0.0)
                self.out = L.Linear(8 * self.rnn.direction, 2)

        def forward(self, xs):
            hy = self.rnn(None, None, xs)[0] if LINKS[cls][1] else self.rnn(None, xs)[0]
            return self.out(F.concat(F.separate(hy, 0), axis=1)[:, -8 * self.rnn.direction:])

    def batch(n):
        xs = [rng.standard_normal((int(k), 2)).astype(numpy.float32)
              for k in rng.integers(1, 7, n)]
        return xs, numpy.array([int(x[0, 0] > 0) for x in xs], numpy.int32)

    net = Net()
    opt = rechain.optimizers.Adam(0.05)
    opt.setup(net)
    for _ in range(60):
        xs, t = batch(32)
        loss = F.softmax_cross_entropy(net(xs), t)
        net.cleargrads()
        loss.backward()
        opt.update()
    xs, t = batch(200)
    with rechain.using_config("train", False):
        accuracy = float((net(xs).array.argmax(axis=1) == t).mean())
    assert accuracy > 0.9
