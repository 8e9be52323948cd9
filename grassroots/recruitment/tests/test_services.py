import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grassroots.accounts.models import Role
from grassroots.core.models import Notification
from grassroots.core.testing import make_user, unique_id_number
from grassroots.members.models import Education, Member, TalentKind, Title
from grassroots.members.tests.factories import create_member
from grassroots.planning.models import YearlyQuota
from grassroots.recruitment import conditions, services
from grassroots.recruitment.models import AdmissionRule, Application, Prospect, Step
from grassroots.recruitment.tests.factories import (
    STAGE_DATA,
    actor_for,
    advance_once,
    create_application,
    past,
    person,
    run_to,
)


@pytest.mark.django_db
def test_full_procedure_creates_member_with_number_and_join_date(province):
    app = create_application(province)
    app = run_to(province, app, None)
    assert app.state == Application.State.ADMITTED
    member = Member.objects.get(pk=app.member_id)
    assert member.unit == province.branch_a1
    assert member.member_number
    assert member.join_date == app.approved_on
    codes = [
        s.stage.code for s in app.steps.filter(action=Step.Action.ADVANCE).order_by("at", "id")
    ]
    assert codes == [
        "submit",
        "introducers",
        "talk",
        "employer-opinion",
        "branch-meeting",
        "city-review",
        "province-approval",
        "filing",
        "admission",
    ]


@pytest.mark.django_db
def test_branch_directly_under_province_skips_city_stage(province):
    app = create_application(province, unit=province.direct_branch)
    app = run_to(province, app, "province-approval")
    codes = list(app.steps.filter(action=Step.Action.ADVANCE).values_list("stage__code", flat=True))
    assert "city-review" not in codes
    assert codes[-1] == "branch-meeting"


@pytest.mark.django_db
def test_city_staff_cannot_act_at_branch_stage_and_sibling_city_is_out_of_scope(province):
    app = create_application(province)
    with pytest.raises(PermissionDenied):
        services.application_advance(application=app, actor=province.users["city_a"])
    app = run_to(province, app, "city-review")
    with pytest.raises(PermissionDenied, match="管理范围"):
        services.application_advance(application=app, actor=province.users["city_b"])
    with pytest.raises(PermissionDenied):
        services.application_advance(application=app, actor=province.users["leader"])
    with pytest.raises(PermissionDenied):
        services.application_advance(application=app, actor=province.users["province"])
    services.application_advance(application=app, actor=province.users["city_a"])


@pytest.mark.django_db
def test_introducer_cannot_approve(province):
    app = create_application(province)
    app = run_to(province, app, "talk")
    introducer = app.introducers.first().member
    introducer.user = make_user("intro_officer", province.branch_a1, Role.BRANCH_OFFICER)
    introducer.save()
    with pytest.raises(PermissionDenied, match="介绍人"):
        services.application_advance(
            application=app, actor=introducer.user, data=STAGE_DATA["talk"]
        )


@pytest.mark.django_db
def test_introducers_must_be_two_active_members_confirmed(province):
    app = create_application(province)
    app = run_to(province, app, "introducers")
    actor = actor_for(province, app)
    with pytest.raises(ValidationError, match="介绍人确认"):
        services.application_advance(application=app, actor=actor)
    out_of_scope = create_member(province.branch_b1)
    intro = services.introducer_add(application=app, member=out_of_scope, actor=actor)
    resigned = create_member(province.branch_a1)
    resigned.status = "resigned"
    resigned.save()
    with pytest.raises(ValidationError, match="在册"):
        services.introducer_add(application=app, member=resigned, actor=actor)
    services.introducer_confirm(introducer=intro, actor=actor)
    with pytest.raises(ValidationError, match="已确认1名"):
        services.application_advance(application=app, actor=actor)


@pytest.mark.django_db
def test_introducer_confirms_in_person_with_own_user(province):
    app = run_to(province, create_application(province), "introducers")
    member = create_member(province.branch_b1)
    member.user = make_user("m_intro", None, Role.MEMBER)
    member.save()
    intro = services.introducer_add(application=app, member=member, actor=actor_for(province, app))
    confirmed = services.introducer_confirm(introducer=intro, actor=member.user)
    assert confirmed.confirmed_in_person


