import hashlib
import os

import numpy
import pytest

from rechain import dataset
from rechain.dataset import download


def _listing(root):
    out = []
    for dirpath, _, files in os.walk(root):
        out.extend(os.path.relpath(os.path.join(dirpath, f), root) for f in files)
    return sorted(out)


def test_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setattr(download, "_root_override", None)
    monkeypatch.delenv("RECHAIN_DATASET_ROOT", raising=False)
    monkeypatch.delenv("CHAINER_DATASET_ROOT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert dataset.get_dataset_root() == str(tmp_path / "home" / ".rechain" / "dataset")
    monkeypatch.setenv("CHAINER_DATASET_ROOT", str(tmp_path / "c"))
    assert dataset.get_dataset_root() == str(tmp_path / "c")
    monkeypatch.setenv("RECHAIN_DATASET_ROOT", str(tmp_path / "r"))
    assert dataset.get_dataset_root() == str(tmp_path / "r")
    dataset.set_dataset_root(tmp_path / "s")
    assert dataset.get_dataset_root() == str(tmp_path / "s")
    dataset.set_dataset_root(None)
    assert dataset.get_dataset_root() == str(tmp_path / "r")
    with pytest.raises(TypeError, match="set_dataset_root: path must be"):
        dataset.set_dataset_root(3)


def test_get_dataset_directory(dataset_root):
    path = dataset.get_dataset_directory("a/b", create_directory=False)
    assert path == os.path.join(str(dataset_root), "a/b")
    assert not os.path.exists(path)
    assert dataset.get_dataset_directory("a/b") == path
    assert os.path.isdir(path)


def test_cached_download_downloads_once(file_server, dataset_root):
    file_server.files["/data.bin"] = b"\x00\x01hello" * 1000
    url = file_server.url("/data.bin")
    path = dataset.cached_download(url)
    assert path == os.path.join(str(dataset_root), "_dl_cache",
                                hashlib.md5(url.encode()).hexdigest())
    with open(path, "rb") as f:
        assert f.read() == b"\x00\x01hello" * 1000
    assert dataset.cached_download(url) == path
    assert file_server.requests == ["/data.bin"]  # the second call used the cache
    assert _listing(dataset_root) == [os.path.join("_dl_cache", os.path.basename(path))]


def test_cached_download_http_error_leaves_nothing(file_server, dataset_root):
    url = file_server.url("/missing.gz")
    with pytest.raises(download.DownloadError) as info:
        dataset.cached_download(url)
    message = str(info.value)
    assert url in message and "HTTP 404" in message
    assert "offline" in message and download._cache_path(url) in message
    assert _listing(dataset_root) == []


def test_cached_download_truncated_body_leaves_nothing(file_server, dataset_root):
    def half(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"x" * 10)
        handler.wfile.flush()
        handler.close_connection = True

    file_server.files["/cut"] = half
    with pytest.raises(download.DownloadError, match="cannot download"):
        dataset.cached_download(file_server.url("/cut"))
    assert _listing(dataset_root) == []


def test_cached_download_offline(dataset_root):
    # Nothing listens on port 9 of localhost: the connection is refused at once.
    url = "http://127.0.0.1:9/train-images-idx3-ubyte.gz"
    with pytest.raises(OSError) as info:
        dataset.cached_download(url)
    assert isinstance(info.value, download.DownloadError)
    assert url in str(info.value)
    assert "copy it to " + download._cache_path(url) in str(info.value)
    assert _listing(dataset_root) == []


def test_cached_download_file_placed_by_hand(dataset_root):
    url = "http://127.0.0.1:9/by-hand.bin"
    path = download._cache_path(url)
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as f:
        f.write(b"manual")
    assert dataset.cached_download(url) == path


def test_cached_download_any_tries_mirrors(file_server, dataset_root):
    file_server.files["/m2/f"] = b"mirror"
    urls = [file_server.url("/m1/f"), file_server.url("/m2/f")]
    path = download._cached_download_any(urls, "get_x")
    with open(path, "rb") as f:
        assert f.read() == b"mirror"
    assert file_server.requests == ["/m1/f", "/m2/f"]
    download._cached_download_any(urls, "get_x")
    assert len(file_server.requests) == 2
    with pytest.raises(download.DownloadError, match=r"get_x: cannot download.*/n1.*404.*/n2"):
        download._cached_download_any([file_server.url("/n1"), file_server.url("/n2")], "get_x")


def test_cache_or_load_file(dataset_root):
    path = os.path.join(str(dataset_root), "sub", "x.npz")
    seen = []

    def creator(temp_path):
        seen.append(temp_path)
        assert not os.path.exists(temp_path)
        assert os.path.basename(temp_path) == "x.npz"
        assert os.path.dirname(os.path.dirname(temp_path)) == os.path.dirname(path)
        numpy.savez(temp_path, a=numpy.arange(3))
        return "created"

    def loader(p):
        with numpy.load(p) as f:
            return f["a"].tolist()

    assert dataset.cache_or_load_file(path, creator, loader) == "created"
    assert dataset.cache_or_load_file(path, creator, loader) == [0, 1, 2]
    assert len(seen) == 1
    assert _listing(dataset_root) == [os.path.join("sub", "x.npz")]


def test_cache_or_load_file_failing_creator_leaves_nothing(dataset_root):
    path = os.path.join(str(dataset_root), "y.npz")

    def creator(temp_path):
        with open(temp_path, "wb") as f:
            f.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dataset.cache_or_load_file(path, creator, None)
    assert _listing(dataset_root) == []
    assert os.listdir(dataset_root) == []

    with pytest.raises(RuntimeError, match="returned without writing"):
        dataset.cache_or_load_file(path, lambda p: 1, None)
    assert os.listdir(dataset_root) == []
