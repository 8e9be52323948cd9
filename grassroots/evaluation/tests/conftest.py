"""A small fixture of records whose scores are counted by hand in the tests."""

import datetime
from decimal import Decimal

import pytest

from grassroots.branches import services as branches
from grassroots.branches.tests.factories import make_activity
from grassroots.evaluation import services
from grassroots.members.tests.factories import create_member

YEAR = 2026


def d(month: int, day: int = 1) -> datetime.date:
    return datetime.date(YEAR, month, day)


@pytest.fixture
def records(province):
    """branch_a1: 3 study sessions, 6 attendance rows of which 4 attended, funding, dedicated venue.
    branch_a2: 1 study session, 1 of 1 attended, shared venue, no funding. Others: nothing."""
    a1, a2 = province.branch_a1, province.branch_a2
    m1, m2 = create_member(a1), create_member(a1)
    m3 = create_member(a2)
    s1 = make_activity(a1, d(3))
    s2 = make_activity(a1, d(5))
    s3 = make_activity(a1, d(9))
    make_activity(a1, datetime.date(YEAR - 1, 12, 1))  # outside the period
    for activity, statuses in [
        (s1, ["attended", "attended"]),
        (s2, ["attended", "excused"]),
        (s3, ["attended", "absent"]),
    ]:
        for member, status in zip([m1, m2], statuses, strict=True):
            branches.attendance_record(activity=activity, member=member, status=status)
    t = make_activity(a2, d(4))
    branches.attendance_record(activity=t, member=m3, status="attended")
    branches.funding_set(unit=a1, year=YEAR, source="allocation", budget=Decimal(5000))
    branches.venue_set(unit=a1, address="会址", usage="dedicated", since=datetime.date(2020, 1, 1))
    branches.venue_set(unit=a2, address="共用", usage="shared", since=datetime.date(2020, 1, 1))
    return province, (m1, m2, m3), (s1, s2, s3)


def five_izations_scheme(province, with_entered: bool = True):
    scheme = services.scheme_create(unit=province.province, name="基层组织五化考核", year=YEAR)
    group = services.indicator_add(
        scheme=scheme, code="1", name="五化建设", weight=Decimal(60), method="group"
    )
    add = services.indicator_add
    add(scheme=scheme, parent=group, code="1.1", name="学习会", weight=Decimal(20),
        method="computed", metric="branches.activity_count", params={"kind": "study"},
        target=Decimal(4))  # fmt: skip
    add(scheme=scheme, parent=group, code="1.2", name="出席率", weight=Decimal(20),
        method="computed", metric="branches.attendance_rate", target=Decimal("0.8"))  # fmt: skip
    add(scheme=scheme, parent=group, code="1.3", name="经费", weight=Decimal(10),
        method="computed", metric="branches.funding_present", target=Decimal(1))  # fmt: skip
    add(scheme=scheme, parent=group, code="1.4", name="场地", weight=Decimal(10),
        method="computed", metric="branches.venue_dedicated", target=Decimal(1))  # fmt: skip
    if with_entered:
        add(scheme=scheme, code="2", name="特色工作", weight=Decimal(40), method="entered")
    return scheme
