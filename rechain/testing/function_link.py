"""Ready-made test cases for functions and links.

A subclass says how to make inputs and what the function (or link) should
compute; the base class supplies the tests Chainer's project runs on every
function: forward against the expectation (inputs not modified, outputs of
the right shapes and dtypes), backward and double backward against numerical
gradients (rechain's :mod:`rechain.gradient_check`, evaluated in
``numerical_grad_dtype``, float64 by default). Inputs are non-contiguous
unless ``contiguous = 'C'``. Use with
:func:`rechain.testing.inject_backend_tests`, which supplies
``backend_config``.

- :class:`FunctionTestCase`: ``generate_inputs()``, ``forward(inputs, device)``
  (Variables in, a tuple of Variables out), ``forward_expected(inputs)``
  (NumPy in and out).
- :class:`LinkTestCase`: ``param_names``, ``generate_params()``,
  ``create_link(initializers)``, ``generate_inputs()``,
  ``forward_expected(link, inputs)``; ``forward(link, inputs, device)``
  defaults to calling the link. Backward checks the inputs' and the named
  parameters' gradients.
- :class:`LinkInitializersTestCase`: ``get_initializers()`` lists, per
  parameter, initializer-likes; each must give the parameter the values it
  produces itself.
"""

import contextlib
import io
import numbers
import unittest

import numpy

from rechain import backend
from rechain import initializers
from rechain import variable as _variable
from rechain.testing import array as array_module
from rechain.utils import _format_array_props

#: How many input draws ``dodge_nondifferentiable`` tries before giving up.
_MAX_DODGE_TRIES = 100


class _TestError(AssertionError):
    """Base of the errors saying the function or link under test is wrong."""

    @classmethod
    def check(cls, expr, message):
        if not expr:
            raise cls(message)

    @classmethod
    def fail(cls, message, exc=None):
        if exc is not None:
            raise cls(f"{message}\n\n{type(exc).__name__}: {exc}") from exc
        raise cls(message)

    @classmethod
    @contextlib.contextmanager
    def raise_if_fail(cls, message, error_types=AssertionError):
        try:
            yield
        except error_types as e:
            cls.fail(message, e)


class FunctionTestError(_TestError):
    """The function under test computes something wrong."""


class LinkTestError(_TestError):
    """The link under test computes or initialises something wrong."""


def _check_initializer_like(init):
    if isinstance(init, backend.array_types) or callable(init) or (
            isinstance(init, (numbers.Number, numpy.generic)) and not isinstance(init, bool)):
        return
    raise TypeError(f"an initializer-like must be a scalar, an array or a callable, "
                    f"got {type(init).__name__}")


class InitializerArgument:
    """A link constructor argument and the initializer the link should use for it.

    For arguments such as None that are not themselves initializers:
    ``InitializerArgument(None, 0)`` says "pass None, expect zeros".
    """

    def __init__(self, argument_value, expected_initializer):
        if expected_initializer is None:
            raise ValueError("InitializerArgument: expected_initializer cannot be None")
        _check_initializer_like(expected_initializer)
        self.argument_value = argument_value
        self.expected_initializer = expected_initializer


def _check_array_types(arrays, device, func_name):
    if not isinstance(arrays, tuple):
        raise TypeError(f"{func_name}() must return a tuple, not {type(arrays).__name__}")
    bad = [type(a).__name__ for a in arrays
           if a is not None and not isinstance(a, device.supported_array_types)]
    if bad:
        raise TypeError(f"{func_name}() must return arrays of device {device} or None; "
                        f"got {', '.join(bad)}")


def _check_variable_types(outputs, device, func_name, error_cls):
    if not isinstance(outputs, tuple):
        error_cls.fail(f"{func_name}() must return a tuple, not {type(outputs).__name__}")
    if not all(isinstance(v, _variable.Variable) for v in outputs):
        error_cls.fail(f"{func_name}() must return a tuple of Variables; got "
                       f"{', '.join(type(v).__name__ for v in outputs)}")
    if not all(isinstance(v.array, device.supported_array_types) for v in outputs):
        error_cls.fail(f"{func_name}() must return Variables whose arrays are on {device}; "
                       f"got {', '.join(type(v.array).__name__ for v in outputs)}")


