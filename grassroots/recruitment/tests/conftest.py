import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The inbox caches quota figures briefly; ids repeat between tests."""
    cache.clear()
    yield
    cache.clear()
