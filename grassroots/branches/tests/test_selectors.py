"""Five-izations reads: the panel per unit, cadence flags, training hours, missed trainings."""

import datetime
from decimal import Decimal

from grassroots.branches import exports, selectors, services
from grassroots.branches.models import ActivityKind
from grassroots.branches.tests.factories import make_activity
from grassroots.core.models import AuditEvent
from grassroots.members.tests.factories import create_member


def test_panel_shows_the_five_conditions(province):
    unit = province.branch_a1
    services.funding_set(unit=unit, year=2026, source="allocation", budget=Decimal(5000))
    funding = services.funding_set(unit=unit, year=2026, source="own", budget=Decimal(1000))
    services.spending_add(
        funding=funding, date=datetime.date(2026, 4, 1), amount=Decimal(300), purpose="资料"
    )
    services.venue_set(
        unit=unit, address="会址", usage="dedicated", since=datetime.date(2024, 1, 1)
    )
    services.platforms_set(unit=unit, platforms=["policy", "social"], on=datetime.date(2025, 1, 1))
    member = create_member(unit)
    activity = make_activity(unit, datetime.date(2026, 5, 1), kind="thematic-training")
    services.attendance_record(activity=activity, member=member, status="attended")
    panel = selectors.five_izations(unit=unit, year=2026, user=province.users["city_a"])
    assert panel.budget == Decimal(6000) and panel.spent == Decimal(300)
    assert panel.funding_ok and panel.venue_ok and panel.platforms_ok
    assert panel.platforms == ["policy", "social"]
    assert panel.training_hours_per_member == Decimal("4.0")
    assert panel.attendance_rate == Decimal(1)


def test_units_behind_cadence_are_flagged(province):
    study = ActivityKind.objects.get(code="study")
    services.cadence_set(unit=province.branch_a1, kind=study, every_months=1)
    services.cadence_set(unit=province.branch_a2, kind=study, every_months=3)
    make_activity(province.branch_a1, datetime.date(2026, 1, 5))
    make_activity(province.branch_a2, datetime.date(2026, 1, 5))
    today = datetime.date(2026, 3, 1)
    flags = selectors.units_behind_cadence(user=province.users["city_a"], today=today)
    assert [(f.unit, f.last_date) for f in flags] == [
        (province.branch_a1, datetime.date(2026, 1, 5))
    ]
    # Another city's staff see none of it.
    assert selectors.units_behind_cadence(user=province.users["city_b"], today=today) == []


def test_training_hours_and_missed_mandatory_training(province):
    kind = ActivityKind.objects.get(code="backbone-training")
    course = services.course_create(
        unit=province.city_a, title="骨干培训班", year=2026, kind=kind, is_mandatory=True
    )
    session = make_activity(
        province.city_a,
        datetime.date(2026, 6, 1),
        kind="backbone-training",
        course=course,
        co_hosts=[province.branch_a1],
    )
    came, missed = create_member(province.branch_a1), create_member(province.branch_a1)
    services.attendance_record(activity=session, member=came, status="attended")
    officer = province.users["branch_a1"]
    # The branch officer sees the city's mandatory course (from below) and who missed it.
    assert selectors.mandatory_courses(user=officer, year=2026).filter(pk=course.pk).exists()
    assert list(selectors.members_missing_mandatory(course=course, user=officer)) == [missed]
    hours = {
        m.pk: m.training_hours for m in selectors.training_hours_by_member(user=officer, year=2026)
    }
    assert hours == {came.pk: Decimal("8.0"), missed.pk: Decimal(0)}


def test_signin_sheet_lists_own_members_and_is_audited(province):
    activity = make_activity(province.branch_a1, datetime.date(2026, 3, 3))
    services.attendance_plan(activity=activity, unit=province.branch_a1)
    create_member(province.branch_a1)
    pdf = exports.signin_sheet_pdf(activity=activity, user=province.users["city_a"])
    assert pdf.startswith(b"%PDF")
    xlsx = exports.signin_sheet_xlsx(activity=activity, user=province.users["city_a"])
    assert xlsx[:2] == b"PK"
    assert AuditEvent.objects.filter(action="export", object_id=str(activity.pk)).count() == 2
