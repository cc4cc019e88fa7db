"""The download tests' local HTTP server and dataset-root fixtures, shared with
tests/dataset_tests (loaded from there by path, so it exists once)."""

import importlib.util
import pathlib

_path = pathlib.Path(__file__).resolve().parent.parent / "dataset_tests" / "conftest.py"
_spec = importlib.util.spec_from_file_location("_rechain_download_fixtures", _path)
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

FileServer = _fixtures.FileServer
file_server = _fixtures.file_server
dataset_root = _fixtures.dataset_root
