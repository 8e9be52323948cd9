"""Console pages: upload → preview → confirm, background run with progress, history, downloads."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.core.audit import AuditEvent
from grassroots.members.models import Member
from grassroots.members.tests.factories import create_member
from grassroots.transfer.models import ImportJob
from grassroots.transfer.tests.helpers import person, write_xlsx


@pytest.fixture
def staff(client, province):
    client.force_login(province.users["city_a"])
    return client


def upload(client, province, tmp_path, rows, **extra):
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    data = {
        "file": SimpleUploadedFile("花名册.xlsx", path.read_bytes()),
        "unit": province.city_a.pk,
        "mode": "create",
        **extra,
    }
    response = client.post(reverse("admin:transfer_import_upload"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("id"), response


def test_upload_preview_confirm(staff, province, tmp_path):
    people = [person(i) for i in range(2)]
    rows = [[i, p["name"], p["sex"], p["id"], "", "", "", ""] for i, p in enumerate(people)]
    job, response = upload(staff, province, tmp_path, rows)
    assert job.state == ImportJob.State.UPLOADED and job.preview["created"] == 2
    assert not Member.objects.exists()
    page = staff.get(response["Location"])
    assert page.status_code == 200
    assert people[0]["name"] in page.content.decode()
    upload_path = Path(job.upload.path)
    assert upload_path.exists()
    staff.post(response["Location"], {"confirm": "1"})
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.created == 2
    assert Member.objects.count() == 2
    assert not upload_path.exists() and not job.upload  # uploaded file deleted after processing
    history = staff.get(reverse("admin:transfer_importjob_changelist"))
    assert "花名册.xlsx" in history.content.decode()


def test_preview_lists_every_error_and_offers_the_workbook(staff, province, tmp_path):
    rows = [[1, "甲", "男", "123", "", "", "", ""], [2, "乙", "", "", "", "", "", ""]]
    job, response = upload(staff, province, tmp_path, rows)
    page = staff.get(response["Location"]).content.decode()
    assert "身份证号应为18位" in page and "请填写性别或身份证号" in page
    errors = staff.get(reverse("admin:transfer_import_errors", args=[job.pk]))
    assert errors.status_code == 200
    assert errors["Content-Type"].startswith("application/vnd.openxmlformats")


def test_large_upload_runs_as_background_task_with_progress(staff, province, tmp_path, settings):
    settings.GRASSROOTS_IMPORT_BACKGROUND_ROWS = 1  # the test backend runs tasks immediately
    rows = [[1, person(10)["name"], "男", person(11, sex="M")["id"], "", "", "", ""]]
    job, response = upload(staff, province, tmp_path, rows)
    staff.post(response["Location"], {"confirm": "1"})
    status = staff.get(reverse("admin:transfer_import_status", args=[job.pk])).json()
    assert status["finished"] and status["progress"] == 100 and status["created"] == 1


def test_cancel_deletes_the_upload(staff, province, tmp_path):
    job, response = upload(
        staff, province, tmp_path, [[1, "甲", "男", person(12)["id"], "", "", "", ""]]
    )
    path = Path(job.upload.path)
    staff.post(response["Location"], {"cancel": "1"})
    job.refresh_from_db()
    assert job.state == ImportJob.State.CANCELLED and not path.exists()


def test_jobs_of_another_scope_answer_404(client, province, tmp_path):
    client.force_login(province.users["city_a"])
    job, _response = upload(
        client, province, tmp_path, [[1, "甲", "男", person(13)["id"], "", "", "", ""]]
    )
    client.force_login(province.users["city_b"])
    assert client.get(reverse("admin:transfer_import_preview", args=[job.pk])).status_code == 404
    assert client.get(reverse("admin:transfer_import_status", args=[job.pk])).status_code == 404


def test_export_reads_the_member_list_filter(staff, province):
    create_member(province.branch_a1, name="导出甲")
    create_member(province.branch_a1, name="导出乙")
    url = reverse("admin:transfer_export")
    form = staff.get(url + "?q=导出甲")
    assert form.status_code == 200
    response = staff.get(url, {"q": "导出甲", "download": "1", "columns": ["name", "unit"]})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="export")
    assert event.extra["rows"] == 1 and event.extra["filter"] == {"q": ["导出甲"]}


def test_template_and_roster_downloads(staff, province):
    assert staff.get(reverse("admin:transfer_template")).status_code == 200
    roster = staff.get(reverse("admin:transfer_roster"), {"unit": province.branch_a1.pk})
    assert roster.status_code == 200
    assert "attachment" in roster["Content-Disposition"]
    outside = staff.get(reverse("admin:transfer_roster"), {"unit": province.city_b.pk})
    assert outside.status_code == 200 and "attachment" not in outside.get("Content-Disposition", "")


def test_export_opened_from_the_member_list_keeps_its_filter(staff, province):
    create_member(province.branch_a1, name="来源甲")
    create_member(province.branch_a1, name="来源乙")
    member_list = reverse("admin:members_member_changelist")
    page = staff.get(reverse("admin:transfer_export"), HTTP_REFERER=f"{member_list}?q=来源甲")
    assert 'value="来源甲"' in page.content.decode()


def test_a_crash_marks_the_job_failed_and_deletes_the_upload(
    staff, province, tmp_path, monkeypatch
):
    from grassroots.transfer import services

    job, _response = upload(
        staff, province, tmp_path, [[1, "甲", "男", person(14)["id"], "", "", "", ""]]
    )
    path = Path(job.upload.path)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_validate", boom)
    with pytest.raises(RuntimeError):
        services.import_job_run(job=job, actor=province.users["city_a"])
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and "内部错误" in job.message
    assert not path.exists()
    assert not Member.objects.exists()
