"""Links: parameterised layers and containers, Chainer's ``chainer.links`` (``L``)."""

from rechain.links.link import Chain, ChainList, Link, Sequential
from rechain.links.activation import *  # noqa: F401,F403
from rechain.links.connection import *  # noqa: F401,F403
from rechain.links.loss import *  # noqa: F401,F403
from rechain.links.model import *  # noqa: F401,F403
from rechain.links.normalization import *  # noqa: F401,F403
from rechain.links.rnn import *  # noqa: F401,F403
from rechain.links import activation as _activation
from rechain.links import connection as _connection
from rechain.links import loss as _loss
from rechain.links import model as _model
from rechain.links import normalization as _normalization
from rechain.links import rnn as _rnn

__all__ = (["Chain", "ChainList", "Link", "Sequential"] + _activation.__all__
           + _connection.__all__ + _loss.__all__ + _model.__all__ + _normalization.__all__
           + _rnn.__all__)
