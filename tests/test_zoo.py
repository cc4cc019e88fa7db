"""rechain.zoo: the models build, train, are reproducible, and F.forget inside
them gives the plain gradients bit for bit (train and test configuration)."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import optimizers
from rechain import zoo


def _params(model):
    return {name: p.array.copy() for name, p in sorted(model.namedparams())}


def _grads(model):
    return {name: None if p.grad is None else p.grad.copy()
            for name, p in sorted(model.namedparams())}


def _step(model, loss_fn, batch, seed=7):
    """One forward and backward with the framework's random stream at ``seed``."""
    rechain.random.seed(seed)
    model.cleargrads()
    loss = loss_fn(model, *batch)
    loss.backward()
    return float(loss.array)


def test_names_and_make():
    assert zoo.NAMES == ("resnet", "unet", "transformer", "lstm", "mlp", "resmlp")
    assert set(zoo.NON_CHAIN) <= set(zoo.NAMES)
    with pytest.raises(ValueError, match="zoo.make: name must be one of .*'vgg'"):
        zoo.make("vgg")
    with pytest.raises(ValueError, match="zoo.make: size must be 'small' or 'bench', not 'huge'"):
        zoo.make("resnet", size="huge")


@pytest.mark.parametrize("name", zoo.NAMES)
def test_training_lowers_the_loss(name):
    model, batch_fn, loss_fn = zoo.make(name, "small")
    opt = optimizers.Adam(alpha=1e-2)
    opt.setup(model)

    def training_loss():  # over the batches trained on, the same dropout masks
        rechain.random.seed(0)
        with rechain.no_backprop_mode():
            return sum(float(loss_fn(model, *batch_fn(s)).array) for s in range(4))

    before = training_loss()
    for step in range(8):
        _step(model, loss_fn, batch_fn(step % 4), seed=step)
        opt.update()
    after = training_loss()
    assert numpy.isfinite(before) and numpy.isfinite(after)
    assert after < 0.99 * before, (name, before, after)


@pytest.mark.parametrize("name", zoo.NAMES)
def test_same_seed_same_model_and_batches(name):
    m1, b1, _ = zoo.make(name, "small", seed=3)
    m2, b2, _ = zoo.make(name, "small", seed=3)
    m3, _, _ = zoo.make(name, "small", seed=4)
    p1, p2, p3 = _params(m1), _params(m2), _params(m3)
    assert p1.keys() == p2.keys() and p1
    assert all(numpy.array_equal(p1[k], p2[k]) for k in p1)
    assert not all(numpy.array_equal(p1[k], p3[k]) for k in p1)
    for step in (0, 5):
        for a, b in zip(b1(step), b2(step)):
            assert numpy.array_equal(a, b)
    assert not numpy.array_equal(b1(0)[0], b1(1)[0])


@pytest.mark.parametrize("name", zoo.NAMES)
def test_float32_and_every_parameter_gets_a_gradient(name):
    model, batch_fn, loss_fn = zoo.make(name, "small")
    _step(model, loss_fn, batch_fn(0))
    for pname, p in model.namedparams():
        assert p.array.dtype == numpy.float32, pname
        assert p.grad is not None and p.grad.shape == p.shape, pname
    assert any(numpy.abs(p.grad).max() > 0 for p in model.params())


def test_non_chain_models_are_chains_with_their_own_forward():
    for name in zoo.NON_CHAIN:
        model, _, _ = zoo.make(name, "small")
        assert isinstance(model, rechain.Chain)
        assert type(model).forward is not rechain.Chain.__dict__.get("forward")
        assert "forward" in type(model).__dict__, name


def test_resnet_downsamples_with_projection_shortcuts():
    model, batch_fn, _ = zoo.make("resnet", "bench")
    x, _ = batch_fn(0)
    assert x.shape == (32, 3, 32, 32)
    x = x[:2]
    strides = [(b.conv1.stride, b.project) for b in model.stages]
    assert strides == [(1, False), (2, True), (2, True)]
    h = F.relu(model.bn(model.stem(x)))
    sizes = []
    for block in model.stages:
        h = block(h)
        sizes.append(h.shape[1:])
    assert sizes == [(16, 32, 32), (32, 16, 16), (64, 8, 8)]


def test_unet_output_is_per_pixel():
    model, batch_fn, _ = zoo.make("unet", "small")
    x, t = batch_fn(0)
    y = model(x)
    assert y.shape == (x.shape[0], 3) + x.shape[2:]
    assert t.shape == (x.shape[0],) + x.shape[2:] and t.dtype == numpy.int32
    assert set(numpy.unique(t)) <= {0, 1, 2}


def test_lstm_batches_have_varying_lengths_sorted_longest_first():
    _, batch_fn, _ = zoo.make("lstm", "bench")
    maxima = set()
    for step in range(6):
        tokens, lengths = batch_fn(step)
        assert tokens.shape == (64, lengths[0])
        assert numpy.all(numpy.diff(lengths) <= 0) and lengths.min() >= 2
        assert len(set(lengths.tolist())) > 1
        maxima.add(int(lengths[0]))
    assert len(maxima) > 1


