"""Highway: a gated mix of a layer's transform and its input (Srivastava et al., 2015)."""

from rechain.functions.activation.relu import relu as _relu
from rechain.functions.activation.sigmoid import sigmoid as _sigmoid
from rechain.links import link as _link
from rechain.links.connection.linear import Linear


class Highway(_link.Chain):
    """Highway layer: ``y = H(x) * T(x) + x * (1 - T(x))``.

    ``H(x) = activate(plain(x))`` and the transform gate
    ``T(x) = sigmoid(transform(x))``, both square fully-connected layers, so
    the output has the input's shape. (Chainer files this link under
    ``links.connection``; here it sits with the activations.)

    Args:
        in_out_size (int): Input and output size.
        nobias (bool): No biases in the two layers.
        activate (callable): The activation of ``H``.
        init_Wh, init_bh: Initializers of the plain layer's weight and bias.
        init_Wt, init_bt: Initializers of the gate's weight and bias; a
            negative ``init_bt`` (default -1) starts the gate closed, letting
            the input through.

    Attributes:
        plain (Linear): The layer of ``H``.
        transform (Linear): The layer of the gate ``T``.

    Example:
        >>> h = L.Highway(4)
        >>> h(numpy.ones((2, 4), numpy.float32)).shape
        (2, 4)
    """

    def __init__(self, in_out_size, nobias=False, activate=_relu, init_Wh=None,
                 init_Wt=None, init_bh=None, init_bt=-1):
        super().__init__()
        self.activate = activate
        with self.init_scope():
            self.plain = Linear(in_out_size, in_out_size, nobias=nobias, initialW=init_Wh,
                                initial_bias=init_bh)
            self.transform = Linear(in_out_size, in_out_size, nobias=nobias,
                                    initialW=init_Wt, initial_bias=init_bt)

    def forward(self, x):
        """Return ``H(x) * T(x) + x * (1 - T(x))``."""
        h = self.activate(self.plain(x))
        t = _sigmoid(self.transform(x))
        return h * t + x * (1.0 - t)
