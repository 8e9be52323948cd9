"""Reporting rounds: open, confirm with a snapshot, late list, reminders (service and job)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from grassroots.core import periodic
from grassroots.core.models import Notification
from grassroots.members.services import member_set_status
from grassroots.members.tests.factories import create_member
from grassroots.planning.models import ReportingRound, RoundConfirmation
from grassroots.planning.services import (
    round_close,
    round_confirm,
    round_confirmation_reopen,
    round_open,
    round_remind,
    round_remind_due,
)


def _open(province, deadline=None):
    return round_open(
        unit=province.province,
        title="2026年度统计年报",
        kind=ReportingRound.Kind.ANNUAL,
        year=2026,
        deadline=deadline or timezone.localdate() + datetime.timedelta(days=10),
        actor=province.users["province"],
    )


@pytest.mark.django_db
def test_open_asks_every_child_unit_and_tells_their_staff(province):
    round_ = _open(province)
    units = set(round_.confirmations.values_list("unit_id", flat=True))
    assert units == {province.city_a.pk, province.city_b.pk, province.direct_branch.pk}
    assert Notification.objects.filter(recipient=province.users["city_a"]).count() == 1
    # The city sees the round it is asked in, not the other city's confirmation.
    city_a = province.users["city_a"]
    assert ReportingRound.objects.visible_to(city_a).filter(pk=round_.pk).exists()
    visible = RoundConfirmation.objects.visible_to(city_a)
    assert list(visible.values_list("unit_id", flat=True)) == [province.city_a.pk]


@pytest.mark.django_db
def test_open_validates(province):
    with pytest.raises(ValidationError) as caught:
        round_open(
            unit=province.branch_a1,
            title="",
            kind="x",
            year=2026,
            deadline=datetime.date(2000, 1, 1),
        )
    assert {"title", "kind", "deadline", "unit"} <= set(caught.value.message_dict)


@pytest.mark.django_db
def test_confirmation_keeps_the_figures_as_confirmed(province):
    for _ in range(3):
        create_member(province.branch_a1, join_date=datetime.date(2026, 3, 1))
    round_ = _open(province)
    confirmation = round_.confirmations.get(unit=province.city_a)
    with pytest.raises(ValidationError):
        round_confirm(confirmation=confirmation, actor=province.users["city_b"])
    round_confirm(confirmation=confirmation, actor=province.users["city_a"])
    confirmation.refresh_from_db()
    assert confirmation.state == RoundConfirmation.State.CONFIRMED
    assert confirmation.snapshot["figures"]["end"] == 3
    assert confirmation.snapshot["figures"]["admitted"] == 3
    assert confirmation.snapshot["reconciled"] is True
    # A later edit does not change what was reported upward.
    member = province.branch_a1.members.first()
    member_set_status(member=member, status="deceased", date=datetime.date(2026, 5, 1))
    confirmation.refresh_from_db()
    assert confirmation.snapshot["figures"]["end"] == 3
    with pytest.raises(ValidationError):
        round_confirm(confirmation=confirmation, actor=province.users["city_a"])
    round_confirmation_reopen(
        confirmation=confirmation, reason="请核对", actor=province.users["province"]
    )
    round_confirm(confirmation=confirmation, actor=province.users["city_a"])
    confirmation.refresh_from_db()
    assert confirmation.snapshot["figures"]["end"] == 2


@pytest.mark.django_db
def test_late_units_and_reminders(province):
    round_ = _open(province)
    ReportingRound.objects.filter(pk=round_.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    round_.refresh_from_db()
    round_confirm(
        confirmation=round_.confirmations.get(unit=province.city_b),
        actor=province.users["city_b"],
    )
    late = [c.unit for c in round_.confirmations.select_related("round", "unit") if c.is_late]
    assert set(late) == {province.city_a, province.direct_branch, province.city_b}
    before = Notification.objects.filter(recipient=province.users["city_a"]).count()
    assert round_remind(round=round_, actor=province.users["province"]) == 2
    after = Notification.objects.filter(recipient=province.users["city_a"])
    assert after.count() == before + 1
    assert "逾期" in after.order_by("-id").first().title
    # The periodic job does not remind twice within a day.
    assert round_remind_due() == 0
    later = timezone.now() + datetime.timedelta(days=1)
    assert round_remind_due(now=later) == 2
    periodic.autodiscover()
    assert "planning.remind_reporting_rounds" in {job.name for job in periodic.jobs()}
    round_close(round=round_, actor=province.users["province"])
    assert round_remind_due(now=later + datetime.timedelta(days=1)) == 0
    with pytest.raises(ValidationError):
        round_confirm(
            confirmation=round_.confirmations.get(unit=province.city_a),
            actor=province.users["city_a"],
        )


@pytest.mark.django_db
def test_a_confirmation_after_midnight_in_shanghai_is_late_whatever_the_utc_day(province):
    round_ = _open(province)
    ReportingRound.objects.filter(pk=round_.pk).update(deadline=datetime.date(2026, 11, 25))
    confirmation = round_.confirmations.select_related("round").get(unit=province.city_b)
    confirmation.state = RoundConfirmation.State.CONFIRMED
    # 16:30 UTC on the 25th is 00:30 on the 26th in Asia/Shanghai: a day past the deadline.
    confirmation.confirmed_at = datetime.datetime(2026, 11, 25, 16, 30, tzinfo=datetime.UTC)
    assert confirmation.is_late
    confirmation.confirmed_at = datetime.datetime(2026, 11, 25, 15, 30, tzinfo=datetime.UTC)
    assert not confirmation.is_late
