"""classification_summary and r2_score on CuPy arrays (run where a GPU is present)."""

import numpy
import pytest

import rechain
import rechain.functions as F

pytestmark = pytest.mark.gpu


def test_cupy_matches_numpy():
    cp = rechain.backend.cupy
    rng = numpy.random.default_rng(0)
    y, t = rng.normal(size=(30, 4)), rng.integers(-1, 4, 30)
    for a, b in zip(F.classification_summary(y, t, label_num=4),
                    F.classification_summary(cp.asarray(y), cp.asarray(t), label_num=4)):
        numpy.testing.assert_allclose(cp.asnumpy(b.array), a.array, rtol=1e-12)
    p, q = rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
    numpy.testing.assert_allclose(cp.asnumpy(F.r2_score(cp.asarray(p), cp.asarray(q)).array),
                                  F.r2_score(p, q).array, rtol=1e-12)
