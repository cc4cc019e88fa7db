"""classification_summary, precision, recall, f1_score: per-class metrics (not differentiable).

The prediction is ``argmax(y, axis=1)``; positions whose label is
``ignore_label`` count nowhere. As in Chainer, the ratios are float64 and a
class never predicted (or never present) has precision (or recall) NaN, 0/0;
no warning is raised for it.
"""

import numpy

from rechain import backend
from rechain import variable
from rechain.functions.evaluation.accuracy import _check_labels
from rechain.utils import type_check


def _check(f, y, t):
    type_check.expect_float(f, "y", y)
    type_check.expect_kind(f, "t", t, "iu", "an integer")
    ys, ts = tuple(y.shape), tuple(t.shape)
    if y.ndim < 2:
        raise type_check.InvalidType(
            f"{f}: y must have at least 2 dimensions (N, C, ...), got shape {ys}")
    if t.ndim == 0 or ys[0] != ts[0]:
        raise type_check.InvalidType(
            f"{f}: y and t must have the same batch size, got y {ys} and t {ts}")
    n = t.ndim
    if y.ndim < n or ys[2:n + 1] != ts[1:] or any(s != 1 for s in ys[n + 1:]):
        raise type_check.InvalidType(
            f"{f}: t of shape {ts} does not match y of shape {ys}; t must have y's shape "
            f"without the class axis 1")


def _summary(f, y, t, label_num, beta, ignore_label):
    if type_check.enabled():
        _check(f, y, t)
    if label_num is not None and (not isinstance(label_num, (int, numpy.integer))
                                  or label_num <= 0):
        raise ValueError(f"{f}: label_num must be a positive int or None, got {label_num!r}")
    if not beta > 0:
        raise ValueError(f"{f}: beta must be positive, got {beta}")
    y, t = variable.as_array(y), variable.as_array(t)
    xp = backend.get_array_module(y)
    t = t.astype(xp.int64, copy=False)
    valid = t != ignore_label
    if label_num is None:
        label_num = int(t[valid].max()) + 1 if bool(valid.any()) else 0
    # labels must name a class (ignore_label excepted); an empty batch is an error
    _check_labels(f, t, label_num, lambda xp, t: (t >= 0) & (t < label_num), ignore_label)
    pred = y.argmax(axis=1).reshape(t.shape)[valid].ravel()
    true = t[valid].ravel()
    n = label_num

    def count(a):
        return xp.bincount(a[a < n], minlength=n)[:n]
    support = count(true)
    relevant = count(pred)
    tp = count(true[pred == true])
    with numpy.errstate(divide="ignore", invalid="ignore"):
        prec = tp / relevant
        rec = tp / support
        b2 = beta * beta
        fbeta = ((1 + b2) * prec * rec / (b2 * prec + rec)).astype(prec.dtype, copy=False)
    return tuple(variable.Variable(a, requires_grad=False) for a in (prec, rec, fbeta, support))


def classification_summary(y, t, label_num=None, beta=1.0, ignore_label=-1):
    """Precision, recall, F-beta score and support of each class.

    Args:
        y (Variable or ndarray): Scores ``(N, C, ...)``; the prediction is their
            argmax over axis 1.
        t (Variable or ndarray): Integer labels ``(N, ...)``.
        label_num (int or None): Number of classes; None takes ``max(t) + 1``.
        beta (float): Weight of recall in the F score.
        ignore_label (int): Label of positions left out.

    Returns:
        tuple of Variable: ``(precision, recall, fbeta, support)``, each of
        shape ``(label_num,)``; the first three float64 (NaN for 0/0), support
        the integer count of each class in ``t``.

    Example:
        >>> p, r, f, s = F.classification_summary(
        ...     np.array([[0., 1.], [1., 0.], [0., 1.]], np.float32), np.array([1, 1, 0]))
        >>> p.array, r.array, s.array
        (array([0. , 0.5]), array([0. , 0.5]), array([1, 2]))
    """
    return _summary("classification_summary", y, t, label_num, beta, ignore_label)


def precision(y, t, label_num=None, ignore_label=-1):
    """Per-class precision ``tp / (predicted count)``; returns ``(precision, support)``.

    See :func:`classification_summary` for the arguments.
    """
    s = _summary("precision", y, t, label_num, 1.0, ignore_label)
    return s[0], s[3]


def recall(y, t, label_num=None, ignore_label=-1):
    """Per-class recall ``tp / support``; returns ``(recall, support)``.

    See :func:`classification_summary` for the arguments.
    """
    s = _summary("recall", y, t, label_num, 1.0, ignore_label)
    return s[1], s[3]


def f1_score(y, t, label_num=None, ignore_label=-1):
    """Per-class F1 score, the harmonic mean of precision and recall; returns ``(f1, support)``.

    See :func:`classification_summary` for the arguments.
    """
    s = _summary("f1_score", y, t, label_num, 1.0, ignore_label)
    return s[2], s[3]
