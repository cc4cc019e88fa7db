"""rechain.recompute.budget, selective, checkpoint (recompute/eviction.py,
policies.py, account.py)."""

import gc
import tracemalloc

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain.recompute import account as A
from rechain.recompute import eviction as B
from rechain.recompute import policies as S

MiB = 2 ** 20


class Net(rechain.Chain):
    """Not a chain of blocks: residual adds, two activations, dropout, a skip
    from the first layer to the head."""

    def __init__(self, n=6, w=128, dropout=0.1):
        super().__init__()
        self.dropout = dropout
        with self.init_scope():
            self.ls = rechain.ChainList(*[L.Linear(w, w) for _ in range(n)])
            self.out = L.Linear(w, 10)

    def forward(self, x, t):
        h = x
        first = None
        for i, link in enumerate(self.ls):
            h = h + F.relu(link(h)) if i % 2 else F.tanh(link(h))
            if self.dropout:
                h = F.dropout(h, self.dropout)
            if first is None:
                first = h
        return F.softmax_cross_entropy(self.out(h + first), t)


def _batch(rng, n=256, w=128):
    x = rng.normal(size=(n, w)).astype(numpy.float32)
    t = rng.integers(0, 10, n).astype(numpy.int32)
    return x, t


def _train(limit, steps=3, make=Net, **kw):
    """Parameters after ``steps`` SGD steps; the last step's budget stats."""
    rechain.random.seed(0)
    numpy.random.seed(0)
    model = make(**kw)
    opt = rechain.optimizers.MomentumSGD(0.05)
    opt.setup(model)
    rng = numpy.random.default_rng(0)
    stats = None
    for _ in range(steps):
        x, t = _batch(rng)
        if limit is None:
            loss = model(x, t)
            model.cleargrads()
            loss.backward()
        else:
            with B.budget(limit) as b:
                loss = model(x, t)
                model.cleargrads()
                loss.backward()
            stats = b.stats
        opt.update()
        del loss
    return [p.array.copy() for p in model.params()], stats


def _plain_saved_bytes(**kw):
    rechain.random.seed(0)
    model = Net(**kw)
    x, t = _batch(numpy.random.default_rng(0))
    with B.budget(2 ** 40) as b:
        model(x, t)
    return b.stats["peak_saved_bytes"]


@pytest.mark.parametrize("fraction", [1.0, 0.6, 0.45])
def test_gradients_bitwise_equal_to_the_plain_run(fraction):
    plain, _ = _train(None)
    limit = int(_plain_saved_bytes() * fraction)
    got, stats = _train(limit)
    for a, b in zip(plain, got):
        numpy.testing.assert_array_equal(a, b)
    if fraction < 1:
        assert stats["evictions"] > 0 and stats["recomputations"] > 0
    else:
        assert stats["evictions"] == 0 and stats["recomputations"] == 0


def test_peak_of_saved_arrays_stays_near_the_limit():
    full = _plain_saved_bytes(dropout=0)
    for fraction in (0.6, 0.45):
        limit = int(full * fraction)
        _, stats = _train(limit, steps=1, dropout=0)
        one_array = 256 * 128 * 4
        # at most what one op needs at once over: a re-run's input and output
        assert stats["peak_saved_bytes"] <= limit + 2 * one_array, (fraction, stats)
        assert stats["peak_saved_bytes"] < full


def test_traced_peak_is_below_the_plain_runs():
    def peak(limit):
        rechain.random.seed(0)
        model = Net(dropout=0)
        x, t = _batch(numpy.random.default_rng(0))
        model(x, t)  # parameters initialised before tracing
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            if limit is None:
                loss = model(x, t)
                loss.backward()
            else:
                with B.budget(limit):
                    loss = model(x, t)
                    loss.backward()
            del loss
            return tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
    plain = peak(None)
    full = _plain_saved_bytes(dropout=0)
    budgeted = peak(int(full * 0.45))
    assert budgeted < plain - full * 0.25, (plain, budgeted, full)


def test_forget_inside_a_budget():
    def make():
        class M(Net):
            def forward(self, x, t):
                h = F.forget(lambda a: F.relu(self.ls[0](a)), x)
                for link in self.ls[1:]:
                    h = F.tanh(link(h))
                return F.softmax_cross_entropy(self.out(h), t)
        return M()
    plain, _ = _train(None, make=make)
    got, stats = _train(200_000, make=make)
    assert stats["evictions"] > 0
    for a, b in zip(plain, got):
        numpy.testing.assert_array_equal(a, b)


