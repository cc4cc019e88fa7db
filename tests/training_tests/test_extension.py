"""Extension and make_extension."""

import pytest

from rechain import training


def test_extension_defaults():
    class Mine(training.Extension):
        def __call__(self, trainer):
            pass

    ext = Mine()
    assert ext.trigger == (1, "iteration")
    assert ext.priority == training.PRIORITY_READER
    assert ext.name is None
    assert ext.default_name == "Mine"
    assert ext.initialize(None) is None and ext.finalize() is None
    assert ext.on_error(None, None, None) is None and ext.serialize(None) is None
    with pytest.raises(NotImplementedError, match="Extension"):
        training.Extension()(None)


def test_priorities_order():
    assert training.PRIORITY_WRITER > training.PRIORITY_EDITOR > training.PRIORITY_READER


def test_make_extension_sets_attributes():
    def fin():
        pass

    def init(trainer):
        pass

    def err(trainer, exc, tb):
        pass

    @training.make_extension(trigger=(2, "epoch"), default_name="shown", priority=250,
                             finalizer=fin, initializer=init, on_error=err)
    def show(trainer):
        pass

    assert show.trigger == (2, "epoch")
    assert show.default_name == "shown"
    assert show.priority == 250
    assert show.finalize is fin and show.initialize is init and show.on_error is err


def test_make_extension_defaults():
    @training.make_extension()
    def plain(trainer):
        pass

    assert plain.trigger == (1, "iteration")
    assert plain.default_name == "plain"
    assert plain.priority == training.PRIORITY_READER
    assert plain.finalize is None and plain.initialize is None and plain.on_error is None


def test_make_extension_rejects_removed_and_unknown_kwargs():
    with pytest.raises(ValueError, match="invoke_before_training"):
        training.make_extension(invoke_before_training=True)
    with pytest.raises(TypeError, match="colour"):
        training.make_extension(colour="red")