@pytest.mark.django_db
def test_failing_condition_blocks_until_approving_level_overrides(province):
    app = create_application(province, birth_date=datetime.date(1960, 1, 1))
    actor = actor_for(province, app)
    with pytest.raises(ValidationError, match="年龄"):
        services.application_advance(application=app, actor=actor)
    rule = AdmissionRule.objects.get(code="age")
    with pytest.raises(PermissionDenied):
        services.condition_override(application=app, rule=rule, reason="破格", actor=actor)
    with pytest.raises(ValidationError):
        services.condition_override(
            application=app, rule=rule, reason=" ", actor=province.users["province"]
        )
    services.condition_override(
        application=app, rule=rule, reason="知名专家，破格发展", actor=province.users["province"]
    )
    app.refresh_from_db()
    outcome = next(o for o in conditions.evaluate(app) if o.rule == rule)
    assert outcome.result == conditions.FAIL and outcome.override_reason and not outcome.blocks
    advance_once(province, app)
    assert app.stage.code == "introducers"


@pytest.mark.django_db
def test_condition_sentences(province):
    talent = TalentKind.objects.first()
    app = create_application(
        province,
        birth_date=datetime.date(1950, 1, 1),
        is_talent=True,
        talent_kind=talent,
        education=Education.objects.get(code="college"),
        title=Title.objects.get(code="junior-title"),
        other_party="某党派",
    )
    results = {o.rule.code: o for o in conditions.evaluate(app)}
    assert results["age"].result == "pass" and "优才" in results["age"].sentence
    assert results["education-or-title"].result == "fail"
    assert "大学专科" in results["education-or-title"].sentence
    assert results["main-sector"].result == "pass"
    assert results["no-other-party"].result == "fail"
    assert results["id-number"].result == "pass"
    rule = AdmissionRule.objects.get(code="main-sector")
    rule.params = {}
    rule.severity = "warning"
    rule.save()


@pytest.mark.django_db
def test_registered_id_fails_condition(province):
    member = create_member(province.branch_b1)
    app = create_application(
        province, id_number=member.id_number, birth_date=member.birth_date, sex=member.sex
    )
    result = next(o for o in conditions.evaluate(app) if o.rule.code == "id-number")
    assert result.result == "fail" and "已登记" in result.sentence


@pytest.mark.django_db
def test_return_and_reject_need_a_reason_and_move_correctly(province):
    app = run_to(province, create_application(province), "talk")
    actor = actor_for(province, app)
    with pytest.raises(ValidationError):
        services.application_return(application=app, actor=actor, comment="")
    services.application_return(application=app, actor=actor, comment="材料不全")
    app.refresh_from_db()
    assert app.stage.code == "introducers"
    services.application_reject(application=app, actor=actor, comment="不符合要求")
    app.refresh_from_db()
    assert app.state == Application.State.REJECTED
    with pytest.raises(ValidationError, match="办结"):
        services.application_advance(application=app, actor=actor)


@pytest.mark.django_db
def test_only_the_branch_withdraws(province):
    app = run_to(province, create_application(province), "city-review")
    with pytest.raises(PermissionDenied):
        services.application_withdraw(
            application=app, actor=province.users["city_a"], comment="撤回"
        )
    services.application_withdraw(
        application=app, actor=province.users["branch_a1"], comment="本人要求撤回"
    )
    app.refresh_from_db()
    assert app.state == Application.State.WITHDRAWN


@pytest.mark.django_db
def test_stale_version_is_a_conflict(province):
    app = create_application(province)
    stale = Application.objects.get(pk=app.pk)
    services.application_advance(application=app, actor=actor_for(province, app))
    with pytest.raises(services.ApplicationConflict, match="他人"):
        services.application_advance(application=stale, actor=province.users["branch_a1"])


@pytest.mark.django_db
def test_quota_exceeded_needs_reason(province):
    year = datetime.date.today().year
    YearlyQuota.objects.create(unit=province.city_a, year=year, new_members=1)
    first = run_to(province, create_application(province), "province-approval")
    advance_once(province, first)
    second = run_to(province, create_application(province, name="赵敏"), "province-approval")
    with pytest.raises(ValidationError, match="名额已用完"):
        services.application_advance(application=second, actor=province.users["province"])
    services.application_advance(
        application=second, actor=province.users["province"], quota_reason="重点人才"
    )
    second.refresh_from_db()
    assert second.quota_override_reason == "重点人才"
    owner, quota, used = services.quota_status(province.branch_a1, year)
    assert (owner, quota, used) == (province.city_a, 1, 2)


