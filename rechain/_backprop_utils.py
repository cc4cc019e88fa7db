"""Chainer's ``chainer._backprop_utils``: one node's backward step on lists of gradients.

rechain's backward loop (:mod:`rechain._backprop`) keeps one summed gradient
per node and runs each node's backward inline. Code written against Chainer's
internal step function -- a node, its target inputs, its output gradients and
a dict ``{input node: [gradients]}`` -- gets that step here, made of the same
pieces the loop uses: the node's ``backward`` (or ``backward_accumulate``),
the loop's check of what it returned, and sums of Variables. There is no
second backward implementation: nothing here walks a graph.
"""

from rechain import _backprop
from rechain import function_node as _function_node


def _reduce(grad_list):
    """Sum the gradients in ``grad_list`` into its only element (in place);
    return it, or None for an empty list."""
    if not grad_list:
        return None
    if len(grad_list) > 1:
        total = grad_list[0]
        for g in grad_list[1:]:
            total = total + g
        grad_list[:] = [total]
    return grad_list[0]


def backprop_step(func, target_input_indexes, grad_outputs, grad_inputs, is_debug):
    """Run ``func``'s backward and add its input gradients to ``grad_inputs``.

    Args:
        func (FunctionNode): The node; ``func.inputs`` are its input nodes.
        target_input_indexes (tuple of int): Sorted indexes of the inputs that
            need a gradient (at least one).
        grad_outputs (tuple): Gradient Variables of its outputs (None where an
            output has none).
        grad_inputs (dict): ``{input node: list of gradient Variables}`` for
            every target input; each list ends with at most one element, the
            input's summed gradient (rechain sums eagerly).
        is_debug (bool): Also check each gradient's type, shape, dtype and
            NaN (``config.debug``'s checks).
    """
    in_nodes = func.inputs
    targets = tuple(target_input_indexes)
    if type(func).backward_accumulate is not _function_node.FunctionNode.backward_accumulate:
        # the node adds to the gradient so far: give it the sum and take its result
        sums = {}
        for i in targets:
            node = in_nodes[i]
            if node not in sums:
                sums[node] = _reduce(grad_inputs[node])
                grad_inputs[node][:] = []
        gxs = _backprop._backward_accumulate(func, targets, in_nodes, grad_outputs,
                                             {n: g for n, g in sums.items() if g is not None},
                                             set())
    else:
        gxs = func.backward(targets, grad_outputs)
    gxs = _backprop._check_grads(func, targets, in_nodes, gxs, is_debug)
    for i, gx in zip(targets, gxs):
        if gx is None or gx.array is None:
            continue
        lst = grad_inputs[in_nodes[i]]
        lst.append(gx)
        _reduce(lst)
