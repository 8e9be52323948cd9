import pytest

from grassroots.members.tests.factories import create_member


@pytest.fixture
def people(province):
    return {
        "a1": create_member(province.branch_a1, name="汪涵"),
        "a1b": create_member(province.branch_a1, name="李娜"),
        "a2": create_member(province.branch_a2, name="曾国藩"),
        "b1": create_member(province.branch_b1, name="王维"),
        "direct": create_member(province.direct_branch, name="杜甫"),
    }
