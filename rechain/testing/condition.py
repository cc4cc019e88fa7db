"""Repeating a flaky (random) test: ``retry``, ``repeat``, ``repeat_with_success_at_least``.

Each trial runs on a fresh instance of the test class with its own
``setUp``/``tearDown``, so random inputs drawn in ``setUp`` are new each
time. A skip in any trial skips the test.
"""

import functools
import traceback
import unittest


def _run_once(instance, f, args, kwargs):
    """One trial: ('ok'|'skip'|'fail', detail)."""
    trial = type(instance)(instance._testMethodName)
    try:
        trial.setUp()
        try:
            f(trial, *args, **kwargs)
        finally:
            trial.tearDown()
    except unittest.SkipTest as e:
        return "skip", str(e)
    except Exception as e:
        if type(e).__name__ == "Skipped":  # pytest.skip()
            return "skip", getattr(e, "msg", str(e))
        return "fail", traceback.format_exc()
    return "ok", None


def repeat_with_success_at_least(times, min_success):
    """Pass if at least ``min_success`` of up to ``times`` trials pass.

    Stops as soon as the outcome is decided.
    """
    if not 0 <= min_success <= times:
        raise ValueError(f"repeat_with_success_at_least: need 0 <= min_success <= times, "
                         f"got times={times}, min_success={min_success}")

    def decorator(f):
        @functools.wraps(f)
        def wrapper(self, *args, **kwargs):
            if not isinstance(self, unittest.TestCase):
                raise TypeError("repeat_with_success_at_least: decorates methods of a "
                                "unittest.TestCase")
            ok = failed = 0
            first_failure = None
            for _ in range(times):
                if ok >= min_success:
                    return
                outcome, detail = _run_once(self, f, args, kwargs)
                if outcome == "skip":
                    self.skipTest(detail)
                if outcome == "ok":
                    ok += 1
                else:
                    failed += 1
                    if first_failure is None:
                        first_failure = detail
                    if failed > times - min_success:
                        break
            if ok >= min_success:
                return
            msg = f"\nFail: {failed}, Success: {ok}"
            if first_failure:
                msg += "\n\nThe first error message:\n" + first_failure
            self.fail(msg)
        return wrapper
    return decorator


def repeat(times):
    """Pass only if all ``times`` trials pass."""
    return repeat_with_success_at_least(times, times)


def retry(times):
    """Pass if any of ``times`` trials passes."""
    return repeat_with_success_at_least(times, 1)