def _check_arrays_equal(actual, expected, error_cls, **opts):
    """Raise ``error_cls`` unless the arrays match in number, shape, dtype and value."""
    message, details = None, None
    if len(actual) != len(expected):
        message = f"Number of outputs ({len(actual)}, {len(expected)}) does not match"
    elif not all(a.shape == e.shape and a.dtype == e.dtype for a, e in zip(actual, expected)):
        message = "Shapes and/or dtypes do not match"
    else:
        errors = []
        for i, (a, e) in enumerate(zip(actual, expected)):
            try:
                array_module.assert_allclose(a, e, **opts)
            except AssertionError as err:
                errors.append((i, err))
        if errors:
            message = ("Outputs do not match the expected values.\nIndices of outputs "
                       f"that do not match: {', '.join(str(i) for i, _ in errors)}")
            details = "\n".join(f"Error details of output [{i}]:\n{err}" for i, err in errors)
    if message is None:
        return
    msg = (f"{message}\nExpected shapes and dtypes: {_format_array_props(expected)}\n"
           f"Actual shapes and dtypes:   {_format_array_props(actual)}\n")
    if details:
        msg += "\n\n" + details
    error_cls.fail(msg)


def _cpu():
    return backend.CpuDevice()


def _random_like(arrays):
    return tuple(None if a is None else
                 numpy.random.uniform(-1, 1, a.shape).astype(a.dtype) for a in arrays)


class _Base:
    contiguous = None
    dodge_nondifferentiable = False
    numerical_grad_dtype = numpy.float64
    skip_forward_test = False
    skip_backward_test = False
    backend_config = None

    def before_test(self, test_name):
        """Hook run before each test (raise ``unittest.SkipTest`` to skip)."""

    def _to_noncontiguous_as_needed(self, arrays):
        if self.contiguous is None:
            return array_module._as_noncontiguous_array(arrays)
        if self.contiguous == "C":
            return arrays
        raise ValueError(f"contiguous must be None or 'C', got {self.contiguous!r}")

    def _generate_inputs(self):
        inputs = self.generate_inputs()
        _check_array_types(inputs, _cpu(), "generate_inputs")
        return inputs

    def _generate_grad_outputs(self, outputs_template):
        gys = self.generate_grad_outputs(outputs_template)
        _check_array_types(gys, _cpu(), "generate_grad_outputs")
        return gys

    def generate_grad_outputs(self, outputs_template):
        """Upstream gradients, uniform in [-1, 1), like the outputs."""
        return _random_like(outputs_template)

    def _dodging(self, check):
        """Run ``check``; with ``dodge_nondifferentiable`` redraw at a kink."""
        from rechain import gradient_check
        if not self.dodge_nondifferentiable:
            check()
            return
        for _ in range(_MAX_DODGE_TRIES):
            try:
                check()
                return
            except gradient_check.NondifferentiableError:
                continue
        raise FunctionTestError(f"dodge_nondifferentiable: {_MAX_DODGE_TRIES} input draws "
                                "were all at non-differentiable points")


