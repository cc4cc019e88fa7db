import numpy
import pytest

import rechain.functions as F
from rechain import optimizers
from rechain.links.connection.linear import Linear
from rechain.links.model.classifier import Classifier


def _data():
    rng = numpy.random.RandomState(0)
    x = rng.randn(20, 4).astype(numpy.float32)
    return x, (x[:, 0] > 0).astype(numpy.int32)


def test_loss_accuracy_and_training():
    x, t = _data()
    model = Classifier(Linear(4, 2))
    loss = model(x, t)
    ref = F.softmax_cross_entropy(model.predictor(x), t)
    numpy.testing.assert_allclose(loss.array, ref.array, rtol=1e-6)
    assert model.y.shape == (20, 2) and model.loss is loss
    assert 0 <= float(model.accuracy.array) <= 1
    opt = optimizers.Adam(alpha=0.05).setup(model)
    first = float(loss.array)
    for _ in range(30):
        opt.update(model, x, t)
    assert float(model.loss.array) < 0.5 * first
    assert float(model.accuracy.array) > 0.9
    assert [n for n, _ in model.namedparams()] == ["/predictor/W", "/predictor/b"]


def test_label_keys():
    x, t = _data()
    m0 = Classifier(Linear(4, 2), label_key=0)
    m0(t, x)
    assert m0.y.shape == (20, 2)
    mk = Classifier(Linear(4, 2), label_key="t")
    mk(x, t=t)
    assert mk.y.shape == (20, 2)
    with pytest.raises(ValueError, match="Label key 3 is out of range for 2"):
        Classifier(Linear(4, 2), label_key=3)(x, t)
    with pytest.raises(ValueError, match="Label key 't' is not among the keyword"):
        mk(x, t)
    with pytest.raises(TypeError, match="label_key must be int or str, not float"):
        Classifier(Linear(4, 2), label_key=1.5)


def test_custom_functions_and_no_accuracy():
    x, t = _data()
    model = Classifier(Linear(4, 1), lossfun=lambda y, t: F.mean_squared_error(y, t))
    model.compute_accuracy = False
    tf = t.reshape(-1, 1).astype(numpy.float32)
    model(x, tf)
    assert model.accuracy is None
