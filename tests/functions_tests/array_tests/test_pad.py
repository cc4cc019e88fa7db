import numpy
import pytest

import rechain.functions as F

CASES = [((), 1, 0), ((3,), 1, 0), ((3,), (0, 2), 1.5), ((2, 3), ((1, 0), (2, 1)), 0),
         ((2, 3), 0, 0), ((1, 2, 2), ((0, 0), (1, 1), (0, 2)), -1),
         # (before, after) values for every axis, or per axis (numpy.pad's forms)
         ((2, 3), (1, 2), (1.0, 2.0)), ((2, 3), ((1, 2), (3, 4)), ((1, 2), (3, 4))),
         ((2, 2), 1, numpy.array([-1.0, 3.0]))]


@pytest.mark.parametrize("shape,pw,cv", CASES)
def test_forward(shape, pw, cv, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.pad(x, pw, "constant", constant_values=cv)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.pad(x, pw, "constant",
                                                        constant_values=cv))


@pytest.mark.parametrize("shape,pw,cv", CASES)
def test_grads(shape, pw, cv, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.pad(x, pw, "constant", constant_values=cv), x)


def test_bad_arguments():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(ValueError, match=r"pad: pad_width \(1, 2, 3\) cannot be broadcast "
                                         r"to \(2, 2\) pairs for x of shape \(2, 3\)"):
        F.pad(x, (1, 2, 3), "constant")
    with pytest.raises(ValueError, match=r"pad: pad_width -1 must be non-negative "
                                         r"\(x shape \(2, 3\)\)"):
        F.pad(x, -1, "constant")
    with pytest.raises(ValueError, match="pad: only mode='constant' is supported, got "
                                         "'reflect'"):
        F.pad(x, 1, "reflect")
    with pytest.raises(TypeError, match=r"pad: unexpected keyword arguments \['foo'\]"):
        F.pad(x, 1, "constant", foo=1)


def test_bad_constant_values():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(ValueError, match=r"pad: constant_values \(1, 2, 3\) cannot be "
                                         r"broadcast to \(2, 2\) \(before, after\) pairs"):
        F.pad(x, 1, "constant", constant_values=(1, 2, 3))
    for bad in ("a", {"a": 1}, (None, 1)):
        with pytest.raises(TypeError, match=r"pad: constant_values must be a number or "
                                            r"\(before, after\) numbers per axis"):
            F.pad(x, 1, "constant", constant_values=bad)
