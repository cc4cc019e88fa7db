"""add: elementwise sum of any number of inputs (Chainer's ``F.add(*xs)``)."""

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import sum_to
from rechain.functions.math import basic_math
from rechain.utils import type_check


class MultiAdd(function_node.FunctionNode):
    """y = x0 + x1 + ... (broadcasting); each input's gradient is gy summed
    down to its shape."""

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        y = inputs[0] + inputs[1]
        for x in inputs[2:]:
            if x.shape == y.shape:
                y += x
            else:
                y = y + x
        return xp.asarray(y),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        ret = []
        for i in indexes:
            shape = self.inputs[i].shape
            ret.append(gy if gy.shape == shape else sum_to(gy, shape))
        return tuple(ret)


def add(*xs):
    """Elementwise sum of the inputs, which broadcast together.

    With two inputs this is ``xs[0] + xs[1]`` (the second may be a scalar);
    with one, that input as a Variable.

    Args:
        *xs (Variable or ndarray): Inputs of one dtype.

    Returns:
        Variable: The sum.

    Example:
        >>> F.add(np.ones(2, np.float32), np.ones(2, np.float32), np.ones(2, np.float32)).array
        array([3., 3.], dtype=float32)
    """
    if not xs:
        raise TypeError("add: at least one input is required")
    if len(xs) == 1:
        return variable.as_variable(xs[0])
    if len(xs) == 2:
        lhs, rhs = xs
        if not isinstance(lhs, variable.Variable) and isinstance(rhs, variable.Variable):
            lhs, rhs = rhs, lhs  # addition commutes; basic_math wants a Variable first
        return basic_math.add(variable.as_variable(lhs), rhs)
    names = tuple(f"xs[{i}]" for i in range(len(xs)))
    if type_check.enabled():
        for n, x in zip(names, xs):
            type_check.expect_array("add", n, x)
        type_check.expect_same_dtype("add", names, xs)
        if any(x.shape != xs[0].shape for x in xs[1:]):
            type_check.broadcast_shapes("add", names, tuple(x.shape for x in xs))
    return MultiAdd().apply(tuple(xs))[0]
