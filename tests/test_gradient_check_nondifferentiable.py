"""gradient_check: detect_nondifferentiable raises NondifferentiableError at a kink."""

import numpy
import pytest

import rechain.functions as F
from rechain import gradient_check


def test_numerical_grad_detects_a_kink_and_passes_smooth_points():
    x = numpy.array([1e-4, 0.5])

    def f():
        return numpy.abs(x)
    with pytest.raises(gradient_check.NondifferentiableError, match=r"element \(0,\)"):
        gradient_check.numerical_grad(f, (x,), (numpy.ones(2),), eps=1e-3,
                                      detect_nondifferentiable=True)
    x[0] = 0.3
    g, = gradient_check.numerical_grad(f, (x,), (numpy.ones(2),), eps=1e-3,
                                       detect_nondifferentiable=True)
    numpy.testing.assert_allclose(g, [1.0, 1.0])


def test_smooth_curvature_is_not_a_kink():
    x = numpy.array([0.0, 2.0, -3.0])

    def f():
        return numpy.exp(3 * x) + x ** 4
    g, = gradient_check.numerical_grad(f, (x,), (numpy.ones(3),), eps=1e-3,
                                       detect_nondifferentiable=True)
    numpy.testing.assert_allclose(g, 3 * numpy.exp(3 * x) + 4 * x ** 3, rtol=1e-5)


def test_check_backward_and_double_backward_raise_it():
    x = numpy.array([-2e-4, 0.7])
    gy = numpy.ones(2)
    with pytest.raises(gradient_check.NondifferentiableError, match="check_backward"):
        # seed fixed: a direction with a tiny component along element 0 would
        # step over the kink within eps, and seeds 7, 11 and 12 draw one
        gradient_check.check_backward(F.relu, x, gy, detect_nondifferentiable=True, seed=0)
    # without detection the same point is just checked (and relu's kink makes it fail
    # or pass by chance; not asserted); a smooth point passes with detection on
    gradient_check.check_backward(F.relu, numpy.array([0.4, 0.7]), gy,
                                  detect_nondifferentiable=True)

    def cube_abs(v):
        return F.absolute(v) * v * v
    gradient_check.check_double_backward(cube_abs, numpy.array([0.5, -0.8]), gy,
                                         numpy.ones(2), detect_nondifferentiable=True)
    with pytest.raises(gradient_check.NondifferentiableError):
        gradient_check.check_double_backward(F.absolute, numpy.array([1e-5, 0.8]), gy,
                                             numpy.ones(2), detect_nondifferentiable=True,
                                             seed=0)


def _detects(f, x, eps=1e-3):
    try:
        gradient_check.numerical_grad(f, (x,), (numpy.ones(x.shape),), eps=eps,
                                      detect_nondifferentiable=True)
    except gradient_check.NondifferentiableError:
        return True
    return False


def test_detection_looks_within_eps_only_as_chainer():
    # the samples are at -eps, -eps/2, 0, eps/2, eps: a kink 1.2 eps away is not seen
    for v, kink in [(0.8e-3, True), (-0.8e-3, True), (1.2e-3, False), (-1.2e-3, False)]:
        x = numpy.array([v], numpy.float32)
        assert _detects(lambda: numpy.abs(x), x) == kink, v
        assert _detects(lambda: (x > 0).astype(numpy.float32), x) == kink, v


def test_detection_finiteness():
    # non-finite at every sample (outside log's domain): not a kink; a change of
    # finiteness between the samples is one
    x = numpy.array([-10.0])
    with numpy.errstate(invalid="ignore", divide="ignore"):
        assert not _detects(lambda: numpy.log(x), x)
        x[0] = 0.0
        assert _detects(lambda: numpy.log(x), x)
    x[0] = numpy.inf
    with numpy.errstate(invalid="ignore"):
        assert not _detects(lambda: 2 * x, x)


def test_detection_gradient_is_fourth_order():
    # with the five samples the central difference is exact for a quartic's odd part up
    # to eps**4: exp(x) at eps=0.1 is within 1e-6 (the two-sample one is off by 2e-3)
    x = numpy.array([0.3])
    g5, = gradient_check.numerical_grad(lambda: numpy.exp(x), (x,), (1.0,), eps=0.1,
                                        detect_nondifferentiable=True)
    g2, = gradient_check.numerical_grad(lambda: numpy.exp(x), (x,), (1.0,), eps=0.1)
    assert abs(g5[0] - numpy.exp(0.3)) < 1e-6
    assert abs(g2[0] - numpy.exp(0.3)) > 1e-3
