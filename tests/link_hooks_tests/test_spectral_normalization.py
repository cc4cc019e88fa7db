"""SpectralNormalization: sigma, gradients, state, forget and lazy links."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import link_hooks, serializers


def _sigma_max(W, axis=0):
    W = numpy.moveaxis(W, axis, 0).reshape(W.shape[axis], -1)
    return numpy.linalg.svd(W, compute_uv=False)[0]


def _normalized_weight(lin, x):
    """The weight the hooked forward used: W_bar = y - b solved through x = I."""
    eye = numpy.eye(lin.W.shape[1], dtype=lin.W.dtype)
    return (lin(eye).array - lin.b.array).T


def test_power_iteration_converges_to_the_largest_singular_value():
    rechain.random.seed(0)
    lin = L.Linear(6, 5).add_hook(link_hooks.SpectralNormalization())
    W0 = lin.W.array.copy()
    for _ in range(60):
        Wbar = _normalized_weight(lin, None)
    numpy.testing.assert_array_equal(lin.W.array, W0)   # the parameter is untouched
    assert isinstance(lin.W, rechain.Parameter) and "W" in lin._params
    numpy.testing.assert_allclose(_sigma_max(Wbar), 1.0, rtol=1e-4)
    numpy.testing.assert_allclose(Wbar, W0 / _sigma_max(W0), rtol=1e-3, atol=1e-5)


def test_gradient_treats_u_and_v_as_constants():
    """For L = <G, W/sigma>, sigma = u^T W v: dL/dW = G/sigma - <G,W>/sigma² u v^T."""
    rechain.random.seed(1)
    lin = L.Linear(4, 3, nobias=True).add_hook(link_hooks.SpectralNormalization())
    lin.W.array = lin.W.array.astype(numpy.float64)
    lin.W_u = lin.W_u.astype(numpy.float64)
    hook = lin.local_link_hooks["SpectralNormalization"]
    x = numpy.random.RandomState(2).randn(7, 4)
    G_y = numpy.random.RandomState(3).randn(7, 3)
    u0 = lin.W_u.copy()
    y = lin(x)
    F.sum(y * G_y).backward()
    W = lin.W.array
    v = hook.v
    u = lin.W_u
    numpy.testing.assert_allclose(u, (W @ v) / (numpy.linalg.norm(W @ v) + 1e-6), rtol=1e-10)
    numpy.testing.assert_allclose(
        v, (u0 @ W) / (numpy.linalg.norm(u0 @ W) + 1e-6), rtol=1e-10)
    sigma = u @ W @ v
    G = G_y.T @ x          # d<G_y, x Wbar^T>/dWbar
    expected = G / sigma - numpy.sum(G * W) / sigma ** 2 * numpy.outer(u, v)
    numpy.testing.assert_allclose(lin.W.grad, expected, rtol=1e-10)


def test_u_advances_only_in_training_and_is_saved_with_the_link(tmp_path):
    rechain.random.seed(3)
    lin = L.Linear(3, 4).add_hook(link_hooks.SpectralNormalization(n_power_iteration=2))
    x = numpy.ones((2, 3), numpy.float32)
    u0 = lin.W_u.copy()
    with rechain.using_config("train", False):
        lin(x)
    numpy.testing.assert_array_equal(lin.W_u, u0)
    lin(x)
    assert not numpy.array_equal(lin.W_u, u0)
    serializers.save_npz(tmp_path / "l.npz", lin)
    other = L.Linear(3, 4).add_hook(link_hooks.SpectralNormalization(n_power_iteration=2))
    serializers.load_npz(tmp_path / "l.npz", other)
    numpy.testing.assert_array_equal(other.W_u, lin.W_u)
    with rechain.using_config("train", False):
        numpy.testing.assert_array_equal(other(x).array, lin(x).array)


def test_forget_gives_plain_outputs_and_gradients_and_replay_keeps_u():
    x = numpy.random.RandomState(4).randn(3, 5).astype(numpy.float32)
    out = []
    for use in (False, True):
        rechain.random.seed(5)
        lin = L.Linear(5, 4).add_hook(link_hooks.SpectralNormalization())
        xv = rechain.Variable(x.copy())
        f = lambda h: F.tanh(lin(h))  # noqa: E731
        y = F.forget(f, xv) if use else f(xv)
        u_after_forward = lin.W_u.copy()
        F.sum(y * y).backward()
        numpy.testing.assert_array_equal(lin.W_u, u_after_forward)  # replay did not move u
        out.append((y.array, xv.grad, lin.W.grad, lin.b.grad, lin.W_u))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_use_gamma_learns_a_scale_from_the_initial_sigma():
    rechain.random.seed(6)
    lin = L.Linear(4, 3)
    W0 = lin.W.array.copy()
    lin.add_hook(link_hooks.SpectralNormalization(use_gamma=True))
    assert "gamma" in lin._params
    numpy.testing.assert_allclose(lin.gamma.array, _sigma_max(W0), rtol=1e-5)
    y = lin(numpy.ones((2, 4), numpy.float32))
    F.sum(y).backward()
    assert lin.gamma.grad is not None and lin.gamma.grad.shape == ()
    lin.delete_hook("SpectralNormalization")
    assert not hasattr(lin, "gamma") and not hasattr(lin, "W_u")
    assert sorted(lin._params) == ["W", "b"] and "W_u" not in lin._persistent


def test_factor_scales_sigma():
    rechain.random.seed(7)
    lin = L.Linear(4, 3, nobias=True).add_hook(
        link_hooks.SpectralNormalization(factor=2.0, n_power_iteration=50))
    Wbar = lin(numpy.eye(4, dtype=numpy.float32)).array.T
    numpy.testing.assert_allclose(_sigma_max(Wbar), 2.0, rtol=1e-4)


def test_lazy_linear_and_deconvolution_output_axis():
    rechain.random.seed(8)
    lin = L.Linear(None, 3).add_hook(link_hooks.SpectralNormalization())
    assert not hasattr(lin, "W_u")
    y = lin(numpy.ones((2, 4, 2), numpy.float32))
    assert y.shape == (2, 3) and lin.W.shape == (3, 8) and lin.W_u.shape == (3,)
    dc = L.Deconvolution2D(2, 5, 3).add_hook(link_hooks.SpectralNormalization())
    assert dc.W.shape[1] == 5 and dc.W_u.shape == (5,)
    dc(numpy.ones((1, 2, 4, 4), numpy.float32))


def test_bad_use():
    with pytest.raises(ValueError, match="n_power_iteration must be an int >= 1, got 0"):
        link_hooks.SpectralNormalization(n_power_iteration=0)
    with pytest.raises(ValueError, match="SpectralNormalization: Linear has no parameter 'V'"):
        L.Linear(2, 2).add_hook(link_hooks.SpectralNormalization(weight_name="V"))
    with pytest.raises(NotImplementedError, match="not as a context manager"):
        with link_hooks.SpectralNormalization():
            pass


def test_forget_per_call_of_a_reused_link_matches_the_plain_run():
    """Each call in its own region: a replay must use its own call's u and v, not
    the hook's latest ones."""
    x = numpy.random.RandomState(4).randn(3, 4)
    out = []
    for use in (False, True):
        rechain.random.seed(5)
        with rechain.using_config("dtype", numpy.dtype(numpy.float64)):
            lin = L.Linear(4, 4).add_hook(link_hooks.SpectralNormalization())
        h = rechain.Variable(x.copy())
        f = lambda v: F.tanh(lin(v))  # noqa: E731
        for _ in range(3):
            h = F.forget(f, h) if use else f(h)
        F.sum(h * h).backward()
        out.append((h.array, lin.W.grad, lin.b.grad, lin.W_u))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_convolution_weight_is_normalized_as_a_matrix():
    rechain.random.seed(9)
    conv = L.Convolution2D(2, 3, 3, nobias=True).add_hook(
        link_hooks.SpectralNormalization(n_power_iteration=60))
    x = numpy.random.RandomState(1).randn(1, 2, 4, 4).astype(numpy.float32)
    y = conv(x)
    W0 = conv.W.array
    expected = F.convolution_2d(x, W0 / _sigma_max(W0)).array
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-4, atol=1e-5)
