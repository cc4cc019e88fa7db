import unittest

import pytest

from rechain.testing import attr, condition
from _run import run_case


def _marks(f):
    return [m.name for m in getattr(f, "pytestmark", [])]


def test_marks_are_pytest_marks_of_the_same_name():
    def f():
        pass
    for mark in (attr.slow, attr.cudnn, attr.ideep, attr.chainerx):
        assert _marks(mark(f))[-1] == mark.__name__
    def g():
        pass
    assert "gpu" in _marks(attr.gpu(g))

    def h():
        pass
    assert "gpu" in _marks(attr.multi_gpu(2)(h))


def test_multi_gpu_skips_over_the_gpu_limit(monkeypatch):
    monkeypatch.setenv("CHAINER_TEST_GPU_LIMIT", "1")

    class Two(unittest.TestCase):
        @attr.multi_gpu(2)
        def test_x(self):
            pass

        @attr.multi_gpu(1)
        def test_y(self):
            pass
    assert run_case(Two, "test_x")[0] == "skip"
    assert run_case(Two, "test_y")[0] == "ok"
    with pytest.raises(ValueError, match="positive int"):
        attr.multi_gpu(0)


def _flaky(outcomes):
    """A TestCase whose test_it follows ``outcomes`` ('ok', 'fail', 'skip') per trial."""
    calls = {"n": 0, "setups": 0}

    class Flaky(unittest.TestCase):
        def setUp(self):
            calls["setups"] += 1

        def test_it(self):
            i = calls["n"]
            calls["n"] += 1
            what = outcomes[min(i, len(outcomes) - 1)]
            if what == "skip":
                self.skipTest("skipped on purpose")
            self.assertEqual(what, "ok", f"trial {i} fails")
    return Flaky, calls


def test_retry_passes_when_a_later_trial_passes_and_stops_there():
    cls, calls = _flaky(["fail", "fail", "ok", "fail"])
    cls.test_it = condition.retry(5)(cls.test_it)
    assert run_case(cls, "test_it")[0] == "ok"
    assert calls["n"] == 3
    # each trial has its own setUp (plus the outer instance's)
    assert calls["setups"] == 4


def test_retry_fails_with_the_first_error_when_all_trials_fail():
    cls, calls = _flaky(["fail"])
    cls.test_it = condition.retry(3)(cls.test_it)
    outcome, result = run_case(cls, "test_it")
    assert outcome == "fail"
    assert calls["n"] == 3
    assert "Fail: 3, Success: 0" in result.failures[0][1]
    assert "trial 0 fails" in result.failures[0][1]


def test_repeat_needs_every_trial_and_stops_at_the_first_failure():
    cls, calls = _flaky(["ok", "fail", "ok"])
    cls.test_it = condition.repeat(3)(cls.test_it)
    assert run_case(cls, "test_it")[0] == "fail"
    assert calls["n"] == 2
    cls, calls = _flaky(["ok"])
    cls.test_it = condition.repeat(3)(cls.test_it)
    assert run_case(cls, "test_it")[0] == "ok"
    assert calls["n"] == 3


def test_repeat_with_success_at_least_and_skip():
    cls, calls = _flaky(["fail", "ok", "fail", "ok"])
    cls.test_it = condition.repeat_with_success_at_least(4, 2)(cls.test_it)
    assert run_case(cls, "test_it")[0] == "ok"
    cls, calls = _flaky(["skip"])
    cls.test_it = condition.retry(3)(cls.test_it)
    assert run_case(cls, "test_it")[0] == "skip"
    assert calls["n"] == 1
    with pytest.raises(ValueError, match="min_success"):
        condition.repeat_with_success_at_least(2, 3)
