"""Bad input to the core raises at once, naming the function, argument and shape/dtype."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import InvalidType, Parameter, Variable
from rechain import gradient_check


def _v(shape, dtype=numpy.float32):
    return Variable(numpy.ones(shape, dtype))


@pytest.mark.parametrize("op,name", [(lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"),
                                     (lambda a, b: a * b, "mul"), (lambda a, b: a / b, "div"),
                                     (lambda a, b: a ** b, "pow")])
def test_unbroadcastable_shapes_name_both(op, name):
    with pytest.raises(InvalidType, match=rf"{name}: shapes cannot be broadcast together: "
                                          r"lhs \(2, 3\), rhs \(4, 5\)"):
        op(_v((2, 3)), _v((4, 5)))


def test_unbroadcastable_with_ndarray_operand():
    with pytest.raises(InvalidType, match=r"add: .*\(2, 3\).*\(2,\)"):
        _v((2, 3)) + numpy.ones(2, numpy.float32)


@pytest.mark.parametrize("op,name", [(lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"),
                                     (lambda a, b: a * b, "mul"), (lambda a, b: a / b, "div")])
def test_mixed_float_dtypes_name_both(op, name):
    with pytest.raises(InvalidType, match=rf"{name}: operands must have the same dtype, got "
                                          r"lhs float32 \(3,\) and rhs float64 \(3,\)"):
        op(_v((3,), numpy.float32), _v((3,), numpy.float64))


def test_invalid_type_is_both_type_and_value_error():
    with pytest.raises(TypeError):
        _v((3,)) + _v((3,), numpy.float64)
    with pytest.raises(ValueError):
        _v((3,)) + _v((3,), numpy.float64)


@pytest.mark.parametrize("other,tname", [("s", "str"), ([1.0], "list"), (None, "NoneType"),
                                         (1j, "complex")])
def test_variable_plus_unsupported_type_names_it(other, tname):
    with pytest.raises(TypeError, match=rf"add: unsupported right operand of type {tname}"):
        _v((2,)) + other


def test_unsupported_left_operand_names_it():
    with pytest.raises(TypeError, match=r"mul: unsupported left operand of type str"):
        "abc" * _v((2,))


def test_matmul_operator_shape_mismatch():
    pytest.importorskip("rechain.functions.math.matmul")
    with pytest.raises(InvalidType, match=r"matmul: .*\(2, 3\).*\(4, 5\).*3.*4"):
        _v((2, 3)) @ _v((4, 5))


def test_backward_of_non_scalar_without_grad_names_shape():
    y = _v((2, 3)) * 2.0
    with pytest.raises(ValueError, match=r"backward: .*output with shape \(2, 3\) must be given"):
        y.backward()


def test_backward_initial_grad_shape_mismatch():
    y = _v((2, 3)) * 2.0
    with pytest.raises(ValueError, match=r"backward: initial gradient shape \(3,\) does not "
                                         r"match the output shape \(2, 3\)"):
        rechain.backward([y], [numpy.ones(3, numpy.float32)])


def test_grad_with_non_variable_input_names_position():
    x = _v((3,))
    y = F.sum(x * 2.0)
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Variable, not ndarray"):
        rechain.grad([y], [x, numpy.ones(3)])
    with pytest.raises(TypeError, match=r"grad: outputs\[0\] must be a Variable, not float"):
        rechain.grad([1.0], [x])


def test_grad_outputs_length_mismatch():
    x = _v((3,))
    y = F.sum(x * 2.0)
    with pytest.raises(ValueError, match=r"grad: 1 outputs but 2 grad_outputs"):
        rechain.grad([y], [x], [None, None])
    with pytest.raises(ValueError, match=r"grad: 1 inputs but 0 grad_inputs"):
        rechain.grad([y], [x], grad_inputs=[])


def test_backward_function_grad_outputs_length_mismatch():
    x = _v((3,))
    with pytest.raises(ValueError, match=r"backward: 2 outputs but 1 grad_outputs"):
        rechain.backward([x * 2.0, x * 3.0], [numpy.ones(3, numpy.float32)])


def test_backward_with_non_variable_output():
    with pytest.raises(TypeError, match=r"backward: output 0 must be a Variable, not ndarray"):
        rechain.backward([numpy.ones(3)])


def test_variable_of_python_float():
    with pytest.raises(TypeError, match=r"Variable: data must be an ndarray, not a scalar of "
                                        r"type float"):
        Variable(3.0)


def test_variable_of_list():
    with pytest.raises(TypeError, match=r"Variable: data must be a NumPy or CuPy ndarray or "
                                        r"None, not list"):
        Variable([1, 2])


def test_grad_of_wrong_shape():
    x = _v((2, 3))
    with pytest.raises(ValueError, match=r"Variable\.grad: gradient shape \(3, 2\) does not "
                                         r"match the data shape \(2, 3\)"):
        x.grad = numpy.zeros((3, 2), numpy.float32)


def test_unknown_backward_keyword():
    y = F.sum(_v((3,)) * 2.0)
    with pytest.raises(TypeError, match=r"backward\(\) got an unexpected keyword argument "
                                        r"'keep_graph'"):
        y.backward(keep_graph=True)
    with pytest.raises(TypeError, match=r"backward: unexpected keyword arguments "
                                        r"\['keep_graph'\]"):
        rechain.backward([y], keep_graph=True)


def test_check_backward_with_mismatched_y_grad_count():
    with pytest.raises(ValueError, match=r"check_backward: func returned 1 outputs but 2 y_grad"):
        gradient_check.check_backward(lambda x: x * 2.0, numpy.ones(3),
                                      (numpy.ones(3), numpy.ones(3)))


def test_reshape_to_wrong_size():
    with pytest.raises(InvalidType, match=r"reshape: cannot reshape an input .*size 6\)? into "
                                          r"shape \(4, 2\)"):
        _v((2, 3)).reshape(4, 2)
    with pytest.raises(InvalidType, match=r"reshape: .*\(-1, -1\)"):
        _v((2, 3)).reshape(-1, -1)


def test_sum_over_out_of_range_axis():
    with pytest.raises(InvalidType, match=r"sum: axis=5 is out of range for an input "
                                          r"of shape \(2, 3\)"):
        F.sum(_v((2, 3)), axis=5)
    with pytest.raises(InvalidType, match=r"sum: axis=-3"):
        _v((2, 3)).sum(axis=-3)


def test_mean_over_repeated_axis():
    with pytest.raises(InvalidType, match=r"mean: axis=\(0, -2\) repeats an axis"):
        F.mean(_v((2, 3)), axis=(0, -2))


def test_mean_over_repeated_axis_names_the_shape():
    with pytest.raises(InvalidType, match=r"mean: axis=\(0, -2\) .*\(2, 3\)"):
        F.mean(_v((2, 3)), axis=(0, -2))


def test_sum_axis_of_wrong_type():
    with pytest.raises(TypeError, match=r"sum: axis must be .*not float"):
        F.sum(_v((2, 3)), axis=1.0)


def test_len_and_item_errors():
    with pytest.raises(TypeError, match=r"len\(\) of a 0-d Variable"):
        len(_v(()))
    with pytest.raises(ValueError, match=r"Variable\.item: .*shape \(3,\)"):
        _v((3,)).item()


def test_transpose_with_wrong_axes():
    with pytest.raises(InvalidType, match=r"transpose: axes \(0, 1, 2\) .*\(2, 3\)"):
        _v((2, 3)).transpose(0, 1, 2)


def test_parameter_shape_mismatch():
    with pytest.raises(ValueError, match=r"Parameter: initial array of shape \(2,\) does not "
                                         r"match shape \(3,\)"):
        Parameter(numpy.ones(2, numpy.float32), shape=3)


def test_function_node_with_list_input():
    with pytest.raises(TypeError, match=r"Reshape: input 0 must be a Variable or an ndarray, "
                                        r"not list"):
        from rechain.functions.array.reshape import Reshape
        Reshape((3,)).apply(([1.0, 2.0, 3.0],))


def test_pow_constant_base_must_be_positive():
    with pytest.raises(ValueError, match=r"pow: a constant base must be positive .* got 0"):
        0 ** _v((2,))


def test_seed_of_wrong_type():
    with pytest.raises(TypeError, match=r"rechain\.random\.seed: seed must be an int or None, "
                                        r"not float"):
        rechain.random.seed(0.5)


@pytest.mark.parametrize("data", [numpy.array([1.0], dtype=object), numpy.array(["a"]),
                                  numpy.zeros(2, dtype="V4")])
def test_variable_of_a_non_numeric_array(data):
    with pytest.raises(TypeError, match=r"Variable: data must have a numeric or boolean "
                                        r"dtype, got .* \(shape \(\w*,?\)\); convert it"):
        rechain.Variable(data)
    v = _v((1,))
    with pytest.raises(TypeError, match=r"Variable.array: data must have a numeric"):
        v.array = data
