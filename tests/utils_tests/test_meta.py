"""utils.final / utils.enable_final."""

import abc
import warnings

import pytest

from rechain import utils


def _base():
    class Base(utils.enable_final()):
        @utils.final
        def fixed(self):
            return 1

        @utils.final(action=UserWarning)
        def soft(self):
            return 1

        def free(self):
            return 1

    return Base


def test_override_of_final_raises():
    Base = _base()
    with pytest.raises(TypeError, match="Child: method 'fixed' is final in Base"):
        class Child(Base):
            def fixed(self):
                return 2


def test_override_deeper_down_raises_too():
    Base = _base()

    class Middle(Base):
        def free(self):
            return 2

    with pytest.raises(TypeError, match="method 'fixed' is final in Base"):
        class Leaf(Middle):
            fixed = None


def test_warning_action_allows_with_a_warning():
    Base = _base()
    with pytest.warns(UserWarning, match="method 'soft' is final in Base; overriding it"):
        class Child(Base):
            def soft(self):
                return 2
    assert Child().soft() == 2


def test_other_methods_and_plain_classes_are_free():
    Base = _base()
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Child(Base):
            def free(self):
                return 2

            def other(self):
                return 3

    assert Child().free() == 2 and Child().fixed() == 1

    class Plain:
        @utils.final
        def fixed(self):
            return 1

    class NotChecked(Plain):   # no enable_final: no check, as in Chainer
        def fixed(self):
            return 2
    assert NotChecked().fixed() == 2


def test_custom_exception_action():
    class Base(utils.enable_final()):
        @utils.final(action=NotImplementedError)
        def f(self):
            pass

    with pytest.raises(NotImplementedError, match="'f' is final"):
        class Child(Base):
            def f(self):
                pass


def test_bases_and_metaclasses():
    class Root:
        pass

    class Base(utils.enable_final(base=Root)):
        @utils.final
        def f(self):
            pass

    assert Base.__bases__ == (Root,) and issubclass(Base, Root)

    class WithAbc(utils.enable_final(base=abc.ABC, meta_base=abc.ABCMeta)):
        @utils.final
        @classmethod
        def make(cls):
            return cls

        @abc.abstractmethod
        def run(self):
            pass

    with pytest.raises(TypeError, match="'make' is final"):
        class Bad(WithAbc):
            @classmethod
            def make(cls):
                return None

    class Good(WithAbc):
        def run(self):
            return 1
    assert Good.make() is Good and Good().run() == 1
    with pytest.raises(TypeError):
        WithAbc()   # still abstract


def test_bad_use():
    with pytest.raises(TypeError, match="action must be an Exception or Warning class"):
        utils.final(action=int)(lambda self: None)
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        utils.final(how=TypeError)
    with pytest.raises(TypeError, match="positional"):
        utils.final(1, 2)
