import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [([(3,)], 0), ([(2,), (3,)], 0), ([(2, 3), (2, 1), (2, 2)], 1),
         ([(2, 3), (1, 3)], 0), ([(2, 3, 2), (2, 3, 1)], -1), ([(2, 0), (2, 2)], 1)]


def _inputs(shapes, dtype, rng):
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("shapes,axis", CASES)
def test_forward(shapes, axis, dtype, rng):
    xs = _inputs(shapes, dtype, rng)
    y = F.concat(xs, axis)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.concatenate(xs, axis))


@pytest.mark.parametrize("shapes,axis", CASES)
def test_grads(shapes, axis, dtype, rng, check_grads):
    xs = _inputs(shapes, dtype, rng)
    check_grads(lambda *xs: F.concat(xs, axis), xs)


def test_default_axis_is_one(rng):
    xs = _inputs([(2, 1), (2, 2)], numpy.float32, rng)
    assert F.concat(xs).shape == (2, 3)


def test_mixed_variables_and_arrays(rng):
    a, b = _inputs([(2, 2), (2, 3)], numpy.float64, rng)
    x = rechain.Variable(a)
    y = F.concat((x, b), axis=1)
    F.sum(y * y).backward()
    numpy.testing.assert_allclose(x.grad, 2 * a)


def test_mismatched_shape_names_position_and_shapes():
    xs = [numpy.zeros((2, 3), numpy.float32), numpy.zeros((2, 3), numpy.float32),
          numpy.zeros((3, 4), numpy.float32)]
    with pytest.raises(rechain.InvalidType,
                       match=r"concat: xs\[2\] \(3rd input\) of shape \(3, 4\) does not "
                             r"match xs\[0\] of shape \(2, 3\): all dimensions except "
                             r"axis 1 must be equal"):
        F.concat(xs, axis=1)


def test_mismatched_ndim():
    xs = [numpy.zeros((2, 3), numpy.float32), numpy.zeros((2,), numpy.float32)]
    with pytest.raises(rechain.InvalidType, match=r"concat: xs\[1\] .* shape \(2,\) does "
                                                  r"not match xs\[0\] of shape \(2, 3\)"):
        F.concat(xs, axis=0)


def test_mismatched_dtype():
    xs = [numpy.zeros((2, 3), numpy.float32), numpy.zeros((2, 3), numpy.float64)]
    with pytest.raises(rechain.InvalidType, match=r"concat: xs\[1\] has dtype float64 "
                                                  r"\(shape \(2, 3\)\) but xs\[0\] has "
                                                  r"dtype float32"):
        F.concat(xs, axis=0)


def test_axis_out_of_range_and_empty():
    with pytest.raises(rechain.InvalidType,
                       match=r"concat: axis=2 is out of range for xs\[0\] of shape \(2, 3\)"):
        F.concat([numpy.zeros((2, 3))], axis=2)
    with pytest.raises(ValueError, match="concat: xs must contain at least one"):
        F.concat([], axis=0)
    with pytest.raises(rechain.InvalidType, match=r"concat: xs\[0\] is zero-dimensional"):
        F.concat([numpy.zeros(())], axis=0)