class FunctionTestBase(_Base):
    """The logic of :class:`FunctionTestCase`, without ``unittest.TestCase``."""

    skip_double_backward_test = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_forward_options = {}
        self.check_backward_options = {}
        self.check_double_backward_options = {}

    def generate_inputs(self):
        raise NotImplementedError("generate_inputs() is not implemented")

    def forward(self, inputs, device):
        raise NotImplementedError("forward() is not implemented")

    def forward_expected(self, inputs):
        raise NotImplementedError("forward_expected() is not implemented")

    def generate_grad_grad_inputs(self, inputs_template):
        """Second-order upstream gradients, uniform in [-1, 1), like the inputs."""
        return _random_like(inputs_template)

    def check_forward_outputs(self, outputs, expected_outputs):
        """Compare outputs with expectations (override to add checks)."""
        _check_arrays_equal(outputs, expected_outputs, FunctionTestError,
                            **self.check_forward_options)

    def _forward_expected(self, inputs):
        outputs = self.forward_expected(inputs)
        _check_array_types(outputs, _cpu(), "forward_expected")
        return outputs

    def _forward(self, inputs, backend_config):
        with backend_config:
            outputs = self.forward(inputs, backend_config.device)
        _check_variable_types(outputs, backend_config.device, "forward", FunctionTestError)
        return outputs

    def _start(self, backend_config, name, skip):
        if skip:
            raise unittest.SkipTest(f"skip_{name[5:]}_test is set")
        self.backend_config = backend_config
        self.test_name = name
        self.before_test(name)

    def run_test_forward(self, backend_config):
        self._start(backend_config, "test_forward", self.skip_forward_test)
        cpu_inputs = self._to_noncontiguous_as_needed(self._generate_inputs())
        originals = [a.copy() for a in cpu_inputs]
        expected = self._forward_expected(cpu_inputs)
        inputs = self._to_noncontiguous_as_needed(backend_config.get_array(cpu_inputs))
        outputs = self._forward(
            tuple(_variable.Variable(a, requires_grad=a.dtype.kind == "f") for a in inputs),
            backend_config)
        changed = [i for i, (before, after) in enumerate(zip(originals, inputs))
                   if not numpy.array_equal(before, backend.to_cpu(after), equal_nan=True)]
        if changed:
            out = io.StringIO()
            out.write(f"Input arrays have been modified during forward.\nIndices of "
                      f"modified inputs: {', '.join(map(str, changed))}\nInputs: "
                      f"{_format_array_props(inputs)}\n")
            for i in changed:
                out.write(f"\nInput[{i}]:\nOriginal:\n{originals[i]}\nAfter forward:\n"
                          f"{inputs[i]}\n")
            FunctionTestError.fail(out.getvalue())
        self.check_forward_outputs(tuple(v.array for v in outputs), expected)

    def run_test_backward(self, backend_config):
        from rechain import gradient_check
        self._start(backend_config, "test_backward", self.skip_backward_test)

        def f(*args):
            return self._forward(args, backend_config)

        def check():
            inputs = self._generate_inputs()
            gys = self._generate_grad_outputs(self._forward_expected(inputs))
            inputs = self._to_noncontiguous_as_needed(backend_config.get_array(inputs))
            gys = self._to_noncontiguous_as_needed(backend_config.get_array(gys))
            with FunctionTestError.raise_if_fail("backward is not implemented correctly"):
                gradient_check.check_backward(
                    f, inputs, gys, dtype=self.numerical_grad_dtype,
                    detect_nondifferentiable=self.dodge_nondifferentiable,
                    **self.check_backward_options)
        self._dodging(check)

    def run_test_double_backward(self, backend_config):
        from rechain import gradient_check
        self._start(backend_config, "test_double_backward", self.skip_double_backward_test)

        def f(*args):
            return self._forward(args, backend_config)

        def check():
            inputs = self._generate_inputs()
            gys = self._generate_grad_outputs(self._forward_expected(inputs))
            ggxs = self.generate_grad_grad_inputs(inputs)
            _check_array_types(ggxs, _cpu(), "generate_grad_grad_inputs")
            ggxs = tuple(g for g in ggxs if g is None or g.dtype.kind == "f")
            inputs = self._to_noncontiguous_as_needed(backend_config.get_array(inputs))
            gys = self._to_noncontiguous_as_needed(backend_config.get_array(gys))
            ggxs = self._to_noncontiguous_as_needed(backend_config.get_array(ggxs))
            with backend_config:
                with FunctionTestError.raise_if_fail(
                        "double backward is not implemented correctly"):
                    gradient_check.check_double_backward(
                        f, inputs, gys, ggxs, dtype=self.numerical_grad_dtype,
                        detect_nondifferentiable=self.dodge_nondifferentiable,
                        **self.check_double_backward_options)
        self._dodging(check)


