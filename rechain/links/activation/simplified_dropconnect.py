"""SimplifiedDropconnect: a fully-connected layer with weights dropped at random.

(Chainer files it among the activation links.)
"""

import numpy

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.noise.simplified_dropconnect import simplified_dropconnect
from rechain.links import link as _link


class SimplifiedDropconnect(_link.Link):
    """:func:`F.simplified_dropconnect` with parameters ``W`` and ``b``.

    Args:
        in_size (int or None): Input size; None infers it from the first input.
        out_size (int): Output size.
        ratio (float): Probability of dropping a weight.
        nobias (bool): No bias.
        initialW: Initializer of ``W`` (default ``HeNormal(1 / sqrt(2))``, as Chainer).
        initial_bias: Initializer of ``b`` (default 0).

    Example:
        >>> l = L.SimplifiedDropconnect(3, 2, ratio=0.5)
        >>> l(numpy.ones((4, 3), numpy.float32)).shape
        (4, 2)
    """

    def __init__(self, in_size, out_size, ratio=.5, nobias=False, initialW=None,
                 initial_bias=None):
        super().__init__()
        self.out_size = int(out_size)
        self.ratio = ratio
        if initialW is None:
            initialW = initializers.HeNormal(1. / numpy.sqrt(2))
        with self.init_scope():
            self.W = _variable.Parameter(initializers._get_initializer(initialW))
            if in_size is not None:
                self._initialize_params(in_size)
            if nobias:
                self.b = None
            else:
                bias = initializers._get_initializer(0 if initial_bias is None else initial_bias)
                self.b = _variable.Parameter(bias, self.out_size)

    def _initialize_params(self, in_size):
        self.W.initialize((self.out_size, int(in_size)))

    def forward(self, x, train=True, mask=None, use_batchwise_mask=True):
        """Apply the layer; ``train=False`` uses the weights unmasked (unless ``mask``)."""
        if self.W.array is None:
            self._initialize_params(int(numpy.prod(x.shape[1:])))
        return simplified_dropconnect(x, self.W, self.b, self.ratio, train, mask,
                                      use_batchwise_mask)
