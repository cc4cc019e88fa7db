"""FunctionTestCase / LinkTestCase / LinkInitializersTestCase on right and wrong code."""

import sys

import numpy

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import function_node, initializers, testing
from _run import generated, run_case

CPU = [{}]


def _cleanup(bundle):
    module = sys.modules[__name__]
    for c in generated(bundle):
        if getattr(module, c.__name__, None) is c:
            delattr(module, c.__name__)


def _outcomes(bundle, names):
    out = {}
    for c in generated(bundle):
        for n in names:
            outcome, result = run_case(c, n)
            out[n] = (outcome, result)
    _cleanup(bundle)
    return out


class _WrongGrad(function_node.FunctionNode):
    """y = x * x with the gradient of y = x (wrong on purpose)."""

    def forward(self, inputs):
        x, = inputs
        return x * x,

    def backward(self, indexes, grad_outputs):
        return grad_outputs[0],


class _InPlace(function_node.FunctionNode):
    """Modifies its input (wrong on purpose)."""

    def forward(self, inputs):
        x, = inputs
        x *= 2
        return x.copy(),

    def backward(self, indexes, grad_outputs):
        return 2 * grad_outputs[0],


def _square_case(forward):
    class SquareTest(testing.FunctionTestCase):
        def setUp(self):
            self.check_backward_options = {"atol": 1e-4, "rtol": 1e-3}

        def generate_inputs(self):
            return numpy.random.uniform(0.5, 1, (3, 2)).astype(numpy.float64),

        def forward(self, inputs, device):
            return forward(inputs[0]),

        def forward_expected(self, inputs):
            return inputs[0] * inputs[0],
    return SquareTest


NAMES = ("test_forward", "test_backward", "test_double_backward")


def test_function_test_case_passes_for_a_right_function():
    cls = _square_case(lambda x: x * x)
    got = _outcomes(testing.inject_backend_tests(None, CPU)(cls), NAMES)
    assert {n: o for n, (o, _) in got.items()} == dict.fromkeys(NAMES, "ok")


def test_function_test_case_catches_a_wrong_backward():
    cls = _square_case(lambda x: _WrongGrad().apply((x,))[0])
    got = _outcomes(testing.inject_backend_tests(None, CPU)(cls), NAMES)
    assert got["test_forward"][0] == "ok"
    outcome, result = got["test_backward"]
    assert outcome == "fail"
    assert "FunctionTestError: backward is not implemented correctly" in result.failures[0][1]


def test_function_test_case_catches_a_modified_input():
    cls = _square_case(lambda x: _InPlace().apply((x,))[0])
    outcome, result = _outcomes(testing.inject_backend_tests(None, CPU)(cls),
                                ("test_forward",))["test_forward"]
    assert outcome == "fail"
    assert "Input arrays have been modified during forward" in result.failures[0][1]


def test_function_test_case_catches_a_wrong_dtype_and_skips_on_request():
    class Cast(testing.FunctionTestCase):
        skip_double_backward_test = True

        def generate_inputs(self):
            return numpy.ones((2,), numpy.float32),

        def forward(self, inputs, device):
            return F.cast(inputs[0], numpy.float64),

        def forward_expected(self, inputs):
            return inputs[0],
    got = _outcomes(testing.inject_backend_tests(None, CPU)(Cast),
                    ("test_forward", "test_double_backward"))
    outcome, result = got["test_forward"]
    assert outcome == "fail" and "Shapes and/or dtypes do not match" in result.failures[0][1]
    assert got["test_double_backward"][0] == "skip"


def test_dodge_nondifferentiable_redraws_inputs_at_a_kink():
    draws = []

    class Abs(testing.FunctionTestCase):
        dodge_nondifferentiable = True
        skip_double_backward_test = True

        def generate_inputs(self):
            # the first draw sits on the kink of |x|; later ones do not
            x = numpy.array([0.0, 0.7]) if not draws else numpy.array([0.3, 0.7])
            draws.append(x)
            return x,

        def forward(self, inputs, device):
            return F.absolute(inputs[0]),

        def forward_expected(self, inputs):
            return numpy.abs(inputs[0]),
    outcome, _ = _outcomes(testing.inject_backend_tests(None, CPU)(Abs),
                           ("test_backward",))["test_backward"]
    assert outcome == "ok"
    assert len(draws) == 2  # the kink was detected and redrawn


def _linear_case(base, wrong=False):
    class LinearTest(base):
        param_names = ("W", "b")

        def setUp(self):
            self.check_backward_options = {"atol": 1e-4, "rtol": 1e-3}

        def generate_params(self):
            return (numpy.random.uniform(-1, 1, (3, 2)),
                    numpy.random.uniform(-1, 1, (3,)))

        def create_link(self, inits):
            w, b = inits
            return L.Linear(2, 3, initialW=w, initial_bias=b)

        def generate_inputs(self):
            return numpy.random.uniform(-1, 1, (4, 2)),

        def forward(self, link, inputs, device):
            y = link(inputs[0])
            return (y * 1.5 if wrong else y),

        def forward_expected(self, link, inputs):
            return inputs[0] @ link.W.array.T + link.b.array,

        def get_initializers(self):
            return ([initializers.Constant(1.5), 2.0],
                    [initializers.Constant(-1), testing.InitializerArgument(None, 0)])
    return LinearTest


def test_link_test_case_right_and_wrong():
    with rechain.using_config("dtype", numpy.float64):
        got = _outcomes(testing.inject_backend_tests(None, CPU)(
            _linear_case(testing.LinkTestCase)), ("test_forward", "test_backward"))
        assert {n: o for n, (o, _) in got.items()} == {"test_forward": "ok",
                                                      "test_backward": "ok"}
        got = _outcomes(testing.inject_backend_tests(None, CPU)(
            _linear_case(testing.LinkTestCase, wrong=True)), ("test_forward",))
        outcome, result = got["test_forward"]
        assert outcome == "fail" and "LinkTestError" in result.failures[0][1]


def test_link_initializers_test_case():
    with rechain.using_config("dtype", numpy.float64):
        got = _outcomes(testing.inject_backend_tests(None, CPU)(
            _linear_case(testing.LinkInitializersTestCase)), ("test_initializers",))
    assert got["test_initializers"][0] == "ok"


def test_link_initializers_test_case_catches_a_wrong_default():
    class Wrong(_linear_case(testing.LinkInitializersTestCase)):
        def get_initializers(self):
            # Linear's default bias is 0, not 7
            return ([2.0], [testing.InitializerArgument(None, 7)])
    with rechain.using_config("dtype", numpy.float64):
        outcome, result = _outcomes(testing.inject_backend_tests(None, CPU)(Wrong),
                                    ("test_initializers",))["test_initializers"]
    assert outcome == "fail" and "LinkTestError" in result.failures[0][1]


def test_initializer_argument_needs_an_expectation():
    import pytest
    with pytest.raises(ValueError, match="cannot be None"):
        testing.InitializerArgument(None, None)
    with pytest.raises(TypeError, match="initializer-like"):
        testing.InitializerArgument(None, "zeros")
