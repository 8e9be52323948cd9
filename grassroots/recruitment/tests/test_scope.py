"""Recruitment pages and routes outside the generic scope exercise: sibling cities see nothing."""

import pytest
from django.urls import reverse

from grassroots.members.tests.factories import create_member
from grassroots.recruitment import services
from grassroots.recruitment.models import Application
from grassroots.recruitment.tests.factories import create_application, past, person, run_to

API = "/api/v1/applications"


@pytest.mark.django_db
def test_api_list_and_detail_are_scoped(client, province):
    mine = create_application(province)
    sibling = create_application(province, unit=province.branch_b1, name="株洲人")
    client.force_login(province.users["city_a"])
    listed = {i["id"] for i in client.get(API).json()["items"]}
    assert listed == {mine.pk}
    assert client.get(f"{API}/{mine.pk}").status_code == 200
    assert client.get(f"{API}/{sibling.pk}").status_code == 404
    assert client.get(f"{API}/999999").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["advance", "return", "reject", "withdraw"])
def test_api_actions_on_a_sibling_application_answer_404(client, province, action):
    sibling = create_application(province, unit=province.branch_b1)
    client.force_login(province.users["city_a"])
    res = client.post(
        f"{API}/{sibling.pk}/{action}", {"comment": "x"}, content_type="application/json"
    )
    missing = client.post(
        f"{API}/999999/{action}", {"comment": "x"}, content_type="application/json"
    )
    assert res.status_code == missing.status_code == 404
    sibling.refresh_from_db()
    assert sibling.version == 0 and sibling.state == Application.State.OPEN


@pytest.mark.django_db
def test_api_create_in_a_sibling_branch_answers_404(client, province):
    client.force_login(province.users["city_a"])
    body = person() | {
        "unit_id": province.branch_b1.pk,
        "education": "masters",
        "sector": "education",
    }
    assert client.post(API, body, content_type="application/json").status_code == 404
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_api_introducers_on_a_sibling_application_answer_404(client, province):
    sibling = run_to(province, create_application(province, unit=province.branch_b1), "introducers")
    member = create_member(province.branch_a1)
    officer = __import__(
        "grassroots.recruitment.tests.factories", fromlist=["branch_user"]
    ).branch_user(province, province.branch_b1)
    intro = services.introducer_add(application=sibling, member=member, actor=officer)
    client.force_login(province.users["city_a"])
    res = client.post(
        f"{API}/{sibling.pk}/introducers", {"member_id": member.pk}, content_type="application/json"
    )
    assert res.status_code == 404
    res = client.post(f"{API}/{sibling.pk}/introducers/{intro.pk}/confirm")
    assert res.status_code == 404
    intro.refresh_from_db()
    assert intro.confirmed_at is None


@pytest.mark.django_db
def test_introducer_lookup_is_province_wide_but_shows_three_fields_only(client, province):
    far = create_member(province.branch_b1)
    client.force_login(province.users["branch_a1"])
    items = client.get(f"{API}/introducer-lookup", {"q": far.name}).json()["items"]
    assert items and set(items[0]) == {"id", "name", "unit", "member_number"}
    assert (far.id_number_masked not in str(items) and far.phone not in str(items)) or not far.phone
    client.force_login(province.users["admin"])
    client.logout()
    assert client.get(f"{API}/introducer-lookup", {"q": far.name}).status_code == 401


@pytest.mark.django_db
def test_console_inbox_is_scoped(client, province):
    mine = run_to(province, create_application(province, name="长沙人"), "city-review")
    run_to(
        province,
        create_application(province, unit=province.branch_b1, name="株洲人"),
        "city-review",
    )
    client.force_login(province.users["city_a"])
    html = client.get(reverse("admin:recruitment_application_inbox")).content.decode()
    assert "长沙人" in html and "株洲人" not in html
    assert province.city_b.name not in html
    assert reverse("admin:recruitment_application_change", args=[mine.pk]) in html


@pytest.mark.django_db
def test_console_pdfs_of_a_sibling_application_answer_404(client, province):
    sibling = run_to(province, create_application(province, unit=province.branch_b1), None)
    client.force_login(province.users["city_a"])
    for kind in ("form", "approval", "certificate"):
        got = client.get(reverse("admin:recruitment_application_pdf", args=[sibling.pk, kind]))
        absent = client.get(reverse("admin:recruitment_application_pdf", args=[999999, kind]))
        assert got.status_code == absent.status_code == 404


@pytest.mark.django_db
def test_console_filing_page_ignores_applications_out_of_scope(client, province):
    app = run_to(province, create_application(province, unit=province.branch_b1), "filing")
    client.force_login(province.users["city_a"])
    url = reverse("admin:recruitment_application_filing")
    html = client.get(url, {"ids": str(app.pk)}).content.decode()
    assert app.name not in html and province.branch_b1.name not in html
    client.post(url, {"ids": str(app.pk), "number": "X-1", "sent_on": past(3, 1).isoformat()})
    app.refresh_from_db()
    assert app.filing_batch_id is None


@pytest.mark.django_db
def test_console_filing_package_of_an_invisible_batch_answers_404(client, province):
    app = run_to(province, create_application(province), "filing")
    batch = services.filing_batch_create(
        applications=[app],
        number="P-1",
        sent_on=past(3, 1),
        actor=province.users["province"],
    )
    client.force_login(province.users["city_a"])
    for fmt in ("xlsx", "pdf"):
        got = client.get(reverse("admin:recruitment_filingbatch_package", args=[batch.pk, fmt]))
        absent = client.get(reverse("admin:recruitment_filingbatch_package", args=[999999, fmt]))
        assert got.status_code == absent.status_code == 404
    client.force_login(province.users["province"])
    assert (
        client.get(
            reverse("admin:recruitment_filingbatch_package", args=[batch.pk, "pdf"])
        ).status_code
        == 200
    )
