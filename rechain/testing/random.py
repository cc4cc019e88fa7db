"""``fix_random``: deterministic random numbers in a test.

Inside a decorated test (or between a decorated class's ``setUp`` and
``tearDown``) NumPy's global generator, Python's ``random`` and rechain's
framework stream are seeded with fixed values; the previous states come back
afterwards. Nested uses share one setup. Set
``CHAINER_TEST_RANDOM_NONDETERMINISTIC=1`` to seed from entropy instead.
"""

import functools
import os
import random as _pyrandom
import types

import numpy

from rechain import random as _rrandom
from rechain.testing import _bundle

_SEED = 100
_depth = 0
_saved = None


def _setup_random():
    global _depth, _saved
    if _depth == 0:
        _saved = (_pyrandom.getstate(), numpy.random.get_state(), _rrandom.get_state())
        if bool(int(os.environ.get("CHAINER_TEST_RANDOM_NONDETERMINISTIC", "0"))):
            numpy.random.seed()
            _rrandom.seed()
        else:
            numpy.random.seed(_SEED)
            _rrandom.seed(_SEED)
    _depth += 1


def _teardown_random():
    global _depth, _saved
    if _depth <= 0:
        raise RuntimeError("fix_random: teardown without a setup")
    _depth -= 1
    if _depth == 0:
        py_state, np_state, r_state = _saved
        _pyrandom.setstate(py_state)
        numpy.random.set_state(np_state)
        _rrandom.set_state(r_state)
        _saved = None


def generate_seed():
    """A seed drawn from the fixed stream (only inside ``fix_random``)."""
    if _depth == 0:
        raise RuntimeError("generate_seed: random is not set up (use fix_random)")
    return int(numpy.random.randint(0xffffffff))


def _wrap_method(impl):
    @functools.wraps(impl)
    def test(self, *args, **kwargs):
        _setup_random()
        try:
            return impl(self, *args, **kwargs)
        finally:
            _teardown_random()
    return test


def fix_random(*, setup_method="setUp", teardown_method="tearDown"):
    """Decorator of a test method or a test class (also a parameterized one).

    Do not put it inside ``condition.retry`` / ``repeat``: every trial would
    see the same numbers.
    """
    def decorator(target):
        if isinstance(target, types.FunctionType) and target.__name__.startswith("test"):
            return _wrap_method(target)
        bundle = (target if isinstance(target, _bundle.CaseBundle)
                  else _bundle.CaseBundle([_bundle.Case(target, None, None)]))
        for klass, _, _ in bundle.cases:
            old_setup = getattr(klass, setup_method)
            old_teardown = getattr(klass, teardown_method)

            def setup(self, _old=old_setup):
                _setup_random()
                _old(self)

            def teardown(self, _old=old_teardown):
                try:
                    _old(self)
                finally:
                    _teardown_random()
            setattr(klass, setup_method, functools.wraps(old_setup)(setup))
            setattr(klass, teardown_method, functools.wraps(old_teardown)(teardown))
        if not isinstance(target, _bundle.CaseBundle):
            return target
        return bundle
    return decorator
