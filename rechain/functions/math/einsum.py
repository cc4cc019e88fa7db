"""einsum: Einstein summation over explicit or implicit subscripts.

Both of NumPy's (and Chainer's) calling forms are accepted, ``...`` batch
axes included; everything is first rewritten to explicit single-letter
subscripts, so the node only sees forms like ``'ij,jk->ik'``.

The gradient with respect to one operand is another einsum, of the output
gradient with the other operands, onto that operand's letters. Two cases
need more than that: a letter that only that operand has (it was summed out:
the gradient is constant along it, so it is broadcast back), and a letter
repeated within the operand (a diagonal: the gradient is written onto that
diagonal of zeros by :class:`EinsumEmbed`, whose own gradient is the
diagonal einsum again). Size-1 axes broadcast against longer ones are summed
back to length 1.
"""

import string

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.broadcast import sum_to
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check

_SYMBOLS = string.ascii_letters


def _unique(s):
    return "".join(dict.fromkeys(s))


class Einsum(function_node.FunctionNode):
    """y = einsum('s0,s1,...->out', x0, x1, ...) with explicit letters only."""

    def __init__(self, in_subs, out_sub):
        self.in_subs = tuple(in_subs)
        self.out_sub = out_sub

    @property
    def label(self):
        return f"Einsum({','.join(self.in_subs)}->{self.out_sub})"

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        xp = backend.get_array_module(*inputs)
        spec = ",".join(self.in_subs) + "->" + self.out_sub
        return xp.asarray(xp.einsum(spec, *inputs)).astype(inputs[0].dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        xs = self.get_retained_inputs()
        gy, = grad_outputs
        ret = []
        for i in indexes:
            ret.append(_operand_grad(i, xs, self.in_subs, self.out_sub, gy))
        return tuple(ret)


def _operand_grad(i, xs, in_subs, out_sub, gy):
    s = in_subs[i]
    x = xs[i]
    sizes = {}
    for letter, d in zip(s, x.shape):
        sizes.setdefault(letter, d)
    u = _unique(s)
    others = [j for j in range(len(xs)) if j != i]
    seen = set(out_sub).union(*(set(in_subs[j]) for j in others))
    v = "".join(c for c in u if c in seen)
    g = Einsum((out_sub,) + tuple(in_subs[j] for j in others), v).apply(
        (gy,) + tuple(xs[j] for j in others))[0]
    if v != u:  # letters summed out within x alone: constant along them
        g = reshape(g, tuple(g.shape[v.index(c)] if c in v else 1 for c in u))
        g = broadcast_to(g, tuple(g.shape[k] if c in v else sizes[c]
                                  for k, c in enumerate(u)))
    target = tuple(sizes[c] for c in u)
    if g.shape != target:  # x's size-1 axes were broadcast
        g = sum_to(g, target)
    if u != s:
        g = EinsumEmbed(s, u, x.shape).apply((g,))[0]
    return g


class EinsumEmbed(function_node.FunctionNode):
    """Zeros of ``shape`` (letters ``s``, with repeats) whose diagonal on the
    repeated letters is the input (letters ``u``, the unique ones)."""

    def __init__(self, s, u, shape):
        self.s, self.u, self.shape = s, u, tuple(shape)

    def forward(self, inputs):
        g, = inputs
        xp = backend.get_array_module(g)
        out = xp.zeros(self.shape, g.dtype)
        xp.einsum(f"{self.s}->{self.u}", out)[...] = g  # a writeable view
        return out,

    def backward(self, indexes, grad_outputs):
        return Einsum((self.s,), self.u).apply(grad_outputs)


def _parse(operands):
    """``(in_subs, out_sub or None, arrays, had_ellipsis)`` from either form."""
    if not operands:
        raise TypeError("einsum: no subscripts and no operands given")
    if isinstance(operands[0], str):
        spec = operands[0].replace(" ", "")
        arrays = operands[1:]
        if "->" in spec:
            lhs, out = spec.split("->", 1)
        else:
            lhs, out = spec, None
        ins = lhs.split(",")
    else:  # einsum(op0, sublist0, op1, sublist1, ..., [sublistout])
        ops = list(operands)
        out = None
        if len(ops) % 2:
            out = _sublist(ops.pop())
        arrays = ops[0::2]
        ins = [_sublist(sl) for sl in ops[1::2]]
    if len(ins) != len(arrays):
        raise type_check.InvalidType(f"einsum: the subscripts name {len(ins)} operands but "
                                     f"{len(arrays)} were given")
    for k, t in enumerate(ins + ([out] if out is not None else [])):
        rest = t.replace("...", "", 1)
        bad = [c for c in rest if c not in _SYMBOLS]
        if bad:
            what = "output" if k == len(ins) else f"operand {k}"
            raise ValueError(f"einsum: invalid subscript {bad[0]!r} for {what} in {t!r} "
                             f"(letters and one '...' only)")
    return ins, out, arrays


def _sublist(sl):
    parts = []
    for v in sl:
        if v is Ellipsis:
            parts.append("...")
        elif isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(_SYMBOLS):
            parts.append(_SYMBOLS[v])
        else:
            raise ValueError(f"einsum: a sublist holds ints in [0, {len(_SYMBOLS)}) or "
                             f"Ellipsis, got {v!r}")
    return "".join(parts)


def _explicit(ins, out, arrays):
    """Replace '...' by unused letters (right-aligned, NumPy's broadcasting)
    and make the output explicit; check ranks and sizes."""
    used = set("".join(ins) + (out or ""))
    free = [c for c in _SYMBOLS if c not in used]
    n_ell = []
    for k, (t, x) in enumerate(zip(ins, arrays)):
        named = len(t.replace("...", ""))
        if "..." in t:
            if x.ndim < named:
                raise type_check.InvalidType(
                    f"einsum: operand {k} has shape {tuple(x.shape)} but its subscripts "
                    f"{t!r} name at least {named} axes")
            n_ell.append(x.ndim - named)
        else:
            if x.ndim != named:
                raise type_check.InvalidType(
                    f"einsum: operand {k} has shape {tuple(x.shape)} but its subscripts "
                    f"{t!r} name {named} axes")
            n_ell.append(0)
    m = max(n_ell, default=0)
    ell = "".join(free[:m])
    ins = [t.replace("...", ell[m - n:] if n else "") for t, n in zip(ins, n_ell)]
    if out is None:
        counts = {}
        for c in "".join(ins):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} appears more than once")
            if not any(c in t for t in ins):
                raise ValueError(f"einsum: output subscript {c!r} is not in any operand")
    sizes = {}
    for k, (t, x) in enumerate(zip(ins, arrays)):
        for c, d in zip(t, x.shape):
            if c in sizes and d != sizes[c][0] and 1 not in (d, sizes[c][0]):
                raise type_check.InvalidType(
                    f"einsum: subscript {c!r} has length {sizes[c][0]} in operand "
                    f"{sizes[c][1]} but {d} in operand {k} (shape {tuple(x.shape)})")
            if c not in sizes or sizes[c][0] == 1:
                sizes[c] = (d, k)
    return ins, out


