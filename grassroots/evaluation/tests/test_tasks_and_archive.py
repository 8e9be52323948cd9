"""The recompute runs as a background task with progress; the member archive and member schemes."""

from decimal import Decimal

from grassroots.evaluation import selectors, services
from grassroots.evaluation.models import Evaluation, Scheme
from grassroots.evaluation.tests.conftest import YEAR, five_izations_scheme


def test_recompute_request_runs_the_task_and_records_progress(
    records, django_capture_on_commit_callbacks
):
    province = records[0]
    scheme = five_izations_scheme(province, with_entered=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.scheme_recompute_request(scheme=scheme, actor=province.users["province"])
    scheme.refresh_from_db()
    assert scheme.recompute_state == Scheme.RecomputeState.DONE
    assert scheme.recompute_done == scheme.recompute_total == 5  # 4 computed indicators + totals
    assert scheme.progress_percent == 100
    assert Evaluation.objects.get(scheme=scheme, unit=province.branch_a1).total == Decimal("51.67")


def test_member_archive_and_member_scheme(records):
    province, (m1, m2, m3), _sessions = records
    archive = selectors.member_archive(member=m1, year=YEAR, user=province.users["city_a"])
    values = {line.label: line.value for line in archive.lines}
    assert values["出席活动次数"] == 3 and values["个人出席率"] == Decimal(1)
    assert values["个人培训学时"] == Decimal(6)  # study sessions are a training kind, 2 h each
    assert len(archive.attendances) == 3
    scheme = services.scheme_create(
        unit=province.city_a, name="会员履职", year=YEAR, subject="member"
    )
    services.indicator_add(
        scheme=scheme, code="1", name="出席率", weight=Decimal(100), method="computed",
        metric="branches.member_attendance_rate", target=Decimal(1),
    )  # fmt: skip
    services.scheme_recompute(scheme=scheme)
    got = {e.member_id: e.total for e in Evaluation.objects.filter(scheme=scheme)}
    # m1 attended 3 of 3; m2 1 of 3 (excused and absent count as not attended); m3 1 of 1.
    assert got == {m1.pk: Decimal("100.00"), m2.pk: Decimal("33.33"), m3.pk: Decimal("100.00")}