def test_lstm_rejects_unsorted_lengths():
    model, batch_fn, loss_fn = zoo.make("lstm", "small")
    tokens, lengths = batch_fn(0)
    with pytest.raises(ValueError, match="LSTMLM: lengths must be sorted longest first"):
        loss_fn(model, tokens, lengths[::-1].copy())
    with pytest.raises(ValueError, match=r"LSTMLM: lengths must have shape \(4,\)"):
        loss_fn(model, tokens, lengths[:2])


def test_lstm_loss_counts_only_live_sequences():
    """Padding after a sequence's end does not change the loss."""
    model, batch_fn, loss_fn = zoo.make("lstm", "small")
    tokens, lengths = batch_fn(0)
    a = float(loss_fn(model, tokens, lengths).array)
    garbled = tokens.copy()
    for i, n in enumerate(lengths):
        garbled[i, n:] = 5
    b = float(loss_fn(model, garbled, lengths).array)
    assert a == b


def test_transformer_dropout_follows_the_random_stream():
    model, batch_fn, loss_fn = zoo.make("transformer", "small")
    batch = batch_fn(0)
    a = _step(model, loss_fn, batch, seed=1)
    b = _step(model, loss_fn, batch, seed=1)
    c = _step(model, loss_fn, batch, seed=2)
    assert a == b and a != c
    with rechain.using_config("train", False):
        d = _step(model, loss_fn, batch, seed=1)
        e = _step(model, loss_fn, batch, seed=2)
    assert d == e


# -- F.forget inside the models --------------------------------------------------------

def _inner_block(name, model):
    """A link inside the model whose call is wrapped in F.forget."""
    return {"resnet": lambda m: m.stages[1], "unet": lambda m: m.u1,
            "transformer": lambda m: m.layers[2], "lstm": lambda m: m.lstm,
            "mlp": lambda m: m[1], "resmlp": lambda m: m[2]}[name](model)


def _forgetting(link):
    """Make ``link``'s calls go through F.forget (an instance attribute)."""
    plain = type(link).forward
    calls = []

    def forward(*xs):
        calls.append(len(xs))
        return F.forget(lambda *vs: plain(link, *vs), *xs)

    link.forward = forward
    return calls


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name", zoo.NAMES)
@pytest.mark.parametrize("where", ["block", "whole"])
def test_forget_gives_plain_gradients(name, train, where):
    results = []
    for use_forget in (False, True):
        model, batch_fn, loss_fn = zoo.make(name, "small", seed=1)
        batch = batch_fn(2)
        run = loss_fn
        calls = None
        if use_forget and where == "block":
            calls = _forgetting(_inner_block(name, model))
        elif use_forget:
            def run(model, *b):
                # The float inputs are the region's inputs; integer ones (labels,
                # token ids) are closed over.
                floats = [a for a in b if a.dtype.kind == "f"]

                def f(*vs):
                    it = iter(vs)
                    return loss_fn(model, *[next(it) if a.dtype.kind == "f" else a for a in b])

                return F.forget(f, *floats)
        with rechain.using_config("train", train):
            loss = _step(model, run, batch, seed=5)
        if calls is not None:
            assert calls, "the forgetting block was never called"
        results.append((loss, _grads(model)))
    (l0, g0), (l1, g1) = results
    assert l0 == l1
    assert g0.keys() == g1.keys()
    for k in g0:
        assert g0[k] is not None, k
        assert numpy.array_equal(g0[k], g1[k]), (name, k)


# -- rechain.recompute.budget on the zoo -------------------------------------------------

def _train_under(name, limit, steps=3):
    """``steps`` Adam steps from seed 1, each under ``budget(limit)`` (None: plain)."""
    model, batch_fn, loss_fn = zoo.make(name, "small", seed=1)
    opt = optimizers.Adam(alpha=1e-3)
    opt.setup(model)
    peaks, losses = [], []
    for step in range(steps):
        rechain.random.seed(100 + step)
        if limit is None:
            model.cleargrads()
            loss = loss_fn(model, *batch_fn(step))
            loss.backward()
        else:
            with rechain.recompute.budget(limit) as b:
                loss = loss_fn(model, *batch_fn(step))
                model.cleargrads()
                loss.backward()
            peaks.append(b.stats["peak_saved_bytes"])
        losses.append(float(loss.array))
        opt.update()
    return _params(model), losses, peaks


@pytest.mark.parametrize("name", zoo.NON_CHAIN)
def test_budget_trains_bitwise_as_plain(name):
    plain, plain_losses, _ = _train_under(name, None)
    _, _, (saved, *_) = _train_under(name, "1TiB", steps=1)   # never reached: plain bytes
    for divisor in (2, 3):
        limit = saved // divisor
        params, losses, peaks = _train_under(name, limit)
        assert losses == plain_losses, (name, divisor)
        for k in plain:
            assert numpy.array_equal(plain[k], params[k]), (name, divisor, k)
        if divisor == 2:
            # at 'small' size one saved array is 4-9% of the limit, and an op's
            # output exists for an instant beside what is kept; the 1.05 target
            # is the bench sizes' (benchmarks/budget.py)
            assert max(peaks) <= 1.10 * limit, (name, max(peaks) / limit)
        assert max(peaks) < saved, (name, divisor)
