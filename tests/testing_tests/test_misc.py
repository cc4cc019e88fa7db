import random
import sys
import unittest

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import testing
from _run import generated, run_case


def test_fix_random_on_a_method_is_deterministic_and_restores_state():
    draws = []

    class R(unittest.TestCase):
        @testing.fix_random()
        def test_draw(self):
            draws.append((numpy.random.uniform(), random.random(),
                          float(rechain.random.get_generator().uniform())))

    numpy.random.seed(1)
    before = numpy.random.get_state()[1].copy()
    py_before = random.getstate()
    for _ in range(2):
        assert run_case(R, "test_draw")[0] == "ok"
    assert draws[0][0] == draws[1][0] and draws[0][2] == draws[1][2]
    numpy.testing.assert_array_equal(numpy.random.get_state()[1], before)
    assert random.getstate() == py_before


def test_fix_random_on_a_class_covers_setup():
    values = []

    @testing.fix_random()
    class C(unittest.TestCase):
        def setUp(self):
            self.x = numpy.random.uniform()

        def test_a(self):
            values.append((self.x, testing.generate_seed()))

    assert isinstance(C, type)
    run_case(C, "test_a")
    run_case(C, "test_a")
    assert values[0] == values[1]
    with pytest.raises(RuntimeError, match="not set up"):
        testing.generate_seed()


def test_fix_random_on_a_parameterized_bundle():
    values = []

    class P(unittest.TestCase):
        def setUp(self):
            self.x = numpy.random.uniform()

        def test_a(self):
            values.append(self.x)

    bundle = testing.fix_random()(testing.parameterize({"k": 1}, {"k": 2})(P))
    for c in generated(bundle):
        run_case(c, "test_a")
        delattr(sys.modules[__name__], c.__name__)
    assert values[0] == values[1]


def test_save_and_load_npz_round_trip():
    with rechain.using_config("dtype", numpy.float64):
        a = L.Linear(2, 3)
        b = L.Linear(2, 3)
    testing.save_and_load_npz(a, b)
    numpy.testing.assert_array_equal(a.W.array, b.W.array)
    numpy.testing.assert_array_equal(a.b.array, b.b.array)


def test_trainer_with_mock_updater_counts_epochs():
    trainer = testing.get_trainer_with_mock_updater((25, "iteration"), iter_per_epoch=10)
    epochs = []

    def ext(t):
        epochs.append((t.updater.iteration, t.updater.epoch, t.updater.is_new_epoch))
    trainer.extend(ext, trigger=(1, "iteration"))
    trainer.run()
    u = trainer.updater
    assert u.iteration == 25 and u.epoch == 2 and u.epoch_detail == 2.5
    assert u.update_core.call_count == 25
    assert epochs[9] == (10, 1, True) and epochs[10] == (11, 1, False)
    with pytest.raises(ValueError, match="iter_per_epoch"):
        testing.get_trainer_with_mock_updater(iter_per_epoch=0)


def test_unary_math_function_unittest_generates_passing_tests():
    class TestTanh(unittest.TestCase):
        pass

    bundle = testing.unary_math_function_unittest(F.tanh)(TestTanh)
    classes = generated(bundle)
    assert len(classes) == 6  # 2 shapes x 3 dtypes
    dtypes = {c.dtype for c in classes}
    assert dtypes == {numpy.float16, numpy.float32, numpy.float64}
    for c in classes:
        for name in ("test_forward_cpu", "test_backward_cpu", "test_double_backward_cpu"):
            outcome, result = run_case(c, name)
            assert outcome == "ok", (c.__name__, name, result.failures, result.errors)
        assert "gpu" in [m.name for m in c.test_forward_gpu.pytestmark]
        delattr(sys.modules[__name__], c.__name__)


def test_unary_math_function_unittest_catches_a_wrong_function():
    def tanh(x):  # named like numpy.tanh, computes something else
        return F.sin(x)

    class TestWrong(unittest.TestCase):
        pass

    bundle = testing.unary_math_function_unittest(tanh)(TestWrong)
    c = generated(bundle)[0]
    outcome, _ = run_case(c, "test_forward_cpu")
    assert outcome == "fail"
    for k in generated(bundle):
        delattr(sys.modules[__name__], k.__name__)
    with pytest.raises(ValueError, match="NumPy has no function"):
        testing.unary_math_function_unittest(lambda x: x)


def test_run_module_only_runs_as_main(monkeypatch):
    import pytest as real_pytest
    calls = []
    monkeypatch.setattr(real_pytest, "main", lambda args: calls.append(args))
    testing.run_module("some.module", "f.py")
    assert calls == []
    testing.run_module("__main__", "f.py")
    assert calls and calls[0][0] == "f.py"
