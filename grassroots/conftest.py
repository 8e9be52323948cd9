"""Shared fixtures: a small province with two cities and branches, and a user for each role."""

import pytest

from grassroots.core.testing import build_small_province


@pytest.fixture
def province(db):
    return build_small_province()
