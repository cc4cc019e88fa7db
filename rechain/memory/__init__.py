"""Where the memory goes: what the graph keeps, and peak bytes over time."""

from rechain.memory.saved import SavedArray, SavedArrays, saved_arrays  # noqa: F401
from rechain.memory.tracker import Tracker, plot_timelines, track  # noqa: F401
