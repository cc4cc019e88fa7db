import sys
import unittest

import pytest

from rechain import testing
from _run import generated, run_case


def test_product_of_a_dict_is_every_combination_sorted_by_name():
    got = testing.product({"b": [1, 2], "a": ["x", "y"]})
    assert got == [{"a": "x", "b": 1}, {"a": "x", "b": 2},
                   {"a": "y", "b": 1}, {"a": "y", "b": 2}]


def test_product_with_joint_names_takes_tuples():
    got = testing.product({"m,n": [(1, 2), (3, 4)], "k": [0]})
    assert got == [{"k": 0, "m": 1, "n": 2}, {"k": 0, "m": 3, "n": 4}]


def test_product_of_lists_of_dicts_and_product_dict_merge():
    got = testing.product([[{"a": 1}, {"a": 2}], [{"b": 3, "c": 4}]])
    assert got == [{"a": 1, "b": 3, "c": 4}, {"a": 2, "b": 3, "c": 4}]
    assert testing.product_dict([{"a": 1}], [{"b": 2}, {"b": 3}]) == [
        {"a": 1, "b": 2}, {"a": 1, "b": 3}]


def test_product_rejects_bad_arguments():
    with pytest.raises(TypeError, match="dict or a list"):
        testing.product(3)
    with pytest.raises(TypeError, match="lists of dicts"):
        testing.product([{"a": 1}])
    with pytest.raises(ValueError, match="needs 2 values"):
        testing.product({"a,b": [(1, 2, 3)]})


def test_from_pytest_parameterize():
    assert testing.from_pytest_parameterize("a,b", [(1, 2), (3, 4)]) == [
        {"a": 1, "b": 2}, {"a": 3, "b": 4}]
    assert testing.from_pytest_parameterize("a", [1, 2]) == [{"a": 1}, {"a": 2}]


def test_parameterize_makes_one_class_per_dict_with_attributes():
    module = sys.modules[__name__]

    class Case(unittest.TestCase):
        def test_value(self):
            self.assertEqual(self.x * 2, self.y)

    bundle = testing.parameterize({"x": 1, "y": 2}, {"x": 2, "y": 5})(Case)
    classes = generated(bundle)
    assert len(classes) == 2
    assert classes[0].__name__ == "Case_param_0_{x=1, y=2}"
    assert getattr(module, classes[1].__name__) is classes[1]
    assert run_case(classes[0], "test_value")[0] == "ok"
    outcome, result = run_case(classes[1], "test_value")
    assert outcome == "fail"
    # the failure names the parameters
    assert "x: 2" in result.failures[0][1] and "y: 5" in result.failures[0][1]
    for c in classes:
        delattr(module, c.__name__)


def test_stacked_parameterize_multiplies_and_removes_intermediate_classes():
    module = sys.modules[__name__]

    class Stack(unittest.TestCase):
        def test_sum(self):
            self.assertIn(self.a + self.b, (11, 12, 21, 22))

    inner = testing.parameterize({"a": 1}, {"a": 2})(Stack)
    inner_names = [c.__name__ for c in generated(inner)]
    outer = testing.parameterize({"b": 10}, {"b": 20})(inner)
    classes = generated(outer)
    assert len(classes) == 4
    assert {(c.a, c.b) for c in classes} == {(1, 10), (1, 20), (2, 10), (2, 20)}
    for name in inner_names:
        assert not hasattr(module, name)
    assert all(run_case(c, "test_sum")[0] == "ok" for c in classes)
    for c in classes:
        delattr(module, c.__name__)


def test_a_function_parameter_is_called_without_self():
    def double(v):
        return 2 * v

    class Fn(unittest.TestCase):
        def test_f(self):
            self.assertEqual(self.f(3), 6)

    bundle = testing.parameterize({"f": double})(Fn)
    cls, = generated(bundle)
    assert cls.__name__ == "Fn_param_0_{f=double}"
    assert run_case(cls, "test_f")[0] == "ok"
    delattr(sys.modules[__name__], cls.__name__)


def test_parameterize_pytest_and_skip_passes_through():
    class Sk(unittest.TestCase):
        def test_skip(self):
            raise unittest.SkipTest("not here")

    cls, = generated(testing.parameterize_pytest("a", [1])(Sk))
    assert cls.a == 1
    assert run_case(cls, "test_skip")[0] == "skip"
    delattr(sys.modules[__name__], cls.__name__)


def test_parameterize_rejects_non_dicts():
    with pytest.raises(TypeError, match="must be a dict"):
        testing.parameterize([("a", 1)])
