"""spatial_transformer_grid and spatial_transformer_sampler (Jaderberg et al., 2015).

The grid is ``theta @ [x_t; y_t; 1]`` over a regular target grid in [-1, 1];
the sampler reads the image bilinearly at the grid's points, zero outside.
Both are compositions of differentiable functions (matmul, pad, clip,
get_item, products), so x, grid and theta get gradients of every order.
"""

import numpy

from rechain import backend
from rechain import variable
from rechain.functions.array import _util
from rechain.functions.array.get_item import get_item
from rechain.functions.array.pad import pad
from rechain.functions.array.reshape import reshape
from rechain.functions.array.transpose import transpose
from rechain.functions.math.clip import clip
from rechain.functions.math.matmul import matmul
from rechain.utils import type_check


def spatial_transformer_grid(theta, output_shape, **kwargs):
    """Sampling points of an affine transform, for :func:`spatial_transformer_sampler`.

    ``grid[b, :, i, j] = theta[b] @ (x_j, y_i, 1)`` with ``x_j`` and ``y_i``
    evenly spaced in [-1, 1] over ``W`` and ``H`` points; channel 0 is the
    horizontal (x) coordinate and channel 1 the vertical (y) one.

    Args:
        theta (Variable or ndarray): ``(B, 2, 3)`` float affine parameters.
        output_shape (pair of int): ``(H, W)`` of the grid.

    Returns:
        Variable: ``(B, 2, H, W)``.

    Example:
        >>> theta = np.array([[[1., 0., 0.], [0., 1., 0.]]], np.float32)
        >>> F.spatial_transformer_grid(theta, (2, 2)).array[0, 0]
        array([[-1.,  1.],
               [-1.,  1.]], dtype=float32)
    """
    f = "spatial_transformer_grid"
    if kwargs:
        raise TypeError(f"{f}: unexpected keyword arguments {sorted(kwargs)} (use_cudnn is "
                        f"not supported)")
    _util.check_input(f, theta, "theta")
    type_check.expect_float(f, "theta", theta)
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (2, 3):
        raise type_check.InvalidType(f"{f}: theta must have shape (B, 2, 3), got "
                                     f"{tuple(theta.shape)}")
    if (not isinstance(output_shape, (tuple, list)) or len(output_shape) != 2
            or not all(_util.is_int(s) and s > 0 for s in output_shape)):
        raise ValueError(f"{f}: output_shape must be a pair of positive ints (H, W), got "
                         f"{output_shape!r}")
    h, w = (int(s) for s in output_shape)
    xp = backend.get_array_module(variable.as_array(theta))
    ys, xs = numpy.meshgrid(numpy.linspace(-1, 1, h), numpy.linspace(-1, 1, w), indexing="ij")
    coords = numpy.stack([xs.ravel(), ys.ravel(), numpy.ones(h * w)]).astype(theta.dtype)
    grid = matmul(theta, xp.asarray(coords))
    return reshape(grid, (theta.shape[0], 2, h, w))


def spatial_transformer_sampler(x, grid, **kwargs):
    """Sample ``x`` bilinearly at the points of ``grid``; points outside read 0.

    ``grid[b, 0]`` is the horizontal coordinate (-1 the left, 1 the right
    pixel centre) and ``grid[b, 1]`` the vertical one.

    Args:
        x (Variable or ndarray): ``(B, C, H, W)`` float images.
        grid (Variable or ndarray): ``(B, 2, out_H, out_W)`` of ``x``'s dtype.

    Returns:
        Variable: ``(B, C, out_H, out_W)``.

    Example:
        >>> x = np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2)
        >>> F.spatial_transformer_sampler(x, np.zeros((1, 2, 1, 1), np.float32)).array
        array([[[[1.5]]]], dtype=float32)
    """
    f = "spatial_transformer_sampler"
    if kwargs:
        raise TypeError(f"{f}: unexpected keyword arguments {sorted(kwargs)} (use_cudnn is "
                        f"not supported)")
    _util.check_input(f, x)
    _util.check_input(f, grid, "grid")
    type_check.expect_float(f, "x", x)
    type_check.expect_ndim(f, "x", x, 4)
    type_check.expect_same_dtype(f, ("x", "grid"), (x, grid))
    if grid.ndim != 4 or grid.shape[1] != 2 or grid.shape[0] != x.shape[0]:
        raise type_check.InvalidType(f"{f}: grid must have shape (B, 2, out_H, out_W) with x's "
                                     f"batch size, got grid {tuple(grid.shape)} for x "
                                     f"{tuple(x.shape)}")
    b, c, h, w = x.shape
    oh, ow = grid.shape[2:]
    g = reshape(grid, (b, 2, oh * ow))
    # pixel coordinates in the image padded by one zero pixel on each side
    u = clip((g[:, 0] + 1) * ((w - 1) / 2) + 1, 0.0, float(w + 1))
    v = clip((g[:, 1] + 1) * ((h - 1) / 2) + 1, 0.0, float(h + 1))
    xp = backend.get_array_module(variable.as_array(x))
    u0 = xp.clip(xp.floor(u.array), 0, w).astype(numpy.intp)
    v0 = xp.clip(xp.floor(v.array), 0, h).astype(numpy.intp)
    u1, v1 = u0 + 1, v0 + 1
    du0, du1 = u - u0.astype(x.dtype), u1.astype(x.dtype) - u
    dv0, dv1 = v - v0.astype(x.dtype), v1.astype(x.dtype) - v
    wp = w + 2
    flat = reshape(transpose(pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (0, 2, 3, 1)),
                   (b, (h + 2) * wp, c))
    rows = xp.arange(b)[:, None]

    def at(vv, uu):  # (B, P, C) pixels at the given integer coordinates
        return get_item(flat, (rows, vv * wp + uu))

    def bc(wt):
        return reshape(wt, (b, oh * ow, 1))
    y = (bc(du1 * dv1) * at(v0, u0) + bc(du0 * dv1) * at(v0, u1)
         + bc(du1 * dv0) * at(v1, u0) + bc(du0 * dv0) * at(v1, u1))
    return transpose(reshape(y, (b, oh, ow, c)), (0, 3, 1, 2))
