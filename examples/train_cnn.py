"""Train a small CNN on the 8x8 digits, written exactly as Chainer code.

Only the import line differs from Chainer: ``import rechain as chainer``.

    python examples/train_cnn.py [--epochs 10] [--forget]

With --forget, each convolutional block runs under F.forget.
"""

import argparse

import rechain as chainer
import rechain.functions as F
import rechain.links as L
from rechain import datasets, iterators, optimizers, serializers
from rechain.dataset import concat_examples


class CNN(chainer.Chain):
    def __init__(self, use_forget=False):
        super().__init__()
        self.use_forget = use_forget
        with self.init_scope():
            self.conv1 = L.Convolution2D(None, 16, ksize=3, pad=1)
            self.bn1 = L.BatchNormalization(16)
            self.conv2 = L.Convolution2D(16, 32, ksize=3, pad=1)
            self.bn2 = L.BatchNormalization(32)
            self.fc = L.Linear(None, 10)

    def block1(self, x):
        return F.max_pooling_2d(F.relu(self.bn1(self.conv1(x))), 2)

    def block2(self, h):
        return F.max_pooling_2d(F.relu(self.bn2(self.conv2(h))), 2)

    def forward(self, x):
        if self.use_forget:
            h = F.forget(self.block1, x)
            h = F.forget(self.block2, h)
        else:
            h = self.block2(self.block1(x))
        return self.fc(h)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--forget", action="store_true")
    parser.add_argument("--save", default=None, help="save the trained model to this .npz")
    args = parser.parse_args()

    chainer.random.seed(0)
    train, test = datasets.get_digits(ndim=3)
    model = CNN(args.forget)
    optimizer = optimizers.Adam()
    optimizer.setup(model)
    train_iter = iterators.SerialIterator(train, args.batch_size, shuffle=True, seed=0)

    while train_iter.epoch < args.epochs:
        x, t = concat_examples(next(train_iter))
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        if train_iter.is_new_epoch:
            with chainer.using_config("train", False), chainer.no_backprop_mode():
                xt, tt = concat_examples(test[:])
                acc = F.accuracy(model(xt), tt)
            print(f"epoch {train_iter.epoch:2d}  loss {float(loss.array):.4f}  "
                  f"test accuracy {float(acc.array):.4f}")
    if args.save:
        serializers.save_npz(args.save, model)


if __name__ == "__main__":
    main()