def einsum(*operands):
    """Einstein summation, as :func:`numpy.einsum`, differentiable in every operand.

    Two forms: ``einsum('ij,jk->ik', a, b)`` and
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. Without ``->`` the output is
    the letters that occur once, in alphabetical order (after any ``...``
    axes); ``...`` stands for broadcast batch axes. An explicit output may
    leave out a letter (or ``...``), which is then summed over.

    Args:
        *operands: The subscripts and the operands (Variables or arrays of
            one floating-point dtype), in one of the two forms.

    Returns:
        Variable: The summation.

    Example:
        >>> F.einsum('ij,jk->ik', np.ones((2, 3)), np.ones((3, 4))).shape
        (2, 4)
        >>> F.einsum('ii', np.eye(3)).array  # trace
        array(3.)
    """
    ins, out, arrays = _parse(operands)
    if type_check.enabled():
        for k, x in enumerate(arrays):
            type_check.expect_float("einsum", f"operand {k}", x)
        if arrays:
            type_check.expect_same_dtype("einsum", tuple(f"operand {k}"
                                                        for k in range(len(arrays))), arrays)
    if not arrays:
        raise TypeError("einsum: at least one operand is required")
    ins, out = _explicit(ins, out, arrays)
    return Einsum(ins, out).apply(tuple(arrays))[0]