@pytest.mark.django_db
def test_next_actor_is_notified(province):
    app = run_to(province, create_application(province), "branch-meeting")
    advance_once(province, app)
    assert Notification.objects.filter(recipient=province.users["city_a"]).exists()
    assert not Notification.objects.filter(recipient=province.users["city_b"]).exists()


@pytest.mark.django_db
def test_branch_meeting_votes_are_checked(province):
    app = run_to(province, create_application(province), "branch-meeting")
    data = dict(STAGE_DATA["branch-meeting"], votes_for=3, votes_against=5)
    with pytest.raises(ValidationError, match="赞成票"):
        services.application_advance(application=app, actor=actor_for(province, app), data=data)
    data = dict(STAGE_DATA["branch-meeting"], present=11)
    with pytest.raises(ValidationError, match="到会人数"):
        services.application_advance(application=app, actor=actor_for(province, app), data=data)
    with pytest.raises(ValidationError, match="会议日期"):
        services.application_advance(application=app, actor=actor_for(province, app), data={})


@pytest.mark.django_db
def test_prospect_becomes_applicant_without_retyping(province):
    officer = province.users["branch_a1"]
    recruiter = create_member(province.branch_a1)
    prospect = services.prospect_create(
        unit=province.branch_a1,
        data={
            k: v
            for k, v in person(name="周杰").items()
            if k not in ("resume", "reasons", "family_relations", "social_relations")
        },
        actor=officer,
        recruiter=recruiter,
        source="主委推荐",
    )
    services.cultivation_record_add(
        prospect=prospect,
        date=past(3, 1),
        kind="talk",
        content="谈心",
        actor=officer,
    )
    app = services.application_from_prospect(prospect=prospect, actor=officer)
    assert app.name == "周杰" and app.id_number == prospect.id_number
    assert app.recruiter == recruiter
    prospect.refresh_from_db()
    assert prospect.status == Prospect.Status.APPLIED
    with pytest.raises(ValidationError):
        services.application_from_prospect(prospect=prospect, actor=officer)


@pytest.mark.django_db
def test_filing_batch_rejects_wrong_stage_and_records_reply(province):
    ready = run_to(province, create_application(province), "filing")
    early = run_to(province, create_application(province, name="钱多"), "talk")
    prov = province.users["province"]
    with pytest.raises(ValidationError, match="钱多"):
        services.filing_batch_create(
            applications=[ready, early],
            number="2026-1",
            sent_on=past(2, 1),
            actor=prov,
        )
    assert not Application.objects.filter(filing_batch__isnull=False).exists()
    batch = services.filing_batch_create(
        applications=[ready], number="2026-1", sent_on=past(2, 1), actor=prov
    )
    services.filing_batch_record_reply(
        batch=batch, reply_on=past(2, 10), reply="同意备案", actor=prov
    )
    ready.refresh_from_db()
    assert ready.stage.code == "admission"
    with pytest.raises(ValidationError, match="已登记"):
        services.filing_batch_record_reply(
            batch=batch, reply_on=past(2, 10), reply="同意", actor=prov
        )


@pytest.mark.django_db
def test_application_must_be_in_a_branch(province):
    with pytest.raises(ValidationError, match="基层组织"):
        services.application_create(
            unit=province.city_a, data=person(), actor=province.users["city_a"]
        )
    with pytest.raises(ValidationError) as err:
        services.application_create(
            unit=province.branch_a1,
            data=person(id_number="430102198501011234"),
            actor=province.users["branch_a1"],
        )
    assert "id_number" in err.value.message_dict
    assert unique_id_number()


@pytest.mark.django_db
def test_moves_are_audited(province):
    from grassroots.core.models import AuditEvent

    app = create_application(province)
    advance_once(province, app)
    event = AuditEvent.objects.filter(
        object_type="recruitment.application", object_id=str(app.pk), action="update"
    ).latest("id")
    assert "stage_id" in event.changes or "stage" in event.changes
