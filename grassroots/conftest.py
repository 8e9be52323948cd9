"""Shared fixtures: a small province with two cities and branches, and a user for each role."""

import pytest
from django.utils import translation

from grassroots.core.testing import build_small_province


@pytest.fixture
def province(db):
    return build_small_province()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves the thread's language active; the next test starts afresh."""
    yield
    translation.deactivate()
