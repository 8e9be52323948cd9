"""Information pieces, research topics and social service projects: their steps and rules."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grassroots.platforms.models import (
    InformationPointRule,
    InformationStatus,
    ResearchStatus,
    ServiceProject,
    ServiceStatus,
)
from grassroots.platforms.selectors import information_quota_progress
from grassroots.platforms.services import information as info
from grassroots.platforms.services import research, service
from grassroots.platforms.tests.factories import level, make_piece, make_project, make_topic

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_information_submitted_edited_adopted_with_points_from_the_table(province, people):
    staff = province.users["city_a"]
    piece = make_piece(staff, people["a1"], people["a1b"])
    assert piece.status == InformationStatus.SUBMITTED and piece.unit == province.branch_a1
    with pytest.raises(ValidationError) as err:  # no skipping the editor
        info.information_adopt(
            actor=staff, piece=piece, outlet="人民日报", level=level("national"), adopted_on=TODAY
        )
    assert "当前状态为“已报送”" in err.value.message_dict["status"][0]
    piece = info.information_edit(actor=staff, piece=piece, note="压缩至800字")
    info.information_adopt(
        actor=staff,
        piece=piece,
        outlet="省委办公厅信息",
        level=level("provincial"),
        adopted_on=TODAY,
    )
    # The points table is data: changing it affects later adoptions only.
    InformationPointRule.objects.filter(level__code="national").update(points=Decimal("12"))
    info.information_adopt(
        actor=staff, piece=piece, outlet="中央统战部信息", level=level("national"), adopted_on=TODAY
    )
    piece.refresh_from_db()
    assert piece.status == InformationStatus.ADOPTED
    assert piece.points == Decimal("5") + Decimal("12")
    with pytest.raises(ValidationError):
        info.information_adopt(
            actor=staff,
            piece=piece,
            outlet="中央统战部信息",
            level=level("national"),
            adopted_on=TODAY,
        )


def test_information_rejection_and_withdrawal(province, people):
    staff = province.users["city_a"]
    piece = info.information_edit(actor=staff, piece=make_piece(staff, people["a1"]))
    assert info.information_reject(actor=staff, piece=piece, note="时效性不足").status == (
        InformationStatus.NOT_ADOPTED
    )
    with pytest.raises(ValidationError):
        info.information_withdraw(actor=staff, piece=piece)
    other = make_piece(staff, people["a2"], title="另一条信息")
    assert info.information_withdraw(actor=staff, piece=other).status == InformationStatus.WITHDRAWN


def test_quota_progress_counts_the_subtree(province, people):
    staff = province.users["province"]
    info.information_quota_set(
        actor=staff, unit=province.city_a, year=TODAY.year, target_adopted=4, target_points=10
    )
    for member, lvl in (
        (people["a1"], "provincial"),
        (people["a2"], "city"),
        (people["b1"], "national"),
    ):
        piece = info.information_edit(
            actor=staff, piece=make_piece(staff, member, title=f"{member.name}的信息")
        )
        info.information_adopt(
            actor=staff, piece=piece, outlet="某刊", level=level(lvl), adopted_on=TODAY
        )
    (row,) = information_quota_progress(user=province.users["city_a"], year=TODAY.year)
    assert row.adopted == 2 and row.points == Decimal("7")
    assert row.adopted_ratio == 0.5 and row.points_ratio == 0.7
    with pytest.raises(PermissionDenied):
        info.information_quota_set(
            actor=province.users["city_b"], unit=province.city_a, year=TODAY.year, target_adopted=1
        )


def test_research_topic_steps_outputs_and_awards(province, people):
    staff = province.users["city_a"]
    topic = make_topic(staff, people["a1"], people["b1"], people["a1"])
    assert topic.unit == province.branch_a1
    assert list(topic.members.values_list("member__name", "is_lead")) == [
        ("汪涵", True),
        ("王维", False),
    ]
    with pytest.raises(ValidationError):
        research.research_output_add(actor=staff, topic=topic, kind="paper", title="论文")
    with pytest.raises(ValidationError):
        research.research_topic_conclude(actor=staff, topic=topic)
    topic = research.research_topic_approve(
        actor=staff, topic=topic, approved_on=datetime.date(TODAY.year, 1, 5)
    )
    research.research_output_add(
        actor=staff, topic=topic, kind="report", title="调研报告", published_on=TODAY
    )
    with pytest.raises(ValidationError) as err:
        research.research_output_add(actor=staff, topic=topic, kind="poem", title="x")
    assert "成果类型" in err.value.message_dict["kind"][0]
    research.research_award_add(
        actor=staff,
        topic=topic,
        name="省社科优秀成果奖",
        level=level("provincial"),
        grade="二等奖",
        awarded_on=TODAY,
    )
    topic = research.research_topic_conclude(actor=staff, topic=topic)
    assert topic.status == ResearchStatus.CONCLUDED
    with pytest.raises(ValidationError):
        research.research_topic_cancel(actor=staff, topic=topic, reason="x")


def test_service_project_volunteers_and_figures(province, people):
    staff = province.users["city_a"]
    project = make_project(
        staff,
        province.branch_a1,
        province.city_b,
        figures={"beneficiaries": 120, "funds": "5000", "materials_value": "1200.50"},
    )
    assert project.unit == province.branch_a1
    assert list(project.partner_units.values_list("unit__name", flat=True)) == ["株洲市委会"]
    assert (
        not ServiceProject.objects.visible_to(province.users["city_b"])
        .filter(pk=project.pk)
        .exists()
    )
    service.service_volunteer_set(actor=staff, project=project, member=people["a1"], hours="6.5")
    service.service_volunteer_set(actor=staff, project=project, member=people["b1"], hours=4)
    service.service_volunteer_set(
        actor=staff, project=project, member=people["a1"], hours=8, role="医生"
    )
    assert project.volunteers.get(member=people["a1"]).hours == Decimal("8")
    for bad in (0, -1, 1001, "abc"):
        with pytest.raises(ValidationError):
            service.service_volunteer_set(
                actor=staff, project=project, member=people["a2"], hours=bad
            )
    with pytest.raises(ValidationError):
        service.service_project_complete(actor=staff, project=project)
    service.service_project_start(actor=staff, project=project)
    project = service.service_project_complete(
        actor=staff, project=project, figures={"beneficiaries": 150}
    )
    assert project.status == ServiceStatus.COMPLETED and project.beneficiaries == 150
    assert project.funds == Decimal("5000")


def test_service_project_input_errors(province):
    staff = province.users["city_a"]
    with pytest.raises(ValidationError) as err:
        make_project(
            staff, province.branch_a1, start=TODAY, end_date=TODAY - datetime.timedelta(days=1)
        )
    assert "end_date" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        make_project(staff, province.branch_a1, figures={"funds": "-3"})
    assert "资金不能为负数" in err.value.message_dict["funds"][0]
    with pytest.raises(ValidationError) as err:
        make_project(staff, province.branch_b1)
    assert "不在您的管理范围内" in err.value.message_dict["organizers"][0]
    assert not ServiceProject.objects.exists()
