"""tile: repeat a whole array along each axis."""

from rechain import backend
from rechain import function_node
from rechain.functions.array import _util
from rechain.functions.array.reshape import reshape


class Tile(function_node.FunctionNode):
    """``xp.tile``; the gradient sums the copies back (reshape + sum)."""

    def __init__(self, reps):
        self.reps = reps

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        xp = backend.get_array_module(x)
        return xp.tile(x, self.reps),

    def backward(self, indexes, grad_outputs):
        from rechain.functions.math.sum import sum as _sum
        gy, = grad_outputs
        in_shape = self._in_shape
        d = max(len(in_shape), len(self.reps))
        xs = (1,) * (d - len(in_shape)) + tuple(in_shape)
        rs = (1,) * (d - len(self.reps)) + tuple(self.reps)
        split = []
        for r, s in zip(rs, xs):
            split += [r, s]
        gx = _sum(reshape(gy, tuple(split)), axis=tuple(range(0, 2 * d, 2)))
        return reshape(gx, in_shape),


def tile(x, reps):
    """Construct an array by repeating ``x`` ``reps`` times along each axis.

    Args:
        x (Variable or ndarray): Input.
        reps (int or tuple of int): Repetitions per axis (as in
            ``numpy.tile``: missing leading axes are added to either side).

    Returns:
        Variable: The tiled variable.

    Example:
        >>> F.tile(np.array([1., 2.], np.float32), (2, 2)).array
        array([[1., 2., 1., 2.],
               [1., 2., 1., 2.]], dtype=float32)
    """
    _util.check_input("tile", x)
    if _util.is_int(reps):
        reps = (reps,)
    try:
        reps = tuple(reps)
    except TypeError:
        raise TypeError(f"tile: reps must be an int or a tuple of ints, not "
                        f"{type(reps).__name__}") from None
    for i, r in enumerate(reps):
        if not _util.is_int(r):
            raise TypeError(f"tile: reps[{i}] must be an int, not {type(r).__name__}")
        if r < 0:
            raise ValueError(f"tile: reps {reps} must be non-negative (x shape {x.shape})")
    return Tile(tuple(int(r) for r in reps)).apply((x,))[0]
