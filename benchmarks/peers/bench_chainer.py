"""Worker: the DESIGN §5 benchmarks in Chainer 7.8.1 (run by the Chainer venv), see _worker.py."""

import chainer

import _chainerlike
import _worker

if __name__ == "__main__":
    chainer.config.use_cudnn = "never"
    _worker.serve(_chainerlike.Backend(chainer, "chainer"))
