"""``assert_allclose``: NumPy's check, on CPU or GPU arrays, with a useful report."""

import numpy

from rechain import backend
from rechain import utils


def _to_numpy(x):
    return numpy.asarray(backend.to_cpu(utils.force_array(_unwrap(x))))


def _unwrap(x):
    from rechain.variable import Variable
    return x.array if isinstance(x, Variable) else x


def assert_allclose(x, y, atol=1e-5, rtol=1e-4, verbose=True):
    """Assert ``|x - y| <= atol + rtol * |y|`` elementwise (arrays, Variables, scalars).

    On failure the message adds the shapes, dtypes and the worst element:
    its index, both values and the absolute and relative errors.
    """
    x = _to_numpy(x)
    y = _to_numpy(y)
    try:
        numpy.testing.assert_allclose(x, y, atol=atol, rtol=rtol, verbose=verbose)
    except AssertionError as e:
        lines = [str(e), "", "assert_allclose failed:",
                 f"  shape: {x.shape} {y.shape}", f"  dtype: {x.dtype} {y.dtype}"]
        if x.shape == y.shape and x.size:
            xx = numpy.atleast_1d(x).astype(numpy.float64)
            yy = numpy.atleast_1d(y).astype(numpy.float64)
            with numpy.errstate(invalid="ignore"):
                err = numpy.abs(xx - yy)
                tol = atol + rtol * numpy.abs(yy)
                excess = numpy.where(numpy.isnan(err), numpy.inf, err - tol)
            i = tuple(int(k) for k in numpy.unravel_index(int(numpy.argmax(excess)), err.shape))
            rel = "inf" if yy[i] == 0 else err[i] / abs(yy[i])
            lines += [f"  i: {i}", f"  x[i]: {xx[i]}", f"  y[i]: {yy[i]}",
                      f"  absolute error[i]: {err[i]}", f"  relative error[i]: {rel}",
                      f"  total tolerance[i]: {tol[i]}"]
        with numpy.printoptions(threshold=10000):
            lines += [f"x: {numpy.array2string(x, prefix='x: ')}",
                      f"y: {numpy.array2string(y, prefix='y: ')}"]
        raise AssertionError("\n".join(lines)) from None


def _as_noncontiguous_array(array):
    """A copy of ``array`` (or of each in a list/tuple) that is not C-contiguous.

    Chainer's test cases feed non-contiguous inputs by default, to catch
    functions that assume contiguity. Arrays of one element stay as they are.
    """
    if isinstance(array, (list, tuple)):
        return type(array)(_as_noncontiguous_array(a) for a in array)
    a = array
    if a is None or a.size <= 1:
        return a
    xp = backend.get_array_module(a)
    every_other = (slice(None, None, -2),) * a.ndim
    big = xp.empty(tuple(2 * n for n in a.shape), dtype=a.dtype)
    big[every_other] = a
    out = big[every_other]
    assert not out.flags.c_contiguous
    return out
