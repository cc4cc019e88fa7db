"""Run generated unittest classes inside a test and report their outcomes."""

import unittest


def run_case(cls, name):
    """Outcome of one test method: 'ok', 'fail', 'error' or 'skip', and the result."""
    result = unittest.TestResult()
    cls(name).run(result)
    if result.skipped:
        return "skip", result
    if result.failures:
        return "fail", result
    if result.errors:
        return "error", result
    return "ok", result


def generated(bundle):
    """The classes a rechain.testing decorator generated."""
    return [c.klass for c in bundle.cases]
