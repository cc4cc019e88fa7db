"""Parameterised test classes: ``parameterize``, ``product``, ``product_dict``.

``@parameterize({'a': 1}, {'a': 2})`` on a ``unittest.TestCase`` makes one
class per dict, with the dict's entries as class attributes (a plain function
value becomes a static method, so ``self.f(x)`` calls it as given). Class
names carry the index and the parameters so a failing case names itself;
a failure inside a parameterised test re-raises with the parameters prepended.
"""

import functools
import itertools
import types
import unittest

from rechain.testing import _bundle

_MAX_VALUE_CHARS = 100
_MAX_PARAMS_CHARS = 5000


def _short(s, limit):
    if len(s) <= limit:
        return s
    keep = limit - 3
    head = keep // 2  # as Chainer, so generated class names (test ids) agree
    return s[:head] + "..." + s[len(s) - (keep - head):]


def _value_str(v):
    name = getattr(v, "__name__", None)
    return name if isinstance(name, str) else repr(v)


def _class_name(base_name, index, param):
    text = ", ".join(f"{k}={_short(_value_str(v), _MAX_VALUE_CHARS)}"
                     for k, v in sorted(param.items()))
    return f"{base_name}_param_{index}_{{{_short(text, _MAX_PARAMS_CHARS)}}}"


def _members(param):
    out = {}
    for k, v in param.items():
        out[k] = staticmethod(v) if isinstance(v, types.FunctionType) else v
    return out


def _with_params_in_error(method, base, param):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except unittest.SkipTest:
            raise
        except Exception as e:
            lines = [f"Parameterized test failed: {base.__name__}.{method.__name__}",
                     "Parameters:"]
            lines += [f"  {k}: {v!r}" for k, v in sorted(param.items())]
            lines += [f"{type(e).__name__}: {e}"]
            cls = MemoryError if type(e).__name__ == "OutOfMemoryError" else type(e)
            try:
                new = cls("\n".join(lines))
            except Exception:  # an exception type with a special constructor
                raise e
            raise new from e
    return wrapper


def parameterize(*params):
    """Class decorator: one generated test class per parameter dict."""
    for p in params:
        if not isinstance(p, dict):
            raise TypeError(f"parameterize: each parameter set must be a dict, "
                            f"got {type(p).__name__}")

    def generate(base):
        for i, param in enumerate(params):
            def wrap(method, param=param):
                return _with_params_in_error(method, base, param)

            def __str__(self, param=param):
                return f"{base.__str__(self)}  parameter: {param}"
            members = _members(param)
            members["__str__"] = __str__
            yield _class_name(base.__name__, i, param), members, wrap
    return _bundle.make_decorator(generate)


def _to_dicts(names, values):
    if not isinstance(names, str):
        raise TypeError(f"product: parameter names must be a string, got "
                        f"{type(names).__name__}")
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"product: values of {names!r} must be a list or tuple, got "
                        f"{type(values).__name__}")
    keys = names.split(",")
    out = []
    for v in values:
        if len(keys) == 1:
            out.append({keys[0]: v})
            continue
        if not isinstance(v, (tuple, list)) or len(v) != len(keys):
            raise ValueError(f"product: {names!r} needs {len(keys)} values per entry, "
                             f"got {v!r}")
        out.append(dict(zip(keys, v)))
    return out


def product_dict(*parameters):
    """Every combination of one dict from each list, merged into one dict."""
    return [{k: v for d in combo for k, v in d.items()}
            for combo in itertools.product(*parameters)]


#: The plain product_dict (Chainer's conftest swaps product_dict for a pairwise
#: one during collection and restores it from this name).
_product_dict_orig = product_dict


def product(parameter):
    """The Cartesian product of parameter values.

    ``parameter`` is a dict ``{name: values}`` (a name may be ``'a,b'`` with
    values given as pairs) or a list of lists of dicts.
    """
    if isinstance(parameter, dict):
        return product_dict(*[_to_dicts(k, v) for k, v in sorted(parameter.items())])
    if isinstance(parameter, list):
        if not all(isinstance(lst, list) and all(isinstance(d, dict) for d in lst)
                   for lst in parameter):
            raise TypeError("product: a list parameter must be a list of lists of dicts")
        return product_dict(*parameter)
    raise TypeError(f"product: parameter must be a dict or a list, got "
                    f"{type(parameter).__name__}")


def from_pytest_parameterize(names, values):
    """The dicts that ``pytest.mark.parametrize(names, values)`` would make."""
    return _to_dicts(names, values)


def parameterize_pytest(names, values):
    """``parameterize`` with pytest's ``(names, values)`` argument form."""
    return parameterize(*from_pytest_parameterize(names, values))
