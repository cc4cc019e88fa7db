import re

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L


def _ref(x, W, samples):
    loss = 0.0
    for i in range(len(x)):
        f = W[samples[i]].astype(numpy.float64).dot(x[i])
        f[0] *= -1
        loss += numpy.log1p(numpy.exp(f)).sum()
    return loss


def test_parameters_and_sampler(tmp_path):
    counts = [5, 3, 0, 2]
    ns = L.NegativeSampling(3, counts, sample_size=4, power=0.5)
    assert ns.W.shape == (4, 3) and ns.W.dtype == numpy.float32
    numpy.testing.assert_array_equal(ns.W.array, 0)
    # The sampler's table gives counts ** power, normalised.
    n = len(ns.sampler)
    got = numpy.zeros(n)
    for b in range(n):
        got[ns.sampler.values[2 * b]] += ns.sampler.threshold[b] / n
        got[ns.sampler.values[2 * b + 1]] += (1 - ns.sampler.threshold[b]) / n
    want = numpy.power(counts, 0.5)
    numpy.testing.assert_allclose(got, want / want.sum(), atol=1e-12)
    p = tmp_path / "m.npz"
    rechain.serializers.save_npz(str(p), ns)
    with numpy.load(str(p)) as f:
        assert f.files == ["W"]


@pytest.mark.parametrize("reduce", ["sum", "no"])
def test_forward_and_gradients(reduce):
    rng = numpy.random.default_rng(0)
    ns = L.NegativeSampling(3, [1, 2, 3, 4, 5], sample_size=3, dtype=numpy.float64)
    ns.W.array = rng.normal(size=(5, 3))
    x = rechain.Variable(rng.normal(size=(4, 3)))
    t = numpy.array([0, 4, 2, 2], numpy.int32)
    loss, samples = ns(x, t, reduce=reduce, return_samples=True)
    assert samples.shape == (4, 4) and (samples[:, 0] == t).all()
    total = _ref(x.array, ns.W.array, samples)
    numpy.testing.assert_allclose(loss.array.sum(), total, rtol=1e-10)
    F.sum(loss).backward()
    assert ns.W.grad.shape == (5, 3) and x.grad.shape == (4, 3)


def test_reproducible_with_framework_seed():
    ns = L.NegativeSampling(2, [1, 1, 1, 1], sample_size=5)
    x, t = numpy.ones((3, 2), numpy.float32), numpy.array([0, 1, 2], numpy.int32)
    rechain.random.seed(7)
    _, s1 = ns(x, t, return_samples=True)
    rechain.random.seed(7)
    _, s2 = ns(x, t, return_samples=True)
    numpy.testing.assert_array_equal(s1, s2)


def test_forget_gives_plain_outputs_and_gradients():
    rng = numpy.random.default_rng(1)
    ns = L.NegativeSampling(3, [4, 1, 2, 3], sample_size=2, dtype=numpy.float64)
    ns.W.array = rng.normal(size=(4, 3))
    x_data, t = rng.normal(size=(5, 3)), numpy.array([0, 1, -1, 3, 2], numpy.int32)
    out = []
    for use in (False, True):
        rechain.random.seed(3)
        ns.cleargrads()
        x = rechain.Variable(x_data.copy())
        f = lambda x: ns(F.tanh(x), t, reduce="no")  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad, ns.W.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_inputs():
    with pytest.raises(ValueError, match=re.escape("NegativeSampling: counts must be a non-empty "
                                                   "1-d sequence, got shape (0,)")):
        L.NegativeSampling(3, [], 2)
    ns = L.NegativeSampling(3, [1, 2], 2)
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "negative_sampling: W must be 2-d (vocab_size, 4) to match x (1, 4), got shape "
            "(2, 3)")):
        ns(numpy.ones((1, 4), numpy.float32), numpy.array([0]))


@pytest.mark.gpu
def test_gpu_sampler_follows_the_link():
    cp = rechain.backend.cupy
    model = rechain.Chain()
    with model.init_scope():
        model.ns = L.NegativeSampling(3, [1, 2, 3], 2)
    model.to_gpu()
    loss, samples = model.ns(cp.ones((2, 3), cp.float32), cp.array([0, 1], cp.int32),
                             return_samples=True)
    assert isinstance(samples, cp.ndarray) and model.ns.sampler.use_gpu
    model.to_cpu()
    loss, samples = model.ns(numpy.ones((2, 3), numpy.float32), numpy.array([0, 1]),
                             return_samples=True)
    assert isinstance(samples, numpy.ndarray) and not model.ns.sampler.use_gpu


def test_link_calls_the_function_through_its_module(monkeypatch):
    # Chainer's tests patch chainer.functions.loss.negative_sampling.negative_sampling
    import rechain.functions.loss.negative_sampling  # noqa: F401
    module = rechain.functions.loss.negative_sampling
    calls = []
    real = module.negative_sampling

    def spy(*args, **kwargs):
        calls.append(args[3])
        return real(*args, **kwargs)
    monkeypatch.setattr(module, "negative_sampling", spy)
    link = rechain.links.NegativeSampling(3, [1, 2, 3], 2)
    link(numpy.ones((2, 3), numpy.float32), numpy.array([0, 1], numpy.int32))
    assert len(calls) == 1 and calls[0] == link.sampler.sample
