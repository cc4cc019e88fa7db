"""A dataset whose examples pass through a function when they are read."""

from rechain.dataset import dataset_mixin


class TransformDataset(dataset_mixin.DatasetMixin):
    """Apply ``transform`` to every example of ``dataset`` as it is read.

    ``TransformDataset(d, f)[i]`` is ``f(d[i])``; the length is ``len(d)``.
    Nothing is computed ahead of time, so random augmentation gives a fresh
    result on every read. ``transform`` receives the base dataset's own
    example: it must not modify it in place (``x = x - 1`` is right,
    ``x -= 1`` would corrupt the base dataset).

    Args:
        dataset: The base dataset (``__len__`` and ``__getitem__``).
        transform (callable): Called with one example, returns the new one.

    Raises:
        TypeError: If ``transform`` is not callable.

    Example:
        >>> ds = TransformDataset([1, 2, 3], lambda x: x * 10)
        >>> ds[1], ds[1:], len(ds)
        (20, [20, 30], 3)
    """

    def __init__(self, dataset, transform):
        if not callable(transform):
            raise TypeError(
                f"TransformDataset: transform must be callable, not {type(transform).__name__}"
            )
        self._dataset = dataset
        self._transform = transform

    def __len__(self):
        return len(self._dataset)

    def get_example(self, i):
        """Return ``transform(dataset[i])``."""
        return self._transform(self._dataset[i])

    def __repr__(self):
        return f"TransformDataset(length={len(self)}, transform={self._transform!r})"
