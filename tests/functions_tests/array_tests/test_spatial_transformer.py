import numpy
import pytest

import rechain
import rechain.functions as F


def _grid_ref(theta, h, w):
    out = numpy.zeros((len(theta), 2, h, w))
    for i in range(h):
        for j in range(w):
            p = numpy.array([-1 + 2 * j / max(w - 1, 1) if w > 1 else -1.0,
                             -1 + 2 * i / max(h - 1, 1) if h > 1 else -1.0, 1.0])
            out[:, :, i, j] = theta @ p
    return out


def _sampler_ref(x, grid):
    b, c, h, w = x.shape
    _, _, oh, ow = grid.shape
    y = numpy.zeros((b, c, oh, ow))

    def pix(bb, r, q):
        return x[bb, :, r, q] if 0 <= r < h and 0 <= q < w else numpy.zeros(c)
    for bb in range(b):
        for i in range(oh):
            for j in range(ow):
                u = (grid[bb, 0, i, j] + 1) * (w - 1) / 2
                v = (grid[bb, 1, i, j] + 1) * (h - 1) / 2
                u0, v0 = int(numpy.floor(u)), int(numpy.floor(v))
                fu, fv = u - u0, v - v0
                y[bb, :, i, j] = ((1 - fu) * (1 - fv) * pix(bb, v0, u0)
                                  + fu * (1 - fv) * pix(bb, v0, u0 + 1)
                                  + (1 - fu) * fv * pix(bb, v0 + 1, u0)
                                  + fu * fv * pix(bb, v0 + 1, u0 + 1))
    return y


def _theta(rng, b, dtype=numpy.float64):
    return (numpy.array([[1.0, 0, 0], [0, 1.0, 0]]) + 0.3 * rng.normal(size=(b, 2, 3))
            ).astype(dtype)


def test_grid_forward(dtype, rng):
    theta = _theta(rng, 2, dtype)
    g = F.spatial_transformer_grid(theta, (3, 4))
    assert g.dtype == dtype and g.shape == (2, 2, 3, 4)
    numpy.testing.assert_allclose(g.array, _grid_ref(theta.astype(float), 3, 4), rtol=1e-5,
                                  atol=1e-6)


def test_sampler_forward(dtype, rng):
    x = rng.normal(size=(2, 3, 4, 5)).astype(dtype)
    grid = rng.uniform(-1.4, 1.4, size=(2, 2, 3, 6)).astype(dtype)  # some points outside
    y = F.spatial_transformer_sampler(x, grid)
    assert y.dtype == dtype and y.shape == (2, 3, 3, 6)
    numpy.testing.assert_allclose(y.array, _sampler_ref(x.astype(float), grid.astype(float)),
                                  rtol=1e-5, atol=1e-5)


def test_identity_transform_reproduces_the_image(rng):
    x = rng.normal(size=(2, 3, 4, 5))
    theta = numpy.tile(numpy.array([[1.0, 0, 0], [0, 1.0, 0]]), (2, 1, 1))
    y = F.spatial_transformer_sampler(x, F.spatial_transformer_grid(theta, (4, 5)))
    numpy.testing.assert_allclose(y.array, x, atol=1e-12)


def test_gradients(check_grads, rng):
    check_grads(lambda t: F.spatial_transformer_grid(t, (3, 2)), (_theta(rng, 2),))
    x = rng.normal(size=(1, 2, 3, 4))
    # points away from pixel boundaries, where the bilinear weights have kinks
    u = (numpy.array([0.3, 1.4, 2.6, 3.5, -0.6, 1.7]) / 3) * 2 - 1
    v = (numpy.array([0.2, 1.3, 0.7, 1.6, 0.5, 2.4]) / 2) * 2 - 1
    grid = numpy.stack([u, v]).reshape(1, 2, 2, 3)
    check_grads(F.spatial_transformer_sampler, (x, grid))


def test_forget_gives_plain_outputs_and_gradients(rng):
    x_data, t_data = rng.normal(size=(2, 1, 3, 3)), _theta(rng, 2)
    out = []
    for use in (False, True):
        x, t = rechain.Variable(x_data.copy()), rechain.Variable(t_data.copy())

        def g(x, t):
            return F.tanh(F.spatial_transformer_sampler(
                F.sin(x), F.spatial_transformer_grid(t, (2, 4))))
        y = F.forget(g, x, t) if use else g(x, t)
        F.sum(y * y).backward()
        out.append((y.array, x.grad, t.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"spatial_transformer_grid: theta must have "
                                                   r"shape \(B, 2, 3\), got \(2, 3, 3\)"):
        F.spatial_transformer_grid(numpy.zeros((2, 3, 3)), (2, 2))
    with pytest.raises(rechain.InvalidType, match=r"spatial_transformer_sampler: grid must have "
                                                   r"shape \(B, 2, out_H, out_W\) with x's batch "
                                                   r"size, got grid \(1, 2, 3, 3\) for x "
                                                   r"\(2, 1, 3, 3\)"):
        F.spatial_transformer_sampler(numpy.zeros((2, 1, 3, 3)), numpy.zeros((1, 2, 3, 3)))
    with pytest.raises(rechain.InvalidType, match="spatial_transformer_sampler: x and grid must "
                                                   "have the same dtype"):
        F.spatial_transformer_sampler(numpy.zeros((1, 1, 3, 3)),
                                      numpy.zeros((1, 2, 3, 3), numpy.float32))