def test_two_losses_through_an_evicted_part_with_an_update_in_between():
    """dcgan's pattern: backward one loss, update, backward another through
    the same (evicted) graph: the second rebuild sees forward-time weights."""
    def step(limit):
        rechain.random.seed(0)
        model = Net(dropout=0)
        head = L.Linear(10, 1)
        opt = rechain.optimizers.SGD(0.1)
        opt.setup(model)
        x, t = _batch(numpy.random.default_rng(1))
        ctx = B.budget(limit) if limit else rechain.using_config("train", True)
        with ctx:
            h = model.out(F.tanh(model.ls[1](F.tanh(model.ls[0](x)))))
            loss1 = F.softmax_cross_entropy(h, t)
            loss2 = F.sum(head(h))
            model.cleargrads()
            loss1.backward(retain_graph=True)
            opt.update()
            model.cleargrads()
            loss2.backward()
        return [None if p.grad is None else p.grad.copy() for p in model.params()]
    plain = step(None)
    got = step(200_000)
    assert sum(g is not None for g in plain) == 6
    for a, b in zip(plain, got):
        if a is None:
            assert b is None
        else:
            numpy.testing.assert_array_equal(a, b)


def test_a_budget_around_many_steps_keeps_nothing_of_old_graphs():
    rechain.random.seed(0)
    model = Net()
    opt = rechain.optimizers.SGD(0.05)
    opt.setup(model)
    rng = numpy.random.default_rng(0)
    with B.budget(150_000) as b:
        for _ in range(4):
            x, t = _batch(rng)
            loss = model(x, t)
            model.cleargrads()
            loss.backward()
            opt.update()
            del loss, x, t
            gc.collect()
            assert not b._sweep      # its scoring cache held nodes, and so whole graphs
            assert b.entries == {} and b.resident == 0
    assert b.stats["evictions"] > 0


