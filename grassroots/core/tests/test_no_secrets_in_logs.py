"""No log line, audit row, lockout record or error page holds a full ID number or a password.

Each failing path is driven with a real resident ID number and a password; everything logged
(at DEBUG, from every logger, captured after the record factory's redaction) and every response
body is scanned for either.
"""

from __future__ import annotations

import logging

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings

from grassroots.core.models import AuditEvent
from grassroots.core.tests.boom_urls import ID_NUMBER, PASSWORD

pytestmark = pytest.mark.django_db

MASKED = ID_NUMBER[:4] + "**********" + ID_NUMBER[-4:]


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_clean(text: str, where: str) -> None:
    assert ID_NUMBER not in text, f"full ID number in {where}"
    assert PASSWORD not in text, f"password in {where}"


def assert_logs_clean(logs) -> None:
    assert logs.records, "nothing was logged: the test would prove nothing"
    for record in logs.records:
        assert_clean(record.getMessage(), f"log message of {record.name}")
    assert_clean(logs.text, "formatted log output (tracebacks included)")


def assert_stored_clean() -> None:
    for event in AuditEvent.objects.all():
        assert_clean(f"{event.object_repr} {event.extra} {event.changes}", "audit log")
    for attempt in AccessAttempt.objects.all():
        assert_clean(f"{attempt.username} {attempt.get_data} {attempt.post_data}", "lockout record")


def test_console_sign_in_failures_and_lockout(logs, province):
    client = Client()
    for _ in range(6):  # through the lockout
        response = client.post(
            "/admin/login/?next=/admin/", {"username": ID_NUMBER, "password": PASSWORD}
        )
        assert response.status_code in (200, 429)
        assert_clean(response.content.decode(), "sign-in page")
    assert response.status_code == 429
    failed = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).first()
    assert failed is not None and failed.object_repr == MASKED
    assert_logs_clean(logs)
    assert_stored_clean()


def test_api_token_failure(logs, province):
    response = Client().post(
        "/api/v1/auth/token",
        {"username": ID_NUMBER, "password": PASSWORD, "otp": "123456"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert_clean(response.content.decode(), "API answer")
    assert_logs_clean(logs)
    assert_stored_clean()


def test_password_change_failure(logs, province):
    client = Client()
    client.force_login(province.users["city_a"])
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": ID_NUMBER, "new_password2": ID_NUMBER},
    )
    assert response.status_code == 200
    assert_clean(response.content.decode(), "password change page")
    logging.getLogger("grassroots.test").warning("probe %s password=%s", ID_NUMBER, PASSWORD)
    assert_logs_clean(logs)


def test_member_form_error(logs, province):
    client = Client()
    client.force_login(province.users["city_a"])
    response = client.post(
        "/admin/members/member/add/",
        {"unit": province.branch_a1.pk, "id_number_input": ID_NUMBER, "name": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    logging.getLogger("grassroots.test").info("member form refused for %s", ID_NUMBER)
    assert_logs_clean(logs)
    assert_stored_clean()


@override_settings(ROOT_URLCONF="grassroots.core.tests.boom_urls", DEBUG=False)
def test_server_error_page_and_traceback(logs, province):
    client = Client(raise_request_exception=False)
    client.force_login(province.users["city_a"])
    response = client.post("/boom/", {"id_number": ID_NUMBER, "password": PASSWORD})
    assert response.status_code == 500
    assert_clean(response.content.decode(), "500 page")
    errors = [r for r in logs.records if r.name == "django.request" and r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info is not None
    assert MASKED in logs.text  # the traceback was logged, masked
    assert_logs_clean(logs)


def test_redaction_reaches_every_handler(tmp_path):
    """A handler added later (a file, syslog) gets masked text too, not only the console's."""
    path = tmp_path / "app.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    logger = logging.getLogger("grassroots.elsewhere")
    logger.addHandler(handler)
    try:
        logger.error("import row 3: %s, {'password': '%s'}", ID_NUMBER, PASSWORD)
        try:
            raise ValueError(f"bad {ID_NUMBER}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = path.read_text(encoding="utf-8")
    assert MASKED in text and "'password': '********'" in text
    assert_clean(text, "file handler")


def test_portal_sign_in_failure(logs, province):
    response = Client().post("/m/login/", {"login": ID_NUMBER, "password": PASSWORD})
    assert response.status_code == 200
    assert_clean(response.content.decode(), "portal sign-in page")
    assert_logs_clean(logs)
    assert_stored_clean()
