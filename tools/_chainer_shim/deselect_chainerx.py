"""pytest plugin: deselect the ChainerX cases of ``inject_backend_tests`` (both runs)."""


def pytest_collection_modifyitems(session, config, items):
    """Deselect the ChainerX configurations of ``inject_backend_tests``.

    Chainer's conftest turns the ``chainerx`` mark into a skip when ChainerX
    is missing, so ``-m 'not chainerx'`` cannot see them; they are not CPU
    NumPy cases and do not count.
    """
    keep, drop = [], []
    for item in items:
        (drop if "use_chainerx_true" in item.nodeid else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