def test_variable_length_lstm_under_a_budget():
    class LM(rechain.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.embed = L.EmbedID(20, 16)
                self.rnn = L.LSTM(16, 32)
                self.out = L.Linear(32, 20)

        def forward(self, seqs):
            self.rnn.reset_state()
            loss = 0
            for t in range(max(len(s) for s in seqs) - 1):
                # the batch shrinks as sequences end (sorted by length)
                live = [s for s in seqs if len(s) > t + 1]
                x = numpy.array([s[t] for s in live], numpy.int32)
                y = numpy.array([s[t + 1] for s in live], numpy.int32)
                h = self.rnn(self.embed(x))
                loss = loss + F.softmax_cross_entropy(self.out(h), y)
            return loss

    def run(limit):
        rechain.random.seed(0)
        model = LM()
        opt = rechain.optimizers.Adam()
        opt.setup(model)
        rng = numpy.random.default_rng(3)
        stats = None
        for _ in range(3):
            lengths = sorted(rng.integers(3, 9, 6), reverse=True)
            seqs = [rng.integers(0, 20, n) for n in lengths]
            if limit:
                with B.budget(limit) as b:
                    loss = model(seqs)
                    model.cleargrads()
                    loss.backward()
                stats = b.stats
            else:
                loss = model(seqs)
                model.cleargrads()
                loss.backward()
            opt.update()
        return [p.array.copy() for p in model.params()], stats
    plain, _ = run(None)
    got, stats = run(6_000)
    assert stats["evictions"] > 0
    for a, b in zip(plain, got):
        numpy.testing.assert_array_equal(a, b)


# -- selective recomputation ---------------------------------------------------------

def _count_reruns(monkeypatch):
    counts = {}
    real = rechain.function_node._rerun

    def counting(g, in_data):
        counts[g.label] = counts.get(g.label, 0) + 1
        return real(g, in_data)
    monkeypatch.setattr(rechain.function_node, "_rerun", counting)
    return counts


def test_dots_saveable_reruns_only_the_cheap_ops(monkeypatch):
    rechain.random.seed(0)
    model = Net(dropout=0)
    x, t = _batch(numpy.random.default_rng(0))
    loss = model(x, t)
    model.cleargrads()
    loss.backward()
    plain = [p.grad.copy() for p in model.params()]

    counts = _count_reruns(monkeypatch)
    with S.selective(S.dots_saveable) as s:
        loss = model(x, t)
    model.cleargrads()
    loss.backward()
    assert s.stats["evictions"] > 0
    assert counts and "LinearFunction" not in counts, counts
    for a, b in zip(plain, (p.grad for p in model.params())):
        numpy.testing.assert_array_equal(a, b)


def test_checkpoint_with_nothing_saveable_keeps_only_the_inputs_and_outputs():
    rechain.random.seed(0)
    lin = L.Linear(64, 64)
    x = rechain.Variable(numpy.random.default_rng(0).normal(size=(32, 64)).astype("f"))

    def f(a):
        return F.tanh(lin(F.relu(lin(a))))

    y = S.checkpoint(f, x, policy=S.nothing_saveable)
    F.sum(y).backward()
    gx = x.grad.copy()
    kept = [d for fn in _nodes(y) for _, _, d in rechain.function_node.retained_arrays(fn)
            if d is not None]
    # tanh keeps its output (the block's output, alive); the first Linear keeps x;
    # the relu output and the inner Linear's input were evicted
    assert all(d is x.array or d is lin.W.array for d in kept) or kept == []
    x.cleargrad()
    F.sum(f(x)).backward()
    numpy.testing.assert_array_equal(gx, x.grad)


def _nodes(y):
    seen, stack = [], [y.creator]
    while stack:
        f = stack.pop()
        if f is None or f in seen:
            continue
        seen.append(f)
        stack.extend(n.creator for n in f.inputs or ())
    return seen


def test_save_only_policy_by_label(monkeypatch):
    counts = _count_reruns(monkeypatch)
    rechain.random.seed(0)
    model = Net(dropout=0)
    x, t = _batch(numpy.random.default_rng(0))
    with S.selective(S.save_only("Tanh")):
        loss = model(x, t)
    loss.backward()
    assert "Tanh" not in counts


# -- errors ------------------------------------------------------------------------

@pytest.mark.parametrize("limit, error, text", [
    (0.5, ValueError, "not a whole number of bytes"),
    ("lots", ValueError, "budget: cannot read"),
    (True, TypeError, "not bool"),
    (0, ValueError, "must be positive"),
    ([1], TypeError, "budget"),
])
def test_bad_limits(limit, error, text):
    with pytest.raises(error, match=text):
        B.budget(limit)


def test_a_budget_cannot_start_inside_forget():
    x = rechain.Variable(numpy.ones((2, 2), numpy.float32))

    def f(a):
        with B.budget("1MiB"):
            return a * 2
    with pytest.raises(RuntimeError, match="cannot start inside F.forget"):
        F.forget(f, x)


def test_a_budget_object_is_used_once_at_a_time():
    b = B.budget("1MiB")
    with b:
        with pytest.raises(RuntimeError, match="already in use"):
            with b:
                pass


def test_policy_must_return_a_bool():
    x = rechain.Variable(numpy.ones((2, 2), numpy.float32))
    with pytest.raises(TypeError, match="must return True"):
        with S.selective(lambda op, shapes, nbytes: "yes"):
            F.tanh(x)
    with pytest.raises(TypeError, match="policy must be a callable"):
        S.selective(3)


def test_the_node_being_rebuilt_keeps_its_refilled_arrays():
    """A rebuild of a node's inputs may evict, but never the node's own arrays
    just refilled (BatchNormalization's statistics came back None: resnet at 0.3)."""
    from rechain import zoo
    model, batch_fn, loss_fn = zoo.make("resnet", "small")
    with B.budget("1TiB") as b:
        loss_fn(model, *batch_fn(0)).backward()
    plain_bytes = b.stats["peak_saved_bytes"]
    grads = {}
    for limit in (None, int(0.3 * plain_bytes)):
        model, batch_fn, loss_fn = zoo.make("resnet", "small")
        rechain.random.seed(0)
        ctx = B.budget(limit) if limit else rechain.using_config("train", True)
        with ctx:
            loss = loss_fn(model, *batch_fn(0))
            model.cleargrads()
            loss.backward()
        grads[limit] = [p.grad.copy() for p in model.params()]
    for a, b_ in zip(*grads.values()):
        numpy.testing.assert_array_equal(a, b_)


def test_a_limit_below_one_ops_needs_is_an_error():
    lin = L.Linear(256, 256)
    x = numpy.ones((512, 256), numpy.float32)
    with pytest.raises(B.BudgetError, match=r"budget: Linear saves 0.50 MiB for its "
                                            r"backward, .* limit of 0.10 MiB"):
        with B.budget(100_000):
            lin(x)


def test_arrays_live_variables_hold_exceed_the_limit_with_one_warning():
    lin = L.Linear(256, 256)
    x = numpy.ones((512, 256), numpy.float32)
    with pytest.warns(B.BudgetWarning, match="cannot go under the limit") as record:
        with B.budget(1_600_000) as b:
            hs = [x]
            for _ in range(4):
                hs.append(F.tanh(lin(hs[-1])))    # every result kept alive
    assert len(record) == 1 and b.stats["over_budget"] >= 2


def test_every_dot_op_the_cost_model_names_exists():
    """A renamed contraction op would silently become "cheap" to the budget
    and to dots_saveable."""
    names = set()
    stack = [rechain.function_node.FunctionNode]
    while stack:
        for sub in stack.pop().__subclasses__():
            names.add(sub.__name__)
            stack.append(sub)
    assert A._DOT_OPS <= names, sorted(A._DOT_OPS - names)
    lin = L.Linear(3, 2)
    y = lin(numpy.ones((4, 3), numpy.float32))
    assert A.is_dot(y.creator) and S.dots_saveable(y.creator, ((4, 3),), 32)
    assert not A.is_dot(F.relu(y).creator)


# -- gradients=True: the limit covers the gradients backward holds too --------------

def _chain_net(n=16, w=256):
    rechain.random.seed(0)
    return rechain.Sequential(*[L.Linear(w, w) for _ in range(n)])


def _fit_totals(monkeypatch, limit, gradients):
    """One step of a deep MLP under ``budget(limit, gradients)``: the budget's
    stats, the parameters' gradients, and after every room-making moment of
    backward, the bytes of saved arrays plus those of the gradients the pass
    holds."""
    from rechain import _backprop
    totals = []
    fit = B.Budget._fit

    def probe(self, f, need):
        fit(self, f, need)
        grads = _backprop._pass.grads or {}
        held = sum(g._data.nbytes for g in grads.values() if g._data is not None)
        totals.append(self.resident + held)
    monkeypatch.setattr(B.Budget, "_fit", probe)
    model = _chain_net()
    x = numpy.random.default_rng(0).normal(size=(1024, 256)).astype(numpy.float32)
    with B.budget(limit, gradients=gradients) as b:
        h = x
        for link in model:
            h = F.relu(link(h))
        loss = F.sum(h * h)
        model.cleargrads()
        loss.backward()
    return b.stats, [p.grad.copy() for p in model.params()], totals


def test_with_gradients_saved_arrays_and_gradients_stay_under_the_limit(monkeypatch):
    act = 1024 * 256 * 4                 # one activation: 1 MiB (a weight: 256 KiB)
    limit = 8 * act                      # the plain run saves 17 of them
    plain_stats, plain_grads, plain_totals = _fit_totals(monkeypatch, 2 ** 40, False)
    stats, grads, totals = _fit_totals(monkeypatch, limit, True)
    for a, g in zip(plain_grads, grads):
        numpy.testing.assert_array_equal(a, g)
    assert stats["recomputations"] > 0 and stats["over_budget"] == 0
    # whenever the budget made room, saved arrays and gradients together fit
    # (one op's own arrays aside: the room is made before its outputs come)
    assert max(totals) <= limit + act, (max(totals), limit)
    # without gradients=True the same limit is on saved arrays alone, and the
    # gradients (16 weights, 4 activations' worth, by the end) come on top
    _, _, alone = _fit_totals(monkeypatch, limit, False)
    assert max(alone) > limit + act, (max(alone), limit)


def test_with_gradients_the_forward_pass_keeps_the_whole_limit():
    """Before backward no gradient is held: the forward pass keeps as much as
    without ``gradients``, so it evicts the same arrays."""
    def forward(gradients):
        model = _chain_net()
        x = numpy.random.default_rng(0).normal(size=(1024, 256)).astype(numpy.float32)
        with B.budget(8 * 1024 * 256 * 4, gradients=gradients) as b:
            h = x
            for link in model:
                h = F.relu(link(h))
        return b.stats["evictions"], b.stats["peak_saved_bytes"]
    assert forward(True) == forward(False)


def test_gradients_must_be_a_bool():
    with pytest.raises(TypeError, match="budget: gradients must be True or False"):
        B.budget("1MiB", gradients="yes")


def test_with_gradients_the_room_never_falls_below_half_the_limit():
    """Gradients larger than the limit do not leave saved arrays no room
    (which would drop every rebuilt array and re-run a chain per node): they
    take at most half of it."""
    from rechain import _backprop
    b = B.budget(4 * MiB, gradients=True)
    assert b._room() == 4 * MiB                      # no backward running
    saved = _backprop._pass.grads
    try:
        g = rechain.Variable(numpy.zeros(MiB // 4, numpy.float32))   # 1 MiB
        _backprop._pass.grads = {object(): g}
        assert b._room() == 3 * MiB
        g.array = numpy.zeros(MiB, numpy.float32)                    # 4 MiB
        assert b._room() == 2 * MiB
        assert B.budget(4 * MiB)._room() == 4 * MiB  # without gradients=True
    finally:
        _backprop._pass.grads = saved
