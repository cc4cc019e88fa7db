"""``get_trainer_with_mock_updater``: a Trainer whose updater only counts."""

from unittest import mock


def get_trainer_with_mock_updater(stop_trigger=(10, "iteration"), iter_per_epoch=10,
                                  extensions=None):
    """A :class:`rechain.training.Trainer` driven by a mock updater.

    Each ``update()`` calls ``updater.update_core()`` (a Mock, so tests can
    count calls) and advances ``iteration``, ``epoch``, ``epoch_detail``,
    ``previous_epoch_detail`` and ``is_new_epoch`` as an updater over
    ``iter_per_epoch`` iterations per epoch would. For testing the trainer,
    triggers and extensions.
    """
    from rechain import training
    if iter_per_epoch <= 0:
        raise ValueError(f"get_trainer_with_mock_updater: iter_per_epoch must be "
                         f"positive, got {iter_per_epoch}")
    updater = mock.Mock()
    updater.get_all_optimizers.return_value = {}
    updater.iteration = 0
    updater.epoch = 0
    updater.epoch_detail = 0
    updater.is_new_epoch = True
    updater.previous_epoch_detail = None

    def update():
        updater.update_core()
        updater.iteration += 1
        it = updater.iteration
        updater.epoch = it // iter_per_epoch
        updater.epoch_detail = it / iter_per_epoch
        updater.is_new_epoch = (it - 1) // iter_per_epoch != updater.epoch
        updater.previous_epoch_detail = (it - 1) / iter_per_epoch

    updater.update = update
    return training.Trainer(updater, stop_trigger, extensions=extensions or [])
