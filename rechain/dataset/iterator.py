"""The interface every dataset iterator implements, as ``chainer.dataset.Iterator``."""


class Iterator:
    """Base class of dataset iterators.

    An iterator hands out minibatches (lists of examples) through the
    iterator protocol and keeps track of its progress through the dataset.
    Concrete iterators provide these attributes (read-only is enough):

    * ``batch_size``: the number of examples per batch (the last batch of a
      non-repeating iterator may hold fewer);
    * ``epoch``: the number of completed passes over the dataset;
    * ``epoch_detail``: the progress as a float, e.g. 2.5 halfway through the
      third pass;
    * ``previous_epoch_detail``: ``epoch_detail`` before the last batch, or
      None before the first one;
    * ``is_new_epoch``: whether the last batch completed a pass.

    Iterators may hold resources (threads, worker processes): release them
    with :meth:`finalize`, or use the iterator as a context manager.
    """

    def __iter__(self):
        return self

    def __next__(self):
        """Return the next batch, or raise ``StopIteration`` at the end."""
        raise NotImplementedError(f"{type(self).__name__} must implement __next__")

    def next(self):
        """Same as :meth:`__next__` (the name Chainer code calls)."""
        return self.__next__()

    def finalize(self):
        """Release the resources of the iterator.

        Calling it more than once is allowed; the base class holds nothing.
        """

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.finalize()

    def __del__(self):
        try:
            self.finalize()
        except Exception:  # an interpreter shutting down may have torn modules down
            pass

    def serialize(self, serializer):
        """Save or restore the progress through a serializer.

        Only the state that changes while iterating belongs here, not the
        settings the user passed to the constructor. The base class has none.

        Args:
            serializer: A callable ``serializer(name, value) -> value``.
        """