class FunctionTestCase(FunctionTestBase, unittest.TestCase):
    """Forward, backward and double-backward tests of a function (see the module doc).

    Attributes a subclass may set: ``skip_forward_test``,
    ``skip_backward_test``, ``skip_double_backward_test``,
    ``dodge_nondifferentiable`` (redraw inputs at a kink),
    ``numerical_grad_dtype``, ``contiguous``; and in ``setUp``
    ``check_forward_options`` (for ``assert_allclose``),
    ``check_backward_options``, ``check_double_backward_options``.
    """

    def test_forward(self, backend_config):
        """Outputs match ``forward_expected`` and the inputs are unchanged."""
        self.run_test_forward(backend_config)

    def test_backward(self, backend_config):
        """Gradients match numerical ones."""
        self.run_test_backward(backend_config)

    def test_double_backward(self, backend_config):
        """Gradients of gradients match numerical ones."""
        self.run_test_double_backward(backend_config)


def _link_params(link, names):
    params = []
    for name in names:
        p = getattr(link, name, None)
        if p is None:
            LinkTestError.fail(f"Link does not have a parameter named {name!r}")
        params.append(p)
    return params


class _LinkTestBase(_Base):
    param_names = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_forward_options = {}
        self.check_backward_options = {}

    def generate_params(self):
        raise NotImplementedError("generate_params() is not implemented")

    def generate_inputs(self):
        raise NotImplementedError("generate_inputs() is not implemented")

    def create_link(self, initializers):
        raise NotImplementedError("create_link() is not implemented")

    def forward(self, link, inputs, device):
        """Call the link on the inputs; a single output becomes a 1-tuple."""
        outputs = link(*inputs)
        return outputs if isinstance(outputs, tuple) else (outputs,)

    def check_forward_outputs(self, outputs, expected_outputs):
        """Compare outputs with expectations (override to add checks)."""
        _check_arrays_equal(outputs, expected_outputs, LinkTestError,
                            **self.check_forward_options)

    def _generate_params(self):
        inits = self.generate_params()
        if not isinstance(inits, (tuple, list)):
            raise TypeError("generate_params() must return a tuple or a list")
        for init in inits:
            _check_generated_initializer(init)
        return inits

    def _create_link(self, inits, backend_config):
        from rechain.links.link import Link
        link = self.create_link(inits)
        if not isinstance(link, Link):
            raise TypeError(f"create_link() must return a Link, got {type(link).__name__}")
        link.to_device(backend_config.device)
        return link

    def _forward(self, link, inputs, backend_config):
        with backend_config:
            outputs = self.forward(link, inputs, backend_config.device)
        _check_variable_types(outputs, backend_config.device, "forward", LinkTestError)
        return outputs

    def _create_initialized_link(self, inits, backend_config):
        """A link run once on fresh inputs (so lazy parameters exist), gradients cleared."""
        link = self._create_link(inits, backend_config)
        inputs_np = self._generate_inputs()
        inputs = self._to_noncontiguous_as_needed(backend_config.get_array(inputs_np))
        outputs = self._forward(link, tuple(_variable.Variable(a) for a in inputs),
                                backend_config)
        link.cleargrads()
        return link, inputs, outputs


