"""``unary_math_function_unittest``: the standard tests of an elementwise unary function.

Decorating an empty ``unittest.TestCase`` gives it forward (against NumPy's
function of the same name, or ``func_expected``), backward and double
backward tests, on CPU (and GPU, marked ``gpu``), for shapes ``(3, 2)`` and
``()`` and dtypes float16/32/64; and a label test when ``rechain.functions``
has the capitalised class (``F.Sin`` for ``F.sin``).
"""

import unittest

import numpy

from rechain import backend
from rechain.testing import attr


def _default_data(shape, dtype):
    return tuple(numpy.random.uniform(-1, 1, shape).astype(dtype, copy=False)
                 for _ in range(3))


def _options(dtype):
    if dtype == numpy.float16:
        tol = float(numpy.finfo(numpy.float16).eps)
        grad = {"eps": 2 ** -4, "atol": 2 ** -4, "rtol": 2 ** -4, "dtype": numpy.float64}
        return {"atol": tol, "rtol": tol}, dict(grad), dict(grad)
    grad = {"dtype": numpy.float64, "atol": 1e-4, "rtol": 1e-4}
    return {"atol": 1e-4, "rtol": 1e-4}, dict(grad), dict(grad)


def unary_math_function_unittest(func, func_expected=None, label_expected=None,
                                 make_data=None, is_linear=None, forward_options=None,
                                 backward_options=None, double_backward_options=None):
    """Class decorator adding the standard tests of unary function ``func``.

    Args:
        func: The function (``F.sin``).
        func_expected: NumPy reference (default: ``numpy.<name of func>``),
            called as ``func_expected(x, dtype=x.dtype)``.
        label_expected: Expected label of the function class (default: its name).
        make_data: ``(shape, dtype) -> (x, gy, ggx)``; default uniform [-1, 1).
        is_linear: Deprecated and ignored (linear functions test as they are).
        forward_options, backward_options, double_backward_options (dict):
            Overrides of the tolerances.
    """
    from rechain import functions
    from rechain import gradient_check
    from rechain import variable
    from rechain.testing import parameterized
    from rechain.testing.array import assert_allclose

    name = func.__name__
    func_class = getattr(functions, name.capitalize(), None)
    if not isinstance(func_class, type):
        func_class = None
    if func_expected is None:
        func_expected = getattr(numpy, name, None)
        if func_expected is None:
            raise ValueError(f"unary_math_function_unittest: NumPy has no function "
                             f"{name!r}; give func_expected")
    if label_expected is None:
        label_expected = name
    elif func_class is None:
        raise ValueError("unary_math_function_unittest: label_expected given but "
                         f"rechain.functions has no class {name.capitalize()}")
    make = make_data or _default_data

    def decorate(klass):
        if not issubclass(klass, unittest.TestCase):
            raise TypeError("unary_math_function_unittest decorates a unittest.TestCase")

        def setUp(self):
            self.x, self.gy, self.ggx = make(self.shape, self.dtype)
            self.forward_options, self.backward_options, self.double_backward_options = \
                _options(self.dtype)
            self.forward_options.update(forward_options or {})
            self.backward_options.update(backward_options or {})
            self.double_backward_options.update(double_backward_options or {})

        def check_forward(self, x_data):
            y = func(variable.Variable(x_data))
            self.assertEqual(y.array.dtype, x_data.dtype)
            expected = func_expected(backend.to_cpu(x_data), dtype=x_data.dtype)
            assert_allclose(expected, y.array, **self.forward_options)

        def check_backward(self, x_data, gy):
            gradient_check.check_backward(func, x_data, gy, **self.backward_options)

        def check_double_backward(self, x_data, gy, ggx):
            gradient_check.check_double_backward(func, x_data, gy, ggx,
                                                 **self.double_backward_options)

        def test_forward_cpu(self):
            self.check_forward(self.x)

        @attr.gpu
        def test_forward_gpu(self):
            self.check_forward(backend.to_gpu(self.x))

        def test_backward_cpu(self):
            self.check_backward(self.x, self.gy)

        @attr.gpu
        def test_backward_gpu(self):
            self.check_backward(backend.to_gpu(self.x), backend.to_gpu(self.gy))

        def test_double_backward_cpu(self):
            self.check_double_backward(self.x, self.gy, self.ggx)

        @attr.gpu
        def test_double_backward_gpu(self):
            self.check_double_backward(backend.to_gpu(self.x), backend.to_gpu(self.gy),
                                       backend.to_gpu(self.ggx))

        members = {
            "setUp": setUp, "check_forward": check_forward,
            "check_backward": check_backward, "check_double_backward": check_double_backward,
            "test_forward_cpu": test_forward_cpu, "test_forward_gpu": test_forward_gpu,
            "test_backward_cpu": test_backward_cpu, "test_backward_gpu": test_backward_gpu,
            "test_double_backward_cpu": test_double_backward_cpu,
            "test_double_backward_gpu": test_double_backward_gpu,
        }
        if func_class is not None:
            def test_label(self):
                self.assertEqual(func_class().label, label_expected)
            members["test_label"] = test_label
        for k, v in members.items():
            setattr(klass, k, v)
        return parameterized.parameterize(*parameterized.product({
            "shape": [(3, 2), ()],
            "dtype": [numpy.float16, numpy.float32, numpy.float64],
        }))(klass)
    return decorate
