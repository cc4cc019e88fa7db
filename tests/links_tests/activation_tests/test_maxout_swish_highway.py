"""L.Maxout, L.Swish, L.Highway."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import gradient_check


def _npz_keys(tmp_path, link):
    p = tmp_path / "m.npz"
    rechain.serializers.save_npz(str(p), link)
    with numpy.load(str(p)) as f:
        return sorted(f.files)


def _forget_matches_plain(link, x_data):
    out = []
    for use in (False, True):
        link.cleargrads()
        x = rechain.Variable(x_data.copy())
        f = lambda x: link(F.tanh(x))  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append([y.array, x.grad] + [p.grad for _, p in sorted(link.namedparams())])
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- Maxout

def test_maxout_forward_and_layout(tmp_path):
    rng = numpy.random.default_rng(0)
    W = rng.normal(size=(3, 2, 4))
    b = rng.normal(size=(3, 2))
    m = L.Maxout(4, 3, 2, initialW=W, initial_bias=b)
    assert m.linear.W.shape == (6, 4) and m.linear.b.shape == (6,)
    x = rng.normal(size=(5, 4)).astype(numpy.float32)
    want = (numpy.einsum("opi,ni->nop", W, x) + b).max(axis=2)
    numpy.testing.assert_allclose(m(x).array, want, rtol=1e-5)
    assert _npz_keys(tmp_path, m) == ["linear/W", "linear/b"]


def test_maxout_initializers_see_the_pooled_shape():
    seen = []

    def init(a):
        seen.append(a.shape)
        a[...] = numpy.arange(a.size).reshape(a.shape)
    m = L.Maxout(2, 3, 4, initialW=init, initial_bias=None)
    assert seen == [(3, 4, 2)] and m.linear.b is None
    numpy.testing.assert_array_equal(m.linear.W.array.ravel(), numpy.arange(24))
    lazy = L.Maxout(None, 3, 2)
    assert lazy(numpy.ones((2, 7), numpy.float32)).shape == (2, 3)
    assert lazy.linear.W.shape == (6, 7)


def test_maxout_gradients():
    rng = numpy.random.default_rng(1)
    m = L.Maxout(3, 2, 3)
    m.linear.W.array = rng.normal(size=(6, 3))
    m.linear.b.array = rng.normal(size=6)
    x = rng.normal(size=(4, 3))
    gy = rng.normal(size=(4, 2))
    gradient_check.check_backward(m, x, gy, params=(m.linear.W, m.linear.b), atol=1e-5,
                                  rtol=1e-4)


def test_maxout_forget():
    m = L.Maxout(3, 2, 2)
    m.linear.W.array = numpy.random.default_rng(2).normal(size=(4, 3))
    m.linear.b.array = numpy.zeros(4)
    _forget_matches_plain(m, numpy.random.default_rng(3).normal(size=(2, 3)))


def test_maxout_bad_arguments():
    with pytest.raises(ValueError, match="Maxout: pool_size must be a positive int, got 0"):
        L.Maxout(3, 2, 0)
    with pytest.raises(ValueError, match=r"Maxout: initialW must have 3 dimensions"):
        L.Maxout(3, 2, 2, initialW=numpy.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"Maxout: initialW must have shape \(2, 2, 3\), "
                                         r"got \(2, 2, 5\)"):
        L.Maxout(3, 2, 2, initialW=numpy.zeros((2, 2, 5)))
    with pytest.raises(ValueError, match=r"Maxout: initial_bias must have shape \(2, 2\)"):
        L.Maxout(3, 2, 2, initial_bias=numpy.zeros(4))


# ---------------------------------------------------------------- Swish

def test_swish_forward_and_lazy_beta(tmp_path):
    s = L.Swish(None, beta_init=2.0)
    assert s.beta.array is None
    x = numpy.random.default_rng(4).normal(size=(2, 3, 4)).astype(numpy.float32)
    y = s(x)
    assert s.beta.shape == (3, 4)
    numpy.testing.assert_allclose(y.array, x / (1 + numpy.exp(-2 * x)), rtol=1e-5)
    assert _npz_keys(tmp_path, s) == ["beta"]


def test_swish_given_shape_and_gradient():
    s = L.Swish((3,), beta_init=0.5)
    s.beta.array = numpy.array([0.5, 1.0, 1.5])
    rng = numpy.random.default_rng(5)
    x = rng.normal(size=(2, 3))
    gradient_check.check_backward(s, x, rng.normal(size=(2, 3)), params=(s.beta,),
                                  atol=1e-5, rtol=1e-4)


def test_swish_forget():
    s = L.Swish((3,))
    s.beta.array = numpy.array([0.5, 1.0, 2.0])
    _forget_matches_plain(s, numpy.random.default_rng(6).normal(size=(2, 3)))


# ---------------------------------------------------------------- Highway

def test_highway_forward(tmp_path):
    rng = numpy.random.default_rng(7)
    h = L.Highway(3)
    assert h.transform.b.array.tolist() == [-1.0, -1.0, -1.0]
    x = rng.normal(size=(4, 3)).astype(numpy.float32)
    Wh, bh = h.plain.W.array, h.plain.b.array
    Wt, bt = h.transform.W.array, h.transform.b.array
    t = 1 / (1 + numpy.exp(-(x @ Wt.T + bt)))
    want = numpy.maximum(x @ Wh.T + bh, 0) * t + x * (1 - t)
    numpy.testing.assert_allclose(h(x).array, want, rtol=1e-5, atol=1e-6)
    assert _npz_keys(tmp_path, h) == ["plain/W", "plain/b", "transform/W", "transform/b"]


def test_highway_options_and_gradients():
    rng = numpy.random.default_rng(8)
    h = L.Highway(3, nobias=True, activate=F.tanh, init_Wh=rng.normal(size=(3, 3)),
                  init_Wt=rng.normal(size=(3, 3)))
    assert h.plain.b is None and h.transform.b is None
    for p in h.params():
        p.array = p.array.astype(numpy.float64)
    x = rng.normal(size=(2, 3))
    gradient_check.check_backward(h, x, rng.normal(size=(2, 3)),
                                  params=(h.plain.W, h.transform.W), atol=1e-5, rtol=1e-4)


def test_highway_forget():
    h = L.Highway(3)
    _forget_matches_plain(h, numpy.random.default_rng(9).normal(size=(2, 3)).astype(
        numpy.float32))


def test_highway_input_size_mismatch():
    with pytest.raises(rechain.InvalidType, match="expects in_size=3"):
        L.Highway(3)(numpy.ones((2, 4), numpy.float32))