class LinkTestCase(_LinkTestBase, unittest.TestCase):
    """Forward and backward tests of a link (see the module doc).

    Backward checks the gradients of the inputs and of the parameters named
    in ``param_names`` against numerical ones.
    """

    def forward_expected(self, link, inputs):
        raise NotImplementedError("forward_expected() is not implemented")

    def test_forward(self, backend_config):
        """Outputs match ``forward_expected`` computed on the CPU."""
        if self.skip_forward_test:
            raise unittest.SkipTest("skip_forward_test is set")
        self.backend_config = backend_config
        self.before_test("test_forward")
        link = self._create_link(self._generate_params(), backend_config)
        inputs_np = self._generate_inputs()
        inputs = self._to_noncontiguous_as_needed(backend_config.get_array(inputs_np))
        outputs = self._forward(link, tuple(_variable.Variable(a) for a in inputs),
                                backend_config)
        outputs = tuple(backend.to_cpu(v.array) for v in outputs)
        link.to_device(_cpu())
        expected = self.forward_expected(link, inputs_np)
        _check_array_types(expected, _cpu(), "forward_expected")
        self.check_forward_outputs(outputs, expected)

    def test_backward(self, backend_config):
        """Input and parameter gradients match numerical ones."""
        from rechain import gradient_check
        if self.skip_backward_test:
            raise unittest.SkipTest("skip_backward_test is set")
        self.backend_config = backend_config
        self.before_test("test_backward")

        def check():
            inits = self._generate_params()
            link, inputs, outputs = self._create_initialized_link(inits, backend_config)
            gys = self._generate_grad_outputs(tuple(backend.to_cpu(v.array) for v in outputs))
            gys = self._to_noncontiguous_as_needed(backend_config.get_array(gys))
            inputs = self._to_noncontiguous_as_needed(inputs)
            params = _link_params(link, self.param_names)
            for p in params:
                p.array = self._to_noncontiguous_as_needed(p.array)

            def f(*xs):
                return self._forward(link, xs, backend_config)
            with LinkTestError.raise_if_fail("backward is not implemented correctly"):
                gradient_check.check_backward(
                    f, inputs, gys, params=tuple(params), dtype=self.numerical_grad_dtype,
                    detect_nondifferentiable=self.dodge_nondifferentiable,
                    **self.check_backward_options)
        self._dodging(check)


def _check_generated_initializer(init):
    if isinstance(init, InitializerArgument):
        init = init.expected_initializer
    elif init is None:
        raise ValueError("a None initializer must be given as InitializerArgument(None, "
                         "expected_initializer)")
    _check_initializer_like(init)


def _argument_value(init):
    return init.argument_value if isinstance(init, InitializerArgument) else init


def _expected_initializer(init):
    if isinstance(init, InitializerArgument):
        init = init.expected_initializer
    return initializers._get_initializer(init)


class LinkInitializersTestCase(_LinkTestBase, unittest.TestCase):
    """Tests that a link's parameters get the values their initializers give.

    ``get_initializers()`` returns, for each parameter in ``param_names``, a
    list of initializer-likes (or :class:`InitializerArgument`); each is
    passed in turn to ``create_link`` (the others from
    ``generate_params()``) and the parameter compared with what the
    initializer itself produces. Initializers must be deterministic.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_initializers_options = {}

    def get_initializers(self):
        raise NotImplementedError("get_initializers() is not implemented")

    def test_initializers(self, backend_config):
        """Each listed initializer gives its parameter its own values."""
        self.backend_config = backend_config
        self.before_test("test_initializers")
        per_param = self.get_initializers()
        if not isinstance(per_param, (tuple, list)) or not all(
                isinstance(lst, (tuple, list)) for lst in per_param):
            raise TypeError("get_initializers() must return a tuple or list of tuples "
                            "or lists")
        for inits in per_param:
            for init in inits:
                _check_generated_initializer(init)
        for i, inits in enumerate(per_param):
            base = list(self._generate_params())
            for init in inits:
                base[i] = init
                self._check_one(i, base, backend_config)

    def _check_one(self, i, inits, backend_config):
        args = [_argument_value(init) for init in inits]
        link, _, _ = self._create_initialized_link(args, backend_config)
        param = _link_params(link, self.param_names)[i]
        actual = backend.to_cpu(param.array)
        expected = numpy.empty_like(actual)
        _expected_initializer(inits[i])(expected)
        _check_arrays_equal((expected,), (actual,), LinkTestError,
                            **self.check_initializers_options)
