import pytest

from grassroots.planning.tests.scenario import build_history


@pytest.fixture
def history(province):
    build_history(province)
    return province
