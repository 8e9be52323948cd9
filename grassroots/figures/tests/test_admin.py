"""The pool through the console: entering a figure, adding an assessment, the profile panels."""

from __future__ import annotations

import datetime

from django.urls import reverse

from grassroots.figures.models import Assessment, Figure
from grassroots.members.models import Officer
from grassroots.members.tests.factories import create_member


def test_enter_a_figure_and_record_an_assessment(client, province):
    client.force_login(province.users["city_a"])
    member = create_member(province.branch_a1, name="孙教授")
    Officer.objects.create(
        unit=province.branch_a1,
        member=member,
        post="vice_chair",
        start_date=datetime.date(2021, 3, 1),
    )
    add = reverse("admin:figures_figure_add")
    answer = client.post(
        add, {"member": member.pk, "category": "reserve", "since": "2026-01-02", "domain": "教育界"}
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    figure = Figure.objects.get()
    again = client.post(add, {"member": member.pk, "category": "reserve", "since": "2026-01-02"})
    assert "孙教授已在后备干部库中" in again.content.decode()

    change = reverse("admin:figures_figure_change", args=[figure.pk])
    page = client.get(change).content.decode()
    assert "副主委" in page and "长沙第一支部" in page  # the posts panel
    form = {
        "since": "2026-01-02",
        "domain": "教育界",
        "note": "",
        "is_active": "on",
        "assessments-TOTAL_FORMS": "1",
        "assessments-INITIAL_FORMS": "0",
        "assessments-MIN_NUM_FORMS": "0",
        "assessments-MAX_NUM_FORMS": "1000",
        "assessments-0-date": "2026-01-05",
        "assessments-0-assessor": "组织处",
        "assessments-0-rating": "excellent",
        "assessments-0-text": "政治坚定，业务突出",
    }
    saved = client.post(change, form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assessment = Assessment.objects.get()
    assert assessment.recorded_by == "city_a" and assessment.figure == figure
    bad = client.post(
        change, {**form, "assessments-0-text": " ", "assessments-0-date": "2099-01-01"}
    )
    assert "考察日期不能晚于今天" in bad.content.decode()
    assert Assessment.objects.count() == 1
