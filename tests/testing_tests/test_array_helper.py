import importlib.metadata
import unittest
import warnings

import numpy
import pytest

import rechain
from rechain import testing
from rechain.testing import array as tarray
from _run import run_case


def test_assert_allclose_passes_within_tolerance_and_takes_variables():
    x = numpy.array([1.0, 2.0], dtype=numpy.float32)
    testing.assert_allclose(x, x + 1e-6)
    testing.assert_allclose(rechain.Variable(x), x)
    testing.assert_allclose(numpy.float64(3.0), 3.0)


def test_assert_allclose_reports_the_worst_element():
    x = numpy.array([[1.0, 2.0], [3.0, 4.0]])
    y = x.copy()
    y[1, 0] = 3.5
    with pytest.raises(AssertionError) as info:
        testing.assert_allclose(x, y, atol=0.1, rtol=0)
    msg = str(info.value)
    assert "shape: (2, 2) (2, 2)" in msg
    assert "i: (1, 0)" in msg and "x[i]: 3.0" in msg and "y[i]: 3.5" in msg


def test_noncontiguous_copy_has_same_values():
    a = numpy.arange(12.0).reshape(3, 4)
    b = tarray._as_noncontiguous_array(a)
    assert not b.flags.c_contiguous
    numpy.testing.assert_array_equal(a, b)
    one = numpy.ones((1,))
    assert tarray._as_noncontiguous_array(one) is one
    pair = tarray._as_noncontiguous_array((a, None))
    assert isinstance(pair, tuple) and pair[1] is None


def test_with_requires_and_without_requires():
    numpy_version = importlib.metadata.version("numpy")

    class Req(unittest.TestCase):
        @testing.with_requires(f"numpy=={numpy_version}")
        def test_have(self):
            pass

        @testing.with_requires("numpy<1")
        def test_old(self):
            pass

        @testing.with_requires("no-such-package-rechain-test")
        def test_missing(self):
            pass

        @testing.without_requires("numpy<1")
        def test_not_old(self):
            pass

        @testing.without_requires("numpy>=1")
        def test_not_new(self):
            pass
    outcomes = {n: run_case(Req, n)[0] for n in
                ("test_have", "test_old", "test_missing", "test_not_old", "test_not_new")}
    assert outcomes == {"test_have": "ok", "test_old": "skip", "test_missing": "skip",
                        "test_not_old": "ok", "test_not_new": "skip"}


def test_assert_warns():
    with testing.assert_warns(UserWarning):
        warnings.warn("x", UserWarning)
    with pytest.raises(AssertionError, match="DeprecationWarning not triggered"):
        with testing.assert_warns(DeprecationWarning):
            warnings.warn("x", UserWarning)


def test_patch_wraps_the_original():
    with testing.patch("rechain.utils.size_of_shape") as m:
        assert rechain.utils.size_of_shape((2, 3)) == 6
    assert m.call_count == 1
    with pytest.raises(RuntimeError, match="cannot find"):
        testing.patch("rechain.no_such_thing")


def test_generate_matrix_has_the_singular_values():
    numpy.random.seed(0)
    a = testing.generate_matrix((2, 4, 3), numpy.float64, singular_values=[3.0, 2.0, 0.5])
    assert a.shape == (2, 4, 3) and a.dtype == numpy.float64
    for m in a:
        numpy.testing.assert_allclose(numpy.linalg.svd(m, compute_uv=False), [3, 2, 0.5])
    c = testing.generate_matrix((3, 3), numpy.complex128, singular_values=1.0)
    numpy.testing.assert_allclose(numpy.linalg.svd(c, compute_uv=False), [1, 1, 1])
    with pytest.raises(ValueError, match="too few axes"):
        testing.generate_matrix((3,), singular_values=1)
    with pytest.raises(TypeError, match="not supported"):
        testing.generate_matrix((2, 2), numpy.int32, singular_values=1)
    with pytest.raises(ValueError, match="non-negative"):
        testing.generate_matrix((2, 2), singular_values=-1)
    with pytest.raises(TypeError, match="not given"):
        testing.generate_matrix((2, 2))
