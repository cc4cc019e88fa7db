import os
import sys

# the helper module next to these tests (import mode is importlib)
sys.path.insert(0, os.path.dirname(__file__))
