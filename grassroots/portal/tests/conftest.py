import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Recruitment caches quota figures briefly and django-axes counts failures; ids repeat."""
    cache.clear()
    yield
    cache.clear()
