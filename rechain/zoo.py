"""A zoo of small models, for tests, benchmarks and the command line.

Four models that are *not* chains of blocks — each is a :class:`rechain.Chain`
with its own ``forward`` that branches, skips or loops — and the two chain
benchmarks of the chain planner:

- ``resnet``: a small ResNet on 32x32 images; stages that halve the image
  with a stride-2 convolution and a 1x1 stride-2 projection shortcut,
  BatchNormalization, ReLU, global average pooling, a Linear classifier.
- ``unet``: a U-Net with long skips: convolutions going down through max and
  average pooling, back up through stride-2 deconvolutions, each level's skip
  concatenated, and a per-pixel softmax cross entropy.
- ``transformer``: a 4-layer pre-norm Transformer encoder with dropout; the
  multi-head self-attention is written out with ``F.matmul``, ``F.softmax``,
  ``F.reshape`` and ``F.transpose``; LayerNormalization, residuals, a
  mean-pooled classifier.
- ``lstm``: an LSTM language model (``L.EmbedID``, ``L.LSTM``, ``L.Linear``)
  on batches of sequences of different lengths, sorted longest first, so the
  LSTM's batch shrinks as the short sequences end; the lengths change from
  batch to batch; softmax cross entropy summed over time.
- ``mlp`` and ``resmlp``: the chains of :func:`rechain.demo.build_chain`
  (``relu(Linear(h))`` and ``h + l2(relu(bn(l1(h))))``, loss ``sum(h*h)/B``).

Every model comes from one call::

    model, batch_fn, loss_fn = rechain.zoo.make("unet", size="small", seed=0)
    loss = loss_fn(model, *batch_fn(0))

``batch_fn(step)`` gives the input arrays of training step ``step`` (the same
arrays for the same seed and step; synthetic data with a pattern to learn, so a
few steps of training lower the loss); ``loss_fn(model, *batch)`` gives the
scalar loss Variable. Sizes: ``'small'`` steps take a few milliseconds (for
tests), ``'bench'`` steps tenths of a second on one core (for benchmarks).
Everything is float32 and fixed by ``seed``: parameters through
``rechain.random.seed(seed)``, data through NumPy generators seeded by
``(seed, step)``. Dropout draws from ``rechain.random``, so reseeding it gives
the same masks.
"""

import numpy

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import demo

#: The names :func:`make` accepts; the first four are not chains of blocks.
NAMES = ("resnet", "unet", "transformer", "lstm", "mlp", "resmlp")

#: The models that are not chains of blocks.
NON_CHAIN = ("resnet", "unet", "transformer", "lstm")

SIZES = ("small", "bench")


def _rng(seed, step, salt):
    """The data generator of one step (``step=-1``: the model's fixed data)."""
    return numpy.random.default_rng([salt, int(seed), int(step) + 1])


# -- resnet ----------------------------------------------------------------------------

