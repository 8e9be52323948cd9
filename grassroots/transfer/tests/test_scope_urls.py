"""Scope of the roster console pages: uploads, exports and rosters stay inside the user's units."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.core.audit import AuditEvent
from grassroots.members.tests.factories import create_member
from grassroots.transfer.models import ImportJob
from grassroots.transfer.tests.helpers import person, write_xlsx

pytestmark = pytest.mark.django_db


def test_upload_refuses_a_unit_outside_scope(client, province, tmp_path):
    client.force_login(province.users["city_a"])
    path = write_xlsx(tmp_path / "r.xlsx", [[1, "甲", "男", person(41)["id"], "", "", "", ""]])
    response = client.post(
        reverse("admin:transfer_import_upload"),
        {
            "file": SimpleUploadedFile("r.xlsx", path.read_bytes()),
            "unit": province.city_b.pk,
            "mode": "create",
        },
    )
    assert response.status_code == 200  # the form is shown again with the unit error
    assert not ImportJob.objects.exists()
    assert province.city_b.name not in response.content.decode()


def test_console_export_contains_only_members_in_scope(client, province):
    create_member(province.branch_a1, name="范围内")
    create_member(province.branch_b1, name="范围外")
    client.force_login(province.users["city_a"])
    response = client.get(
        reverse("admin:transfer_export"), {"download": "1", "columns": ["name", "unit"]}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="export")
    assert event.extra["rows"] == 1


def test_roster_of_a_sibling_unit_is_not_produced(client, province):
    create_member(province.branch_b1, name="外市会员")
    client.force_login(province.users["city_a"])
    response = client.get(reverse("admin:transfer_roster"), {"unit": province.branch_b1.pk})
    assert "attachment" not in response.get("Content-Disposition", "")
    assert "外市会员" not in response.content.decode()


def test_import_job_change_page_of_a_sibling_answers_404(client, province, tmp_path):
    job = ImportJob.objects.create(unit=province.city_b, file_name="b.xlsx")
    client.force_login(province.users["city_a"])
    url = reverse("admin:transfer_importjob_change", args=[job.pk])
    assert client.get(url).status_code == 404
