"""The new array functions on CuPy arrays give the NumPy results (run where a GPU is present)."""

import numpy
import pytest

import rechain
import rechain.functions as F

pytestmark = pytest.mark.gpu


def _cases():
    rng = numpy.random.default_rng(0)
    img = rng.normal(size=(2, 9, 4, 4))
    theta = numpy.tile(numpy.array([[1.0, 0.1, 0.0], [-0.1, 0.9, 0.1]]), (2, 1, 1))
    return {
        "fliplr": (lambda d, x: F.fliplr(x), (img,)),
        "dstack": (lambda d, x, y: F.dstack([x, y]), (img[0], img[1])),
        "depth2space": (lambda d, x: F.depth2space(x, 3), (img,)),
        "space2depth": (lambda d, x: F.space2depth(x, 2), (img,)),
        "pad_sequence": (lambda d, x, y: F.pad_sequence([x, y[:2]], padding=1), (img[0], img[1])),
        "permutate": (lambda d, x: F.permutate(x, d(numpy.array([1, 0])), inv=True), (img,)),
        "scatter_add": (lambda d, a, b: F.scatter_add(a, (d(numpy.array([0, 0, 1])),), b),
                        (img[:2], rng.normal(size=(3, 9, 4, 4)))),
        "as_strided": (lambda d, x: F.as_strided(x, (5, 3), (2, 1), 1), (img[0, 0],)),
        "im2col": (lambda d, x: F.im2col(x, 2, 1, 1), (img,)),
        "resize_images": (lambda d, x: F.resize_images(x, (5, 3)), (img,)),
        "shift": (lambda d, x: F.shift(x), (img,)),
        "spatial_transformer": (lambda d, x, t: F.spatial_transformer_sampler(
            x, F.spatial_transformer_grid(t, (3, 5))), (img, theta)),
    }


@pytest.mark.parametrize("name", sorted(_cases()))
def test_cupy_matches_numpy(name):
    cp = rechain.backend.cupy
    fn, xs = _cases()[name]
    outs = []
    for dev in (numpy.asarray, cp.asarray):
        vs = [rechain.Variable(dev(x.copy())) for x in xs]
        y = fn(dev, *vs)
        F.sum(y * y).backward()
        outs.append([cp.asnumpy(y.array)] + [cp.asnumpy(v.grad) for v in vs])
    for g, c in zip(outs[1], outs[0]):
        numpy.testing.assert_allclose(g, c, rtol=1e-6, atol=1e-9)
