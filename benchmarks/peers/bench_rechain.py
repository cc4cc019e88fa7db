"""Worker: the DESIGN §5 benchmarks in rechain (this repository), see _worker.py."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # the repo root: this checkout's rechain

import rechain  # noqa: E402

import _chainerlike  # noqa: E402
import _worker  # noqa: E402

if __name__ == "__main__":
    _worker.serve(_chainerlike.Backend(rechain, "rechain"))
