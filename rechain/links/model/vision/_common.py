"""What the pretrained image models (VGG, ResNet, GoogLeNet) share.

A model is a :class:`~rechain.links.Chain` whose ``functions`` property lists
its named layers in order, each as the callables that turn the previous
layer's output into its own. :class:`PretrainedLayers` runs only as much of
that list as the requested layers need (``forward``), feeds it images
(``extract``, ``predict``) and loads weights.

Note [pretrained weights offline]: Chainer's ``pretrained_model='auto'``
downloads a Caffe model and converts it to an npz with Caffe's protobuf
reader. rechain does neither: it runs offline and has no Caffe reader. It
loads the npz that Chainer's conversion writes, from the place Chainer caches
it (``<dataset root>/pfnet/chainer/models/<name>.npz``; the dataset root is
``rechain.dataset.get_dataset_root()``, which also honours
``CHAINER_DATASET_ROOT``), and when the file is not there it raises
``FileNotFoundError`` naming the file, the path and where the original comes
from. The npz layouts are those of Chainer: for VGG the converted file is a
``save_npz`` of Chainer's ``CaffeFunction`` whose children have the Caffe
layer names (``conv1_1/W``, ..., ``fc8/b``), which are also the children of
``VGG16Layers``; for ResNet and GoogLeNet it is a ``save_npz`` of the model
link itself. A file written by rechain's ``save_npz`` of the model loads too.
"""

import collections
import importlib.util
import os

import numpy

from rechain import configuration
from rechain.dataset import download
from rechain.dataset.convert import concat_examples
from rechain.functions.array.reshape import reshape
from rechain.functions.math.average import average
from rechain.links import link as _link
from rechain.serializers import npz
from rechain.utils import argument
from rechain.utils import imgproc
from rechain.variable import Variable

#: Whether Pillow (needed by ``prepare``, ``extract`` and ``predict``) can be imported.
available = importlib.util.find_spec("PIL") is not None

#: Where, under the dataset root, the converted weights are looked for (Chainer's place).
MODELS_DIRECTORY = "pfnet/chainer/models"


def _import_pillow(where):
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(
            f"{where} needs Pillow to resize and convert images; install it with "
            f"`pip install Pillow` (importing PIL failed: {e})") from e
    return Image


def prepare_image(image, size, mean_bgr, where):
    """Turn an RGB image into the ``(3, H, W)`` BGR, mean-subtracted input of a model.

    Args:
        image (PIL.Image.Image or numpy.ndarray): An image; an array is
            ``(H, W)`` grey, ``(H, W, C)`` or ``(C, H, W)`` with ``C`` 1 or 3
            (RGB; ``(H, W, 4)`` RGBA too), its values read as 8-bit.
        size (pair of ints or None): ``(width, height)`` to resize to, as
            Pillow takes it; None keeps the size.
        mean_bgr (sequence of 3 floats): The per-channel mean subtracted, in
            BGR order.
        where (str): The caller's name, for error messages.

    Returns:
        numpy.ndarray: ``(3, height, width)`` of ``config.dtype``.
    """
    Image = _import_pillow(where)
    if isinstance(image, numpy.ndarray):
        # As in Chainer, a first axis of 1 or 3 means channels first.
        if image.ndim == 3 and image.shape[0] == 1:
            image = image[0]
        elif image.ndim == 3 and image.shape[0] == 3:
            image = image.transpose(1, 2, 0)
        elif image.ndim == 3 and image.shape[2] == 1:
            image = image[:, :, 0]
        if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
            raise ValueError(
                f"{where}: an image array must be (H, W), (H, W, C) or (C, H, W) with C 1 or "
                f"3, got shape {image.shape}")
        image = Image.fromarray(image.astype(numpy.uint8))
    elif not hasattr(image, "convert"):
        raise TypeError(f"{where}: image must be a PIL image or a numpy.ndarray, not "
                        f"{type(image).__name__}")
    image = image.convert("RGB")
    if size:
        image = image.resize(tuple(int(s) for s in size))
    dtype = configuration.get_dtype()
    array = numpy.asarray(image, dtype=dtype)[:, :, ::-1]
    array = array - numpy.asarray(mean_bgr, dtype=dtype)
    return numpy.ascontiguousarray(array.transpose(2, 0, 1))


