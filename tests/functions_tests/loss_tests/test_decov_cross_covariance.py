import numpy
import pytest

import rechain
import rechain.functions as F


def _cov(y, z):
    return (y - y.mean(0)).T @ (z - z.mean(0)) / len(y)


@pytest.mark.parametrize("reduce", ["half_squared_sum", "no"])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forward(reduce, dtype):
    rng = numpy.random.default_rng(0)
    h, z = rng.normal(size=(6, 4)).astype(dtype), rng.normal(size=(6, 3)).astype(dtype)
    c = _cov(h.astype(float), h.astype(float))
    numpy.fill_diagonal(c, 0)
    cc = _cov(h.astype(float), z.astype(float))
    for got, want in ((F.decov(h, reduce=reduce), c), (F.cross_covariance(h, z, reduce), cc)):
        want = 0.5 * (want ** 2).sum() if reduce == "half_squared_sum" else want
        assert got.dtype == dtype and got.shape == numpy.shape(want)
        numpy.testing.assert_allclose(got.array, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("reduce", ["half_squared_sum", "no"])
def test_gradients(check_grads, reduce):
    rng = numpy.random.default_rng(1)
    h, z = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    check_grads(lambda h: F.decov(h, reduce=reduce), (h,))
    check_grads(lambda y, z: F.cross_covariance(y, z, reduce=reduce), (h, z))


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    rng = numpy.random.default_rng(2)
    h, z = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    forget_matches_plain(F.decov, (h,))
    forget_matches_plain(lambda y, z: F.cross_covariance(y, z, reduce="no"), (h, z))


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"decov: h must have 2 dimensions, got shape "
                                                   r"\(3,\)"):
        F.decov(numpy.zeros(3, numpy.float32))
    with pytest.raises(rechain.InvalidType, match=r"cross_covariance: y and z must have the "
                                                   r"same batch size, got y \(3, 2\) and z "
                                                   r"\(4, 2\)"):
        F.cross_covariance(numpy.zeros((3, 2)), numpy.zeros((4, 2)))
    with pytest.raises(ValueError, match="decov: reduce must be one of 'half_squared_sum'"):
        F.decov(numpy.zeros((3, 2)), reduce="mean")
