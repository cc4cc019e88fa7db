import numpy
import pytest

import rechain
import rechain.functions as F


def _ref(p, t):
    ss_res = ((p - t) ** 2).sum(0)
    ss_tot = ((t - t.mean(0)) ** 2).sum(0)
    return numpy.where(ss_tot == 0, 0.0, 1 - ss_res / numpy.where(ss_tot == 0, 1, ss_tot))


@pytest.mark.parametrize("shape", [(20,), (20, 3), (10, 2, 2)])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forward(shape, dtype):
    rng = numpy.random.default_rng(0)
    t = rng.normal(size=shape).astype(dtype)
    p = (t + 0.3 * rng.normal(size=shape)).astype(dtype)
    want = _ref(p.astype(float), t.astype(float))
    raw = F.r2_score(p, t, multioutput="raw_values")
    avg = F.r2_score(p, t)
    assert raw.dtype == dtype and raw.shape == shape[1:] and avg.shape == ()
    assert not avg.requires_grad
    numpy.testing.assert_allclose(raw.array, want, rtol=1e-5)
    numpy.testing.assert_allclose(avg.array, want.mean(), rtol=1e-5)


def test_perfect_and_constant_targets():
    t = numpy.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]])
    raw = F.r2_score(t, t, multioutput="raw_values").array
    numpy.testing.assert_array_equal(raw, [1.0, 0.0])  # the constant column scores 0
    p = numpy.full_like(t, 3.0)  # predicting the mean scores 0
    assert F.r2_score(p[:, :1], t[:, :1]).array == 0.0


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"r2_score: pred and true must have the same "
                                                   r"shape, got \(3,\) and \(4,\)"):
        F.r2_score(numpy.zeros(3), numpy.zeros(4))
    with pytest.raises(ValueError, match="r2_score: multioutput must be"):
        F.r2_score(numpy.zeros(3), numpy.zeros(3), multioutput="variance_weighted")
    with pytest.raises(NotImplementedError, match="r2_score: sample_weight"):
        F.r2_score(numpy.zeros(3), numpy.zeros(3), sample_weight=numpy.ones(3))
