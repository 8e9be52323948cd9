import datetime

import pytest
from django.urls import reverse

from grassroots.core.models import AuditEvent
from grassroots.members.models import TalentKind
from grassroots.planning.models import YearlyQuota
from grassroots.recruitment import services
from grassroots.recruitment.models import Application
from grassroots.recruitment.nav import inbox_badge
from grassroots.recruitment.tests.factories import create_application, past, run_to


@pytest.mark.django_db
def test_inbox_page_shows_waiting_applications_quota_and_badge(client, province, rf):
    YearlyQuota.objects.create(unit=province.city_a, year=datetime.date.today().year, new_members=5)
    app = run_to(province, create_application(province, name="欧阳娜娜"), "city-review")
    client.force_login(province.users["city_a"])
    res = client.get(reverse("admin:recruitment_application_inbox"))
    text = res.content.decode()
    assert res.status_code == 200
    assert "欧阳娜娜" in text and "长沙市委会" in text
    request = rf.get("/")
    request.user = province.users["city_a"]
    assert inbox_badge(request) == "1"
    request.user = province.users["city_b"]
    assert inbox_badge(request) == ""
    client.force_login(province.users["city_b"])
    assert (
        "欧阳娜娜"
        not in client.get(reverse("admin:recruitment_application_inbox")).content.decode()
    )
    assert (
        client.get(reverse("admin:recruitment_application_change", args=[app.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_detail_page_acts_and_shows_timeline_and_override(client, province):
    app = create_application(province, birth_date=datetime.date(1960, 5, 5), name="司马光")
    client.force_login(province.users["province"])
    url = reverse("admin:recruitment_application_override", args=[app.pk])
    from grassroots.recruitment.models import AdmissionRule

    rule = AdmissionRule.objects.get(code="age")
    client.post(url, {"rule": rule.pk, "reason": "著名学者"})
    client.force_login(province.users["branch_a1"])
    detail = reverse("admin:recruitment_application_change", args=[app.pk])
    text = client.get(detail).content.decode()
    assert "著名学者" in text and "条件破格" in text
    app.refresh_from_db()
    res = client.post(
        reverse("admin:recruitment_application_act", args=[app.pk]),
        {"action": "advance", "comment": "提交", "version": app.version},
    )
    assert res.status_code == 302
    app.refresh_from_db()
    assert app.stage.code == "introducers"
    res = client.post(
        reverse("admin:recruitment_application_act", args=[app.pk]),
        {"action": "advance", "comment": "再次", "version": app.version - 1},
        follow=True,
    )
    assert "他人" in res.content.decode()


@pytest.mark.django_db
def test_pdfs_render_chinese_and_are_audited(client, province):
    app = run_to(province, create_application(province, name="诸葛亮"), None)
    client.force_login(province.users["province"])
    for kind in ("form", "approval", "certificate"):
        res = client.get(reverse("admin:recruitment_application_pdf", args=[app.pk, kind]))
        assert res.status_code == 200 and res.content.startswith(b"%PDF")
        assert b"STSong-Light" in res.content
    assert AuditEvent.objects.filter(action="export", object_id=str(app.pk)).count() == 3


@pytest.mark.django_db
def test_filing_batch_pages_and_packages(client, province):
    apps = [
        run_to(province, create_application(province, name=n), "filing") for n in ("甲一", "乙二")
    ]
    client.force_login(province.users["province"])
    ids = ",".join(str(a.pk) for a in apps)
    res = client.post(
        reverse("admin:recruitment_application_filing"),
        {"ids": ids, "number": "2026-第1批", "sent_on": past(3, 1).isoformat()},
    )
    assert res.status_code == 302
    batch = apps[0].__class__.objects.get(pk=apps[0].pk).filing_batch
    for fmt in ("xlsx", "pdf"):
        res = client.get(reverse("admin:recruitment_filingbatch_package", args=[batch.pk, fmt]))
        assert res.status_code == 200 and len(res.content) > 1000
    res = client.post(
        reverse("admin:recruitment_filingbatch_reply", args=[batch.pk]),
        {
            "reply_on": past(3, 10).isoformat(),
            "reply": "同意备案",
            "rejected": f"{apps[1].pk} 材料不全",
        },
    )
    assert res.status_code == 302
    states = dict(
        Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("name", "state")
    )
    assert states == {"甲一": "open", "乙二": "rejected"}


@pytest.mark.django_db
def test_programme_figures_page(client, province):
    kind = TalentKind.objects.get(code="scholar")
    programme = services.programme_create(
        unit=province.province,
        name="百名优才入会工程",
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2028, 12, 31),
        target=100,
        categories=[kind],
        actor=province.users["province"],
    )
    app = create_application(province, is_talent=True, talent_kind=kind)
    Application.objects.filter(pk=app.pk).update(programme=programme)
    run_to(province, app, None)
    client.force_login(province.users["province"])
    res = client.get(reverse("admin:recruitment_talentprogramme_figures", args=[programme.pk]))
    text = res.content.decode()
    assert res.status_code == 200
    assert "专家学者" in text and "unfold/js/chart/chart.js" in text
    assert "目标 100 人，已入会 1 人" in text


@pytest.mark.django_db
def test_console_lists_render(client, province):
    create_application(province)
    client.force_login(province.users["province"])
    for name in (
        "application",
        "prospect",
        "talentprogramme",
        "filingbatch",
        "admissionrule",
        "stage",
    ):
        res = client.get(reverse(f"admin:recruitment_{name}_changelist"))
        assert res.status_code == 200, name
    assert client.get(reverse("admin:recruitment_application_add")).status_code == 200
    assert client.get(reverse("admin:recruitment_prospect_add")).status_code == 200


@pytest.mark.django_db
def test_form_is_edited_only_at_the_first_stage(client, province):
    app = create_application(province, name="原名")
    client.force_login(province.users["branch_a1"])
    url = reverse("admin:recruitment_application_change", args=[app.pk])
    assert client.get(url + "?edit=1").status_code == 200
    services.application_advance(application=app, actor=province.users["branch_a1"])
    res = client.get(url + "?edit=1", follow=True)
    assert "退回" in res.content.decode()


@pytest.mark.django_db
def test_stage_and_rule_configuration_is_validated(client, province):
    from django.core.exceptions import ValidationError

    from grassroots.recruitment.models import AdmissionRule, Stage

    stage = Stage.objects.get(code="talk")
    stage.actor_roles = ["nobody"]
    with pytest.raises(ValidationError) as err:
        stage.full_clean()
    assert "actor_roles" in err.value.message_dict
    rule = AdmissionRule.objects.get(code="age")
    rule.message = "年龄{age"
    with pytest.raises(ValidationError):
        rule.full_clean()
    client.force_login(province.users["city_a"])
    res = client.get(reverse("admin:recruitment_stage_change", args=[stage.pk]))
    assert res.status_code in (200, 403)
    assert 'name="actor_roles"' not in res.content.decode() or res.status_code == 403


def test_sidebar_badge_shows_the_count_and_disappears_when_the_inbox_is_empty(client, province):
    run_to(province, create_application(province, name="徽章测试"), "city-review")
    inbox = reverse("admin:recruitment_application_inbox")

    def sidebar_inbox_link(user) -> str:
        client.force_login(user)
        page = client.get(reverse("admin:members_member_changelist")).content.decode()
        start = page.index(f'href="{inbox}"')
        return " ".join(page[start : page.index("</a>", start)].split())

    assert "min-w-[18px]" in sidebar_inbox_link(province.users["city_a"])
    assert "> 1 </span>" in sidebar_inbox_link(province.users["city_a"])
    assert "min-w-[18px]" not in sidebar_inbox_link(province.users["city_b"])
