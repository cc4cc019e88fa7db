"""Generating test classes from a base class: the machinery behind the decorators.

``parameterize``, ``inject_backend_tests`` and ``fix_random`` all turn one
``unittest.TestCase`` class into several, each added to the module that
defined the base. A decorator returns a :class:`CaseBundle` (not a class) so
that decorators stack: the next one expands each generated class again and
removes the previous generation from the module, leaving only the final
product for pytest to collect.
"""

import collections
import inspect
import sys

#: One generated (or bare) test class and where it is registered.
#: ``module_name`` and ``class_name`` are None for a bare class.
Case = collections.namedtuple("Case", ("klass", "module_name", "class_name"))


class CaseBundle:
    """The classes a decorator generated; the next decorator expands them."""

    def __init__(self, cases):
        self.cases = list(cases)
        for c in self.cases:
            if not isinstance(c, Case):
                raise TypeError(f"CaseBundle: expected Case entries, got {type(c).__name__}")


def _test_methods(klass):
    return [(name, value) for name, value in
            inspect.getmembers(klass, predicate=inspect.isfunction)
            if name.startswith("test_")]


def make_decorator(generate):
    """A class decorator from ``generate(base) -> iterable of (name, members, wrap)``.

    ``members`` (a dict) becomes class attributes of the generated class;
    ``wrap(method)`` returns the method to install for each of the base's
    test methods, or None to hide it (pytest skips None attributes).
    """
    def decorator(target):
        if isinstance(target, CaseBundle):
            cases = target.cases
        else:
            cases = [Case(target, None, None)]
        out = []
        for klass, module_name, class_name in cases:
            if module_name is None:
                module_name = klass.__module__
            else:  # a generated class is replaced by what we generate from it
                module = sys.modules[module_name]
                if getattr(module, class_name, None) is klass:
                    delattr(module, class_name)
            module = sys.modules[module_name]
            for name, members, wrap in generate(klass):
                attrs = dict(members)
                for mname, method in _test_methods(klass):
                    attrs[mname] = wrap(method)
                new = type(name, (klass,), attrs)
                new.__module__ = module_name
                new.__qualname__ = name
                setattr(module, name, new)
                out.append(Case(new, module_name, name))
        return CaseBundle(out)
    return decorator
