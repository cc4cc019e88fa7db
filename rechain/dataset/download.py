"""Where datasets are cached, and how files get there (``chainer.dataset.download``).

The dataset root is, in order of precedence: the path given to
:func:`set_dataset_root`; the environment variable ``RECHAIN_DATASET_ROOT``;
the environment variable ``CHAINER_DATASET_ROOT`` (so a Chainer user's
existing cache is found); ``~/.rechain/dataset``. The environment is read at
each call, not at import.

Files are written atomically: every file is first written under a temporary
name in the directory it will live in and then renamed into place with
:func:`os.replace`, so an interrupted download or conversion leaves no
partial file behind, and processes racing to fill the same cache are safe
(the last rename wins and all of them write the same content).
"""

import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request

_root_override = None

#: Seconds a download may wait for the server before it fails.
DOWNLOAD_TIMEOUT = 60.0


def get_dataset_root():
    """Return the root directory of the dataset cache.

    Returns:
        str: The path (it may not exist yet).
    """
    if _root_override is not None:
        return _root_override
    for name in ("RECHAIN_DATASET_ROOT", "CHAINER_DATASET_ROOT"):
        value = os.environ.get(name)
        if value:
            return value
    return os.path.join(os.path.expanduser("~"), ".rechain", "dataset")


def set_dataset_root(path):
    """Set the root directory of the dataset cache for this process.

    It takes precedence over the environment variables. ``None`` goes back to
    the environment (or the default).

    Args:
        path (str or os.PathLike or None): The new root.
    """
    global _root_override
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"set_dataset_root: path must be a str or a path, not {type(path).__name__}"
        )
    _root_override = None if path is None else os.fspath(path)


def get_dataset_directory(dataset_name, create_directory=True):
    """Return the cache directory of one dataset, ``<root>/<dataset_name>``.

    Args:
        dataset_name (str): Name of the dataset; slashes make subdirectories
            (rechain's own loaders use Chainer's names, e.g.
            ``'pfnet/chainer/mnist'``, so a Chainer cache can be shared).
        create_directory (bool): Create the directory if it does not exist.

    Returns:
        str: The path of the directory.
    """
    path = os.path.join(get_dataset_root(), dataset_name)
    if create_directory:
        os.makedirs(path, exist_ok=True)
    return path


def _cache_path(url):
    """The file that caches ``url`` (the name Chainer uses too: the md5 of the URL)."""
    digest = hashlib.md5(url.encode("utf-8")).hexdigest()
    return os.path.join(get_dataset_root(), "_dl_cache", digest)


class DownloadError(OSError):
    """A file could not be downloaded; the message names the URL and the fix."""


def _manual_hint(url, cache_path):
    return (f"If this machine is offline, download {url} on another machine and copy it "
            f"to {cache_path} (that is where rechain caches this URL; see "
            f"rechain.dataset.get_dataset_root() to change the root).")


def _download_to(url, path):
    """Stream ``url`` into ``path``, raising :class:`DownloadError` on failure."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, \
                open(path, "wb") as out:
            expected = response.headers.get("Content-Length")
            shutil.copyfileobj(response, out, 1 << 20)
            out.flush()
            # A connection dropped mid-body does not always raise: check the size.
            if expected is not None and expected.isdigit() and out.tell() != int(expected):
                raise DownloadError(
                    f"the connection closed after {out.tell()} of {expected} bytes"
                )
            os.fsync(out.fileno())
    except DownloadError:
        raise
    except urllib.error.HTTPError as e:
        raise DownloadError(f"the server answered HTTP {e.code} ({e.reason})") from e
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise DownloadError(f"{type(e).__name__}: {reason}") from e


def cached_download(url):
    """Download a file once and return the path of the cached copy.

    A URL already in the cache is not downloaded again. Otherwise the file is
    streamed into a temporary file beside its cache path and renamed into
    place only once it is complete; a failed download leaves nothing behind.

    Args:
        url (str): Where to download from.

    Returns:
        str: The path of the cached file.

    Raises:
        DownloadError: (an ``OSError``) if the download fails, e.g. offline;
            the message names the URL and where to put the file by hand.
    """
    if not isinstance(url, str):
        raise TypeError(f"cached_download: url must be a str, not {type(url).__name__}")
    try:
        return _fetch_into_cache(url)
    except DownloadError as e:
        raise DownloadError(
            f"cached_download: cannot download {url}: {e}. {_manual_hint(url, _cache_path(url))}"
        ) from e.__cause__


def _fetch_into_cache(url):
    """The work of :func:`cached_download`; errors carry only the reason."""
    cache_path = _cache_path(url)
    if os.path.exists(cache_path):
        return cache_path
    cache_dir = os.path.dirname(cache_path)
    os.makedirs(cache_dir, exist_ok=True)
    fd, temp_path = tempfile.mkstemp(dir=cache_dir, prefix="." + os.path.basename(cache_path),
                                     suffix=".part")
    os.close(fd)
    try:
        sys.stderr.write(f"Downloading from {url}...\n")
        sys.stderr.flush()
        _download_to(url, temp_path)
        os.replace(temp_path, cache_path)
    finally:
        if os.path.exists(temp_path):
            os.remove(temp_path)
    return cache_path


def _cached_download_any(urls, where):
    """:func:`cached_download` from the first of ``urls`` (mirrors) that works.

    A URL already cached wins without any network access.
    """
    for url in urls:
        if os.path.exists(_cache_path(url)):
            return _cache_path(url)
    reasons = []
    for url in urls:
        try:
            return _fetch_into_cache(url)
        except DownloadError as e:
            reasons.append(f"{url}: {e}")
    raise DownloadError(
        f"{where}: cannot download the file ({'; '.join(reasons)}). "
        f"{_manual_hint(urls[0], _cache_path(urls[0]))}"
    )


def cache_or_load_file(path, creator, loader):
    """Load ``path`` if it exists, or create it (atomically) and return what was made.

    ``creator(temp_path)`` writes the file at ``temp_path`` (where nothing
    exists yet, in a fresh temporary directory beside ``path``, with the same
    base name) and returns its content; the file is then renamed to ``path``.
    If ``creator`` fails, nothing is left behind. ``loader(path)`` reads an
    existing file.

    Args:
        path (str): Where the file is cached.
        creator (callable): ``creator(temp_path) -> content``.
        loader (callable): ``loader(path) -> content``.

    Returns:
        What ``loader`` or ``creator`` returned.

    Raises:
        RuntimeError: If ``creator`` returns without writing its file.
    """
    path = os.fspath(path)
    if os.path.exists(path):
        return loader(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temp_dir = tempfile.mkdtemp(dir=directory, prefix=".tmp-" + os.path.basename(path) + "-")
    try:
        temp_path = os.path.join(temp_dir, os.path.basename(path))
        content = creator(temp_path)
        if not os.path.exists(temp_path):
            raise RuntimeError(
                f"cache_or_load_file: the creator returned without writing {temp_path} "
                f"(the temporary file that becomes {path})"
            )
        os.replace(temp_path, path)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    return content
