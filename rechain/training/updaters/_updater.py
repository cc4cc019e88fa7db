"""Updater: the interface of the objects that run one training iteration."""


class Updater:
    """Interface of updaters: one :meth:`update` per training iteration.

    An updater fetches a minibatch, runs the forward and backward passes and
    updates the parameters. Subclasses implement every method below but
    :meth:`connect_trainer`.
    """

    def connect_trainer(self, trainer):
        """Called once by the trainer that will run this updater (does nothing
        by default; an updater may register more observers to
        ``trainer.reporter`` here).

        Args:
            trainer (~rechain.training.Trainer): The trainer.
        """

    def finalize(self):
        """Release resources (the iterators) at the end of training."""
        raise NotImplementedError(f"{type(self).__name__} must implement finalize")

    def get_optimizer(self, name):
        """The optimizer called ``name``."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_optimizer")

    def get_all_optimizers(self):
        """A dict of every optimizer by name."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_all_optimizers")

    def update(self):
        """Run one training iteration."""
        raise NotImplementedError(f"{type(self).__name__} must implement update")

    def serialize(self, serializer):
        """Save or load the updater's state."""
        raise NotImplementedError(f"{type(self).__name__} must implement serialize")
