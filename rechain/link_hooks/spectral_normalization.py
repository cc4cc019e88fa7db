"""Spectral normalization of a link's weight (Miyato et al. 2018) as a link hook."""

import numpy

import rechain
from rechain import backend
from rechain import configuration
from rechain import functions as F
from rechain import random as _random
from rechain.link_hooks import link_hook
from rechain.recompute import region as _region


def _l2normalize(xp, v, eps):
    return v / (xp.sqrt((v * v).sum()) + eps)


def _lazy_in_size(link, cb_args):
    """The input size an uninitialised link would initialise its weight with."""
    x = cb_args.args[0] if cb_args.args else cb_args.kwargs.get("x")
    if x is None:
        raise ValueError(f"{type(link).__name__}: the hook needs the input to initialise "
                         f"the link's weight, but the call had no positional input")
    shape = x.shape
    if isinstance(link, rechain.links.Linear):
        n_batch_axes = cb_args.kwargs.get("n_batch_axes", 1)
        return int(numpy.prod(shape[n_batch_axes:], dtype=numpy.int64))
    return shape[1]


def _output_axis(link):
    deconvs = tuple(getattr(rechain.links, n) for n in ("Deconvolution2D", "DeconvolutionND")
                    if hasattr(rechain.links, n))
    return 1 if isinstance(link, deconvs) else 0


def _as_matrix(W, axis):
    """``W`` (array or Variable) as a 2-D matrix whose rows are the output axis."""
    if axis != 0:
        axes = (axis,) + tuple(i for i in range(W.ndim) if i != axis)
        W = F.transpose(W, axes) if isinstance(W, rechain.Variable) else W.transpose(axes)
    if W.ndim == 2:
        return W
    shape = (W.shape[0], -1)
    return F.reshape(W, shape) if isinstance(W, rechain.Variable) else W.reshape(shape)


class SpectralNormalization(link_hook.LinkHook):
    """Divide a link's weight by its largest singular value at every call.

    ``sigma`` is estimated by ``n_power_iteration`` power-iteration steps from
    a vector ``u`` the hook keeps on the link as the persistent
    ``<weight_name>_u`` (so it is saved, loaded and moved with the link). The
    forward uses ``W / sigma`` (times the learned ``gamma`` when ``use_gamma``);
    gradients flow through ``sigma`` to ``W``. ``u`` advances only in training
    mode (``config.train``) and not while ``F.forget`` replays the call; a
    replay uses the ``u`` and ``v`` of the call it replays, so it computes the
    same ``sigma`` however often the link was called since.

    Meant for Linear, EmbedID, Convolution and Deconvolution links (the
    output axis is 1 for deconvolutions); others by ``weight_name``. Add it
    before ``optimizer.setup`` when ``use_gamma`` (it adds a parameter).

    Args:
        n_power_iteration (int): Power-iteration steps per call (>= 1).
        eps (float): Added to norms in the iteration.
        use_gamma (bool): Learn a scale ``gamma``, initialised to the initial
            weight's largest singular value.
        factor (float or None): Divide ``sigma`` by this (None: 1).
        weight_name (str): The link's attribute to normalise.
        name (str or None): The hook's name (default ``'SpectralNormalization'``).

    Example:
        >>> layer = L.Linear(4, 3).add_hook(link_hooks.SpectralNormalization())
    """

    name = "SpectralNormalization"

    def __init__(self, n_power_iteration=1, eps=1e-6, use_gamma=False, factor=None,
                 weight_name="W", name=None):
        if not isinstance(n_power_iteration, int) or n_power_iteration < 1:
            raise ValueError(f"SpectralNormalization: n_power_iteration must be an int >= 1, "
                             f"got {n_power_iteration!r}")
        self.n_power_iteration = n_power_iteration
        self.eps = eps
        self.use_gamma = use_gamma
        self.factor = factor
        self.weight_name = weight_name
        self.vector_name = weight_name + "_u"
        self.axis = 0
        self.v = None
        self._initialized = False
        self._original = None
        if name is not None:
            self.name = name

    def __enter__(self):
        raise NotImplementedError("SpectralNormalization: register it on a link with "
                                  "link.add_hook(hook), not as a context manager")

    def __exit__(self, *exc):
        raise NotImplementedError("SpectralNormalization is not a context manager")

    def added(self, link):
        if link is None:
            raise NotImplementedError("SpectralNormalization: only link.add_hook is supported")
        if not isinstance(getattr(link, self.weight_name, None), rechain.Parameter):
            raise ValueError(f"SpectralNormalization: {type(link).__name__} has no "
                             f"parameter {self.weight_name!r}")
        self.axis = _output_axis(link)
        if getattr(link, self.weight_name).array is not None:
            self._prepare(link)

    def deleted(self, link):
        if self._initialized:
            delattr(link, self.vector_name)
            if self.use_gamma:
                delattr(link, "gamma")
        self._initialized = False

    def _prepare(self, link):
        W = getattr(link, self.weight_name)
        n = W.shape[self.axis]
        if n == 0:
            raise ValueError(f"SpectralNormalization: {self.weight_name}.shape[{self.axis}] "
                             f"must be > 0, got shape {W.shape}")
        xp = W.xp
        u = _random.get_generator(xp).standard_normal(n).astype(W.dtype)
        link.add_persistent(self.vector_name, u)
        if self.use_gamma:
            s = xp.linalg.svd(_as_matrix(W.array, self.axis), compute_uv=False)
            with link.init_scope():
                link.gamma = rechain.Parameter(xp.asarray(s[0], dtype=W.dtype))
        self._initialized = True

    def forward_preprocess(self, cb_args):
        link = cb_args.link
        if not self._initialized:
            W = getattr(link, self.weight_name)
            if W.array is None:
                link._initialize_params(_lazy_in_size(link, cb_args))
            self._prepare(link)
        self._original = link.__dict__[self.weight_name]
        # Written past Link.__setattr__ so the parameter stays registered.
        link.__dict__[self.weight_name] = self.normalize_weight(link)

    def forward_postprocess(self, cb_args):
        cb_args.link.__dict__[self.weight_name] = self._original
        self._original = None

    def normalize_weight(self, link):
        """The normalised weight (a Variable) for one call; advances ``u`` when training.

        The ``(u, v)`` a call uses are handed to the enclosing ``F.forget``
        regions (``rechain.recompute.replayed_state``), so a replay computes
        the forward's ``sigma`` even after later calls moved ``u`` on.
        """
        W = link.__dict__[self.weight_name]
        Wm = _as_matrix(W, self.axis)
        if configuration.config.in_recomputing:
            u, v = _region.replayed_state((None, None))
        else:
            xp = backend.get_array_module(Wm.array)
            u = getattr(link, self.vector_name)
            w = Wm.array
            for _ in range(self.n_power_iteration):
                v = _l2normalize(xp, u @ w, self.eps)
                u = _l2normalize(xp, w @ v, self.eps)
            u, v = _region.replayed_state((u, v))
            self.v = v
            if configuration.config.train:
                getattr(link, self.vector_name)[...] = u
        # sigma = u^T W v, differentiable in W (u and v are constants)
        sigma = F.sum(Wm * (u[:, None] * v[None, :]))
        if self.factor is not None:
            sigma = sigma / self.factor
        scale = (link.gamma / sigma) if self.use_gamma else (1.0 / sigma)
        return W * F.broadcast_to(scale, W.shape)
