"""Browser tests of the main journeys (fixtures `browser` and `page` come from tests/browser.py).
Everything here is marked `e2e`."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