class BasicBlock(rechain.Chain):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).

    With ``stride=2`` (or a change of channels) the shortcut is a 1x1
    convolution of that stride followed by BatchNormalization (a projection);
    otherwise it is the identity.
    """

    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.project = stride != 1 or c_in != c_out
        with self.init_scope():
            self.conv1 = L.Convolution2D(c_in, c_out, 3, stride=stride, pad=1, nobias=True)
            self.bn1 = L.BatchNormalization(c_out)
            self.conv2 = L.Convolution2D(c_out, c_out, 3, pad=1, nobias=True)
            self.bn2 = L.BatchNormalization(c_out)
            if self.project:
                self.short = L.Convolution2D(c_in, c_out, 1, stride=stride, nobias=True)
                self.bn_short = L.BatchNormalization(c_out)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        s = self.bn_short(self.short(x)) if self.project else x
        return F.relu(h + s)


class ResNet(rechain.Chain):
    """Stem, three stages (the last two start by halving the image), global
    average pooling, Linear.

    Args:
        widths (tuple of 3 ints): Channels of the stages.
        blocks (int): Basic blocks per stage.
        n_out (int): Classes.
    """

    def __init__(self, widths=(16, 32, 64), blocks=1, n_out=10):
        super().__init__()
        with self.init_scope():
            self.stem = L.Convolution2D(3, widths[0], 3, pad=1, nobias=True)
            self.bn = L.BatchNormalization(widths[0])
            layers = []
            c = widths[0]
            for s, w in enumerate(widths):
                for b in range(blocks):
                    layers.append(BasicBlock(c, w, stride=2 if (s > 0 and b == 0) else 1))
                    c = w
            self.stages = rechain.ChainList(*layers)
            self.fc = L.Linear(c, n_out)

    def forward(self, x):
        h = F.relu(self.bn(self.stem(x)))
        for block in self.stages:
            h = block(h)
        return self.fc(F.mean(h, axis=(2, 3)))


def _make_resnet(size, seed):
    cfg = {"small": dict(widths=(4, 8, 8), blocks=1, batch=4, hw=16),
           "bench": dict(widths=(16, 32, 64), blocks=1, batch=32, hw=32)}[size]
    rechain.random.seed(seed)
    model = ResNet(cfg["widths"], cfg["blocks"], n_out=10)
    hw, batch = cfg["hw"], cfg["batch"]
    # Each class has a fixed random picture; an example is its class's picture
    # under noise (the task to learn).
    templates = _rng(seed, -1, 1).standard_normal((10, 3, hw, hw), dtype=numpy.float32)

    def batch_fn(step):
        r = _rng(seed, step, 1)
        t = r.integers(0, 10, batch).astype(numpy.int32)
        x = 0.5 * templates[t] + r.standard_normal((batch, 3, hw, hw), dtype=numpy.float32)
        return x.astype(numpy.float32), t

    def loss_fn(model, x, t):
        return F.softmax_cross_entropy(model(x), t)

    return model, batch_fn, loss_fn


# -- unet ------------------------------------------------------------------------------

class ConvPair(rechain.Chain):
    """Two 3x3 convolutions, each followed by ReLU."""

    def __init__(self, c_in, c_out):
        super().__init__()
        with self.init_scope():
            self.c1 = L.Convolution2D(c_in, c_out, 3, pad=1)
            self.c2 = L.Convolution2D(c_out, c_out, 3, pad=1)

    def forward(self, x):
        return F.relu(self.c2(F.relu(self.c1(x))))


class UNet(rechain.Chain):
    """A three-level U-Net.

    Down: ``d0`` at full size, max pooling, ``d1`` at half size, average
    pooling, ``mid`` at a quarter. Up: a stride-2 deconvolution, concatenation
    with ``d1``'s output (the long skip), ``u1``; again with ``d0``'s output,
    ``u0``; a 1x1 convolution gives the per-pixel class scores.
    """

    def __init__(self, c=8, n_in=3, n_classes=3):
        super().__init__()
        with self.init_scope():
            self.d0 = ConvPair(n_in, c)
            self.d1 = ConvPair(c, 2 * c)
            self.mid = ConvPair(2 * c, 4 * c)
            self.up1 = L.Deconvolution2D(4 * c, 2 * c, 2, stride=2)
            self.u1 = ConvPair(4 * c, 2 * c)
            self.up0 = L.Deconvolution2D(2 * c, c, 2, stride=2)
            self.u0 = ConvPair(2 * c, c)
            self.head = L.Convolution2D(c, n_classes, 1)

    def forward(self, x):
        s0 = self.d0(x)
        s1 = self.d1(F.max_pooling_2d(s0, 2))
        h = self.mid(F.average_pooling_2d(s1, 2))
        h = self.u1(F.concat([self.up1(h), s1], axis=1))
        h = self.u0(F.concat([self.up0(h), s0], axis=1))
        return self.head(h)


def _blur3(x):
    """3x3 box blur of (B, C, H, W), edges replicated (NumPy; the labels' rule)."""
    p = numpy.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = x.shape[2:]
    return sum(p[:, :, i:i + h, j:j + w] for i in range(3) for j in range(3)) / 9


def _make_unet(size, seed):
    cfg = {"small": dict(c=4, batch=2, hw=16), "bench": dict(c=16, batch=16, hw=32)}[size]
    rechain.random.seed(seed)
    n_classes = 3
    model = UNet(cfg["c"], n_in=3, n_classes=n_classes)
    batch, hw = cfg["batch"], cfg["hw"]

    def batch_fn(step):
        r = _rng(seed, step, 2)
        x = r.standard_normal((batch, 3, hw, hw), dtype=numpy.float32)
        # A pixel's class is the channel strongest around it.
        t = _blur3(x).argmax(axis=1).astype(numpy.int32)
        return x, t

    def loss_fn(model, x, t):
        return F.softmax_cross_entropy(model(x), t)

    return model, batch_fn, loss_fn


# -- transformer -----------------------------------------------------------------------

class SelfAttention(rechain.Chain):
    """Multi-head self-attention on ``(B, T, d)``, written with matmul and softmax."""

    def __init__(self, d, heads, dropout):
        super().__init__()
        if d % heads:
            raise ValueError(f"SelfAttention: d={d} is not a multiple of heads={heads}")
        self.d, self.heads, self.dropout = d, heads, dropout
        with self.init_scope():
            self.qkv = L.Linear(d, 3 * d)
            self.out = L.Linear(d, d)

    def forward(self, x):
        B, T, d = x.shape
        H, dh = self.heads, d // self.heads
        qkv = self.qkv(x, n_batch_axes=2)                     # (B, T, 3d)
        qkv = F.transpose(F.reshape(qkv, (B, T, 3, H, dh)), (2, 0, 3, 1, 4))
        q, k, v = (F.reshape(a, (B, H, T, dh)) for a in F.split_axis(qkv, 3, axis=0))
        scores = F.matmul(q, k, transb=True) * (1.0 / numpy.sqrt(dh))   # (B, H, T, T)
        attn = F.dropout(F.softmax(scores, axis=3), self.dropout)
        h = F.matmul(attn, v)                                  # (B, H, T, dh)
        h = F.reshape(F.transpose(h, (0, 2, 1, 3)), (B, T, d))
        return self.out(h, n_batch_axes=2)


class EncoderLayer(rechain.Chain):
    """Pre-norm layer: x + drop(attn(ln1(x))), then x + drop(ffn(ln2(x)))."""

    def __init__(self, d, heads, d_ff, dropout):
        super().__init__()
        self.dropout = dropout
        with self.init_scope():
            self.ln1 = L.LayerNormalization(d)
            self.attn = SelfAttention(d, heads, dropout)
            self.ln2 = L.LayerNormalization(d)
            self.ff1 = L.Linear(d, d_ff)
            self.ff2 = L.Linear(d_ff, d)

    def _norm(self, ln, x):
        B, T, d = x.shape
        return F.reshape(ln(F.reshape(x, (B * T, d))), (B, T, d))

    def forward(self, x):
        x = x + F.dropout(self.attn(self._norm(self.ln1, x)), self.dropout)
        h = F.relu(self.ff1(self._norm(self.ln2, x), n_batch_axes=2))
        return x + F.dropout(self.ff2(h, n_batch_axes=2), self.dropout)


class TransformerEncoder(rechain.Chain):
    """Token and position embeddings, ``n_layers`` encoder layers, a final
    LayerNormalization, mean over positions, Linear classifier."""

    def __init__(self, vocab, max_len, d=32, heads=4, d_ff=64, n_layers=4, dropout=0.1,
                 n_out=2):
        super().__init__()
        with self.init_scope():
            self.embed = L.EmbedID(vocab, d)
            self.pos = L.EmbedID(max_len, d)
            self.layers = rechain.ChainList(
                *[EncoderLayer(d, heads, d_ff, dropout) for _ in range(n_layers)])
            self.ln = L.LayerNormalization(d)
            self.fc = L.Linear(d, n_out)

    def forward(self, tokens):
        B, T = tokens.shape
        h = self.embed(tokens) + F.broadcast_to(self.pos(numpy.arange(T, dtype=numpy.int32)),
                                                (B, T, self.pos.W.shape[1]))
        for layer in self.layers:
            h = layer(h)
        return self.fc(self.ln(F.mean(h, axis=1)))


def _make_transformer(size, seed):
    cfg = {"small": dict(d=16, heads=2, d_ff=32, batch=4, T=9),
           "bench": dict(d=64, heads=4, d_ff=128, batch=64, T=33)}[size]
    rechain.random.seed(seed)
    vocab = 16
    model = TransformerEncoder(vocab, cfg["T"], cfg["d"], cfg["heads"], cfg["d_ff"],
                               n_layers=4, dropout=0.1, n_out=2)
    batch, T = cfg["batch"], cfg["T"]

    def batch_fn(step):
        r = _rng(seed, step, 3)
        tokens = r.integers(0, vocab, (batch, T)).astype(numpy.int32)
        # Class 1 when most tokens are in the lower half of the vocabulary (T is odd).
        t = ((tokens < vocab // 2).sum(axis=1) * 2 > T).astype(numpy.int32)
        return tokens, t

    def loss_fn(model, tokens, t):
        return F.softmax_cross_entropy(model(tokens), t)

    return model, batch_fn, loss_fn


# -- lstm ------------------------------------------------------------------------------

class LSTMLM(rechain.Chain):
    """EmbedID -> LSTM -> Linear, one time step at a time."""

    def __init__(self, vocab, d_embed, d_hidden):
        super().__init__()
        with self.init_scope():
            self.embed = L.EmbedID(vocab, d_embed)
            self.lstm = L.LSTM(d_embed, d_hidden)
            self.out = L.Linear(d_hidden, vocab)

    def forward(self, tokens, lengths):
        """Summed per-step mean cross entropy of predicting ``tokens[:, t+1]``.

        ``tokens`` is ``(B, T)`` padded, ``lengths`` ``(B,)`` sorted longest
        first; at step ``t`` only the sequences longer than ``t + 1`` take part,
        so the LSTM's batch shrinks as the short ones end.
        """
        lengths = numpy.asarray(lengths)
        if lengths.ndim != 1 or len(lengths) != tokens.shape[0]:
            raise ValueError(f"LSTMLM: lengths must have shape ({tokens.shape[0]},), got "
                             f"{lengths.shape}")
        if numpy.any(numpy.diff(lengths) > 0):
            raise ValueError("LSTMLM: lengths must be sorted longest first")
        self.lstm.reset_state()
        loss = 0
        for t in range(int(lengths[0]) - 1):
            n = int((lengths > t + 1).sum())
            y = self.out(self.lstm(self.embed(tokens[:n, t])))
            loss = loss + F.softmax_cross_entropy(y, tokens[:n, t + 1])
        return loss


def _make_lstm(size, seed):
    cfg = {"small": dict(d=16, hidden=16, batch=4, lo=3, hi=8),
           "bench": dict(d=128, hidden=256, batch=64, lo=10, hi=40)}[size]
    rechain.random.seed(seed)
    vocab = 32
    model = LSTMLM(vocab, cfg["d"], cfg["hidden"])
    batch = cfg["batch"]

    def batch_fn(step):
        r = _rng(seed, step, 4)
        # Lengths (at least 2) and their maximum change from batch to batch.
        hi = int(r.integers(cfg["lo"] + 1, cfg["hi"] + 1))
        lengths = numpy.sort(r.integers(2, hi + 1, batch))[::-1].astype(numpy.int32)
        lengths[0] = hi
        tokens = numpy.zeros((batch, hi), numpy.int32)
        # A Markov chain: the next token is 3*cur + 1 or 3*cur + 2 (mod vocab).
        tokens[:, 0] = r.integers(0, vocab, batch)
        for t in range(1, hi):
            tokens[:, t] = (3 * tokens[:, t - 1] + 1 + r.integers(0, 2, batch)) % vocab
        for i, n in enumerate(lengths):
            tokens[i, n:] = 0
        return tokens, lengths

    def loss_fn(model, tokens, lengths):
        return model(tokens, lengths)

    return model, batch_fn, loss_fn


# -- mlp / resmlp (the chain planner's benchmarks) -------------------------------------

def _make_chain(name, size, seed):
    cfg = {"small": dict(blocks=4, width=16, batch=8),
           "bench": dict(blocks=16, width=512, batch=256)}[size]
    *blocks, loss_of = demo.build_chain(name, cfg["blocks"], cfg["width"], seed=seed)
    model = rechain.ChainList(*blocks)
    width, batch = cfg["width"], cfg["batch"]

    def batch_fn(step):
        return (_rng(seed, step, 5).standard_normal((batch, width), dtype=numpy.float32),)

    def loss_fn(model, x):
        h = x
        for block in model:
            h = block(h)
        return loss_of(h)

    return model, batch_fn, loss_fn


_MAKERS = {"resnet": _make_resnet, "unet": _make_unet, "transformer": _make_transformer,
           "lstm": _make_lstm}


def make(name, size="small", seed=0):
    """Build a zoo model, its batches and its loss.

    Args:
        name (str): One of :data:`NAMES`.
        size (str): ``'small'`` (milliseconds a step, for tests) or ``'bench'``
            (tenths of a second a step on one core).
        seed (int): Seeds the parameters (``rechain.random.seed``) and the data.

    Returns:
        tuple: ``(model, batch_fn, loss_fn)``: the Chain, ``batch_fn(step)``
        giving the tuple of input arrays of a training step, and
        ``loss_fn(model, *batch)`` giving the loss Variable.
    """
    if name not in NAMES:
        raise ValueError(f"zoo.make: name must be one of {', '.join(NAMES)}, not {name!r}")
    if size not in SIZES:
        raise ValueError(f"zoo.make: size must be 'small' or 'bench', not {size!r}")
    if name in _MAKERS:
        return _MAKERS[name](size, seed)
    return _make_chain(name, size, seed)
