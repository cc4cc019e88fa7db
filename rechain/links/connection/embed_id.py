"""The word-embedding layer."""

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.connection.embed_id import embed_id as _embed_id
from rechain.links import link as _link


class EmbedID(_link.Link):
    """Embedding layer: maps integer ids to rows of ``W``.

    Args:
        in_size (int): Vocabulary size.
        out_size (int): Embedding dimension.
        initialW: Initializer for ``W`` ``(in_size, out_size)``; default
            ``Normal(1.0)``.
        ignore_label (int or None): Id that maps to a zero vector and gets no
            gradient.

    Example:
        >>> e = L.EmbedID(10, 4)
        >>> e(numpy.array([1, 3], numpy.int32)).shape
        (2, 4)
    """

    ignore_label = None

    def __init__(self, in_size, out_size, initialW=None, ignore_label=None):
        super().__init__()
        self.ignore_label = ignore_label
        self.in_size = int(in_size)
        self.out_size = int(out_size)
        if initialW is None:
            initialW = initializers.Normal(1.0)
        with self.init_scope():
            self.W = _variable.Parameter(initializers._get_initializer(initialW),
                                         (self.in_size, self.out_size))

    @classmethod
    def from_params(cls, W, ignore_label=None):
        """A layer whose table starts as a copy of ``W`` ``(in_size, out_size)``."""
        in_size, out_size = W.shape
        return cls(in_size, out_size, initialW=_variable.as_array(W),
                   ignore_label=ignore_label)

    def forward(self, x):
        """Look up the rows of ``x``'s ids."""
        return _embed_id(x, self.W, ignore_label=self.ignore_label)

    def _repr_fields(self):
        return f"in_size={self.in_size}, out_size={self.out_size}"