def weights_path(where, pretrained_model, auto_name, origin):
    """The npz to load for ``pretrained_model`` (see Note [pretrained weights offline]).

    Args:
        where (str): The model's name, for error messages.
        pretrained_model (str or os.PathLike): ``'auto'`` for ``auto_name`` in
            the models directory of the dataset root, else a path.
        auto_name (str): File name of the converted weights.
        origin (str): Where the original weights come from (for the message).

    Returns:
        str: A path that exists.

    Raises:
        FileNotFoundError: The file is not there; the message says which file
            to place where.
    """
    if not isinstance(pretrained_model, (str, os.PathLike)):
        raise TypeError(f"{where}: pretrained_model must be None, 'auto' or the path of an npz "
                        f"file, not {type(pretrained_model).__name__}")
    if pretrained_model == "auto":
        directory = download.get_dataset_directory(MODELS_DIRECTORY, create_directory=False)
        path = os.path.join(directory, auto_name)
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"{where}(pretrained_model='auto'): the pretrained weights {auto_name} are "
                f"not at {path}. rechain does not download or convert Caffe models (it works "
                f"offline and has no Caffe reader). Place there the npz that Chainer 7 writes "
                f"for this model (the file Chainer caches as "
                f"$CHAINER_DATASET_ROOT/{MODELS_DIRECTORY}/{auto_name}, or the output of "
                f"Chainer's convert_caffemodel_to_npz of {origin}), or pass its path as "
                f"pretrained_model. The dataset root is {download.get_dataset_root()} "
                f"(RECHAIN_DATASET_ROOT, CHAINER_DATASET_ROOT or "
                f"rechain.dataset.set_dataset_root change it).")
        return path
    path = os.fspath(pretrained_model)
    if path.endswith(".caffemodel"):
        raise ValueError(
            f"{where}: pretrained_model={path!r} is a Caffe model; rechain cannot read Caffe "
            f"models. Convert it with Chainer's convert_caffemodel_to_npz and pass the npz "
            f"(or place it as {auto_name} under the dataset root's {MODELS_DIRECTORY} and "
            f"use 'auto').")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{where}: the pretrained_model file {path!r} does not exist")
    return path


def _no_caffe(cls):
    raise NotImplementedError(
        f"{cls.__name__}.convert_caffemodel_to_npz: rechain has no Caffe model reader; run "
        f"this conversion in Chainer 7 and load the npz it writes with "
        f"{cls.__name__}(pretrained_model=path)")


