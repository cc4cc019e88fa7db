"""End-to-end: small models built from links train with the optimizers."""

import numpy

import rechain
import rechain.functions as F
from rechain import optimizer_hooks
from rechain import optimizers
from rechain.links import link as link_module
from rechain.links.connection.convolution_2d import Convolution2D
from rechain.links.connection.linear import Linear
from rechain.links.normalization.batch_normalization import BatchNormalization


class CNN(link_module.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.conv = Convolution2D(1, 4, 3, pad=1)
            self.fc = Linear(None, 2)

    def forward(self, x):
        h = F.max_pooling_2d(F.relu(self.conv(x)), 2)
        return self.fc(h)


def _images(n=32, seed=0):
    rng = numpy.random.RandomState(seed)
    x = rng.rand(n, 1, 8, 8).astype(numpy.float32)
    t = (x[:, 0, :, :4].mean(axis=(1, 2)) > x[:, 0, :, 4:].mean(axis=(1, 2))).astype(numpy.int32)
    return x, t


def test_small_cnn_trains_with_adam():
    rechain.random.seed(0)
    model = CNN()
    opt = optimizers.Adam(alpha=0.01).setup(model)
    opt.add_hook(optimizer_hooks.GradientClipping(10.0))
    x, t = _images()
    losses = []
    for _ in range(40):
        loss = F.softmax_cross_entropy(model(x), t)
        losses.append(float(loss.array))
        model.cleargrads()
        loss.backward()
        opt.update()
    assert model.fc.W.shape == (2, 4 * 4 * 4)
    assert losses[-1] < 0.5 * losses[0]
    with rechain.using_config("train", False):
        acc = float(F.accuracy(model(x), t).array)
    assert acc > 0.8


def test_residual_mlp_with_forget_trains_like_plain():
    """forget per block changes nothing: same losses, same parameters, same statistics."""
    def make():
        rechain.random.seed(1)
        blocks = link_module.ChainList(*[link_module.Sequential(
            Linear(6, 6), BatchNormalization(6), F.relu, Linear(6, 6)) for _ in range(3)])
        return blocks

    def run(blocks, use_forget):
        opt = optimizers.MomentumSGD(lr=0.05).setup(blocks)
        opt.add_hook(optimizer_hooks.WeightDecay(1e-3))
        rng = numpy.random.RandomState(0)
        losses = []
        for _ in range(5):
            h = rng.randn(16, 6).astype(numpy.float32)
            for block in blocks:
                h = h + (F.forget(block, h) if use_forget else block(h))
            loss = F.sum(h * h) / 16
            losses.append(float(loss.array))
            blocks.cleargrads()
            loss.backward()
            opt.update()
        return losses

    plain, forgot = make(), make()
    lp, lf = run(plain, False), run(forgot, True)
    numpy.testing.assert_allclose(lf, lp, rtol=1e-6)
    assert lp[-1] < lp[0]
    for (name, p), (_, q) in zip(plain.namedparams(), forgot.namedparams()):
        numpy.testing.assert_allclose(q.array, p.array, rtol=1e-5, atol=1e-6, err_msg=name)
    for a, b in zip(plain, forgot):
        numpy.testing.assert_allclose(b[1].avg_mean, a[1].avg_mean, rtol=1e-6)
