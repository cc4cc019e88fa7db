"""``rechain.functions.<family>.<module>`` is the module, as in Chainer, where Chainer's
tests reach into it (``chainer.functions.array.flip._flip``), and ``F.<name>`` the function."""

import types

import numpy
import pytest

import rechain.functions as F

MODULES = [("array", "flip", "_flip"), ("math", "identity", "Identity"),
           ("noise", "dropout", "Dropout"), ("noise", "zoneout", "Zoneout"),
           ("rnn", "lstm", "LSTMGrad"), ("loss", "crf1d", "argmax_crf1d"),
           ("loss", "negative_sampling", "negative_sampling"), ("math", "einsum", "DiagEinSum"),
           ("math", "exponential", "Exp"), ("connection", "shift", "shift")]


@pytest.mark.parametrize("family,module,member", MODULES)
def test_family_attribute_is_the_module(family, module, member):
    mod = getattr(getattr(F, family), module)
    assert isinstance(mod, types.ModuleType)
    assert mod.__name__ == f"rechain.functions.{family}.{module}"
    assert hasattr(mod, member)


@pytest.mark.parametrize("name", ["flip", "identity", "dropout", "zoneout", "lstm", "crf1d",
                                  "negative_sampling", "argmax_crf1d", "einsum", "shift"])
def test_top_level_name_is_the_function(name):
    f = getattr(F, name)
    assert callable(f) and not isinstance(f, types.ModuleType)


def test_private_flip_helper_is_numpy_flip():
    x = numpy.arange(24.0).reshape(2, 3, 4)
    for axis in (0, 1, -1, (0, 2), None):
        numpy.testing.assert_array_equal(F.array.flip._flip(x, axis), numpy.flip(x, axis))
    numpy.testing.assert_array_equal(F.flip(x, 1).array, x[:, ::-1])


def test_basic_math_module_is_reachable_from_the_top_as_in_chainer():
    import rechain
    from rechain import basic_math
    assert basic_math is rechain.functions.math.basic_math
    v = rechain.Variable(numpy.ones(2))
    assert type((v + v).creator) is basic_math.Add