class PretrainedLayers(_link.Chain):
    """Base of the pretrained image models: named layers run on demand.

    Subclasses define ``functions`` (an ordered dict from layer name to the
    list of callables applied in turn), may name in ``_layer_inputs`` layers
    that branch off an earlier layer instead of the previous one, and set
    ``_prepare`` (the module's ``prepare``) and ``_extract_default``.
    """

    _layer_inputs = {}
    _extract_default = "pool5"
    _prepare = None

    @property
    def functions(self):
        raise NotImplementedError

    @property
    def available_layers(self):
        """list of str: The names ``forward`` and ``extract`` accept, in order."""
        return list(self.functions.keys())

    @classmethod
    def convert_caffemodel_to_npz(cls, path_caffemodel, path_npz, *args, **kwargs):
        """Not available in rechain (no Caffe reader): raises ``NotImplementedError``."""
        _no_caffe(cls)

    def _check_kwargs(self, where, kwargs):
        if kwargs:
            argument.check_unexpected_kwargs(
                kwargs,
                test="the test argument is not supported anymore; use "
                     "rechain.using_config('train', False)",
                train="the train argument is not supported anymore; use "
                      "rechain.using_config('train', ...)",
                volatile="the volatile argument is not supported anymore; use "
                         "rechain.no_backprop_mode()")
            raise TypeError(f"{type(self).__name__}.{where}: unexpected keyword arguments "
                            f"{sorted(kwargs)}")

    def _check_layers(self, where, layers, names):
        if isinstance(layers, str):
            raise TypeError(f"{type(self).__name__}.{where}: layers must be a list of layer "
                            f"names, not the string {layers!r} (write [{layers!r}])")
        layers = list(layers)
        unknown = [name for name in layers if name not in names]
        if unknown:
            raise ValueError(f"{type(self).__name__}.{where}: unknown layers {unknown}; the "
                             f"available layers are {list(names)}")
        return layers

    def forward(self, x, layers=None, **kwargs):
        """Compute the outputs of the named layers.

        Only the layers the requested ones depend on are run.

        Args:
            x (Variable or array): A batch made by the module's ``prepare``.
            layers (list of str): Names from ``available_layers``; default
                ``['prob']``.

        Returns:
            dict: Layer name to its output Variable, for each requested layer.
        """
        self._check_kwargs("forward", kwargs)
        if layers is None:
            layers = ["prob"]
        functions = self.functions
        names = list(functions)
        layers = self._check_layers("forward", layers, names)
        position = {name: i for i, name in enumerate(names)}
        inputs = [position[self._layer_inputs[name]] if name in self._layer_inputs else i - 1
                  for i, name in enumerate(names)]
        needed = set()
        pending = [position[name] for name in layers]
        while pending:
            i = pending.pop()
            if i in needed:
                continue
            needed.add(i)
            if inputs[i] >= 0:
                pending.append(inputs[i])
        uses = collections.Counter(inputs[i] for i in needed)
        wanted = {position[name] for name in layers}
        outputs = {-1: x}
        for i in sorted(needed):
            h = outputs[inputs[i]]
            for func in functions[names[i]]:
                h = func(h)
            outputs[i] = h
            # Drop what no later layer reads (it is still in the graph if backprop is on).
            uses[inputs[i]] -= 1
            if uses[inputs[i]] == 0 and inputs[i] not in wanted:
                del outputs[inputs[i]]
        return {name: outputs[position[name]] for name in layers}

    def _prepared_batch(self, where, images, size):
        images = list(images)
        if not images:
            raise ValueError(f"{type(self).__name__}.{where}: images is empty")
        return concat_examples([type(self)._prepare(image, size=size) for image in images])

    def extract(self, images, layers=None, size=(224, 224), **kwargs):
        """Run ``prepare`` on the images and return the named layers' outputs.

        Unlike :meth:`predict`, this keeps the current ``config.train`` and
        ``config.enable_backprop``; set them with :func:`rechain.using_config`
        to extract features for inference.

        Args:
            images (iterable of PIL images or arrays): RGB images.
            layers (list of str): Names from ``available_layers``; the default
                is ``['fc7']`` for VGG and ``['pool5']`` for the others.
            size (pair of ints or None): Resize every image to this size
                (``(width, height)``); None keeps the sizes, which must agree.

        Returns:
            dict: Layer name to output Variable.
        """
        self._check_kwargs("extract", kwargs)
        if layers is None:
            layers = [self._extract_default]
        x = self._prepared_batch("extract", images, size)
        return self(Variable(self.xp.asarray(x)), layers=layers)

    def predict(self, images, oversample=True):
        """Class probabilities of RGB images, in inference mode without a graph.

        Every image is resized to 256x256; the prediction is that of the
        center 224x224 crop, or with ``oversample`` the average over the four
        corner crops, the center crop and their mirror images.

        Args:
            images (iterable of PIL images or arrays): RGB images.
            oversample (bool): Average over ten crops instead of one.

        Returns:
            Variable: ``(len(images), 1000)`` probabilities.
        """
        x = self._prepared_batch("predict", images, (256, 256))
        if oversample:
            x = imgproc.oversample(x, crop_dims=(224, 224))
        else:
            x = x[:, :, 16:240, 16:240]
        with configuration.no_backprop_mode(), configuration.using_config("train", False):
            y = self(Variable(self.xp.asarray(x)), layers=["prob"])["prob"]
            if oversample:
                y = average(reshape(y, (len(y) // 10, 10) + y.shape[1:]), axis=1)
        return y

    def _weights_file(self, pretrained_model, auto_name, origin):
        """The npz to load (checked before the layers are built, so a missing file fails
        at once), or None for fresh weights."""
        if not pretrained_model:
            return None
        return weights_path(type(self).__name__, pretrained_model, auto_name, origin)

    def _load_weights(self, path):
        if path is not None:
            npz.load_npz(path, self)
