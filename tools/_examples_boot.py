"""Boot module of tools/chainer_examples.py: ``python _examples_boot.py SCRIPT ARGS...``.

Prepares the process from outside the example, then runs SCRIPT as
``__main__`` with ``sys.argv = [SCRIPT, ARGS...]`` and the script's directory
first on ``sys.path`` (as ``python SCRIPT`` would):

- urllib (``urlopen``, ``urlretrieve``, every opener) serves the synthetic
  file of the URL's basename from ``$RECHAIN_EXAMPLES_SYNTHETIC``; any other
  URL raises ``URLError``, and sockets to non-loopback addresses are refused,
  so nothing reaches the network.
- ``$RECHAIN_EXAMPLES_DATA_MODE=functions``: rechain.datasets' downloading
  loaders that exist are replaced by synthetic generators of the same shapes
  and dtypes.
- ``$RECHAIN_EXAMPLES_CHAINERX_STUB=1``: the builtin name ``chainerx`` is an
  empty module with ``is_available() == False`` (the examples' ``import
  chainerx`` lines were removed, a few still test ``device.xp is chainerx``).
"""

import builtins
import email.message
import ipaddress
import os
import runpy
import socket
import sys
import types
import urllib.error
import urllib.parse
import urllib.request
import urllib.response

SYNTH = os.environ.get("RECHAIN_EXAMPLES_SYNTHETIC", "")


def _local_file(url):
    if isinstance(url, urllib.request.Request):
        url = url.full_url
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        return None, url
    name = os.path.basename(parsed.path)
    path = os.path.join(SYNTH, name)
    if SYNTH and name and os.path.isfile(path):
        return path, url
    raise urllib.error.URLError(
        "chainer_examples harness: no network here and no synthetic file for %s" % url)


def _response(path, url):
    headers = email.message.Message()
    headers["Content-Length"] = str(os.path.getsize(path))
    headers["Content-Type"] = "application/octet-stream"
    return urllib.response.addinfourl(open(path, "rb"), headers, url, code=200)


_orig_open = urllib.request.OpenerDirector.open


def _opener_open(self, fullurl, data=None, timeout=socket._GLOBAL_DEFAULT_TIMEOUT):
    path, url = _local_file(fullurl)
    if path is None:
        return _orig_open(self, fullurl, data, timeout)
    return _response(path, url)


def _urlopen(url, data=None, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, **kwargs):
    return _opener_open(None, url, data, timeout)


_orig_urlretrieve = urllib.request.urlretrieve


def _urlretrieve(url, filename=None, reporthook=None, data=None):
    path, url = _local_file(url)
    if path is None:
        return _orig_urlretrieve(url, filename, reporthook, data)
    import shutil
    import tempfile
    if filename is None:
        fd, filename = tempfile.mkstemp()
        os.close(fd)
    shutil.copyfile(path, filename)
    size = os.path.getsize(path)
    if reporthook is not None:
        reporthook(0, 8192, size)
        reporthook(max(1, (size + 8191) // 8192), 8192, size)
    headers = email.message.Message()
    headers["Content-Length"] = str(size)
    return filename, headers


_orig_connect = socket.socket.connect


def _connect(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise OSError("chainer_examples harness: network access refused (%s)" % (address,))
    return _orig_connect(self, address)


urllib.request.OpenerDirector.open = _opener_open
urllib.request.urlopen = _urlopen
urllib.request.urlretrieve = _urlretrieve
socket.socket.connect = _connect

if os.environ.get("RECHAIN_EXAMPLES_CHAINERX_STUB", "1") == "1":
    _cx = types.ModuleType("chainerx", "ChainerX stand-in of tools/chainer_examples.py: "
                           "not available, no array module is this module.")
    _cx.is_available = lambda: False
    builtins.chainerx = _cx


def _install_synthetic_loaders():
    """--data functions: synthetic get_mnist/get_cifar10/... in rechain.datasets
    (chainer.datasets when $RECHAIN_EXAMPLES_FRAMEWORK is chainer)."""
    import importlib
    import numpy
    fw = os.environ.get("RECHAIN_EXAMPLES_FRAMEWORK", "rechain")
    D = importlib.import_module(("chainer" if fw == "chainer" else "rechain") + ".datasets")

    rng = numpy.random.RandomState(0)

    def _finish(images, labels, withlabel, dtype, label_dtype=numpy.int32):
        if withlabel:
            return D.TupleDataset(images, labels.astype(label_dtype))
        return images

    def get_mnist(withlabel=True, ndim=1, scale=1., dtype=None, label_dtype=numpy.int32,
                  rgb_format=False):
        dtype = numpy.dtype(dtype or numpy.float32)
        shapes = {1: (784,), 2: (28, 28), 3: ((3 if rgb_format else 1), 28, 28)}
        out = []
        for n in (1000, 200):
            x = (rng.randint(0, 256, size=(n, 784)).astype(dtype) * (scale / 255.))
            if ndim == 3 and rgb_format:
                x = numpy.repeat(x.reshape(n, 1, 28, 28), 3, axis=1)
            x = x.reshape((n,) + shapes[ndim]).astype(dtype)
            out.append(_finish(x, rng.randint(0, 10, size=n), withlabel, dtype, label_dtype))
        return tuple(out)

    def _cifar(classes):
        def get(withlabel=True, ndim=3, scale=1., dtype=None):
            dtype = numpy.dtype(dtype or numpy.float32)
            out = []
            n_train = int(os.environ.get("RECHAIN_EXAMPLES_CIFAR_TRAIN", "300"))
            for n in (n_train, 200):
                x = rng.randint(0, 256, size=(n, 3, 32, 32)).astype(dtype) * (scale / 255.)
                if ndim == 1:
                    x = x.reshape(n, -1)
                out.append(_finish(x.astype(dtype), rng.randint(0, classes, size=n),
                                   withlabel, dtype))
            return tuple(out)
        return get

    vocab = {("w%d" % i): i for i in range(120)}
    vocab["<unk>"] = 120
    vocab["N"] = 121
    vocab["<eos>"] = 122

    def get_ptb_words():
        return tuple(rng.randint(0, len(vocab), size=n).astype(numpy.int32)
                     for n in (3000, 600, 600))

    def get_ptb_words_vocabulary():
        return dict(vocab)

    repl = {"get_mnist": get_mnist, "get_cifar10": _cifar(10), "get_cifar100": _cifar(100),
            "get_ptb_words": get_ptb_words,
            "get_ptb_words_vocabulary": get_ptb_words_vocabulary}
    for name, fn in repl.items():
        if hasattr(D, name):
            setattr(D, name, fn)


def main():
    if len(sys.argv) < 2:
        raise SystemExit("usage: _examples_boot.py SCRIPT [ARGS...]")
    script = sys.argv[1]
    if os.environ.get("RECHAIN_EXAMPLES_DATA_MODE") == "functions":
        _install_synthetic_loaders()
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
