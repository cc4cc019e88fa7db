"""identity: pass the inputs through, as one node (Chainer's ``F.identity``)."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class Identity(function_node.FunctionNode):
    """Outputs views of the inputs; gradients pass through unchanged."""

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        return tuple(xp.asarray(x).view() for x in inputs)

    def backward(self, indexes, grad_outputs):
        return tuple(grad_outputs[i] for i in indexes)


def identity(*inputs):
    """Return the inputs unchanged, as new Variables joined to them in the graph.

    Useful to give a value a node of its own (e.g. to hook or name it).

    Args:
        *inputs (Variable or ndarray): Any number of inputs.

    Returns:
        Variable for one input, else a tuple of Variables.

    Example:
        >>> F.identity(np.array([1., 2.], np.float32)).array
        array([1., 2.], dtype=float32)
    """
    if not inputs:
        raise TypeError("identity: at least one input is required")
    if type_check.enabled():
        for i, x in enumerate(inputs):
            type_check.expect_array("identity", f"inputs[{i}]", x)
    ys = Identity().apply(tuple(inputs))
    return ys[0] if len(ys) == 1 else tuple(ys)
