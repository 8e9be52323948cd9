"""The audit log is append-only: the model refuses on every database; on PostgreSQL the database
refuses an application role, and only the owner connection purges rows past the retention."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.models import AuditEvent, AuditLogIsAppendOnly

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles and triggers need PostgreSQL"
)


def _event(days_ago: int = 0, repr_: str = "x") -> AuditEvent:
    event = audit.record(AuditEvent.Action.OTHER, object_type="test.thing", object_repr=repr_)
    if days_ago:
        # Back-dating a row is itself a rewrite: only set-up may do it.
        with audit.maintenance():
            AuditEvent.objects.filter(pk=event.pk).update(
                occurred_at=timezone.now() - datetime.timedelta(days=days_ago)
            )
    return event


# --- the model, on both databases -----------------------------------------------------------


@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_delete_a_recorded_event():
    event = _event()
    event.object_repr = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="rewritten")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all()._raw_delete(AuditEvent.objects.db)
    assert AuditEvent.objects.get(pk=event.pk).object_repr == "x"
    # New rows still go in, one at a time and in bulk.
    audit.record(AuditEvent.Action.OTHER, object_type="test.thing")
    AuditEvent.objects.bulk_create([audit._event(AuditEvent.Action.OTHER, object_type="t")])
    assert AuditEvent.objects.count() == 3


# --- retention ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retention_under_180_days_is_refused_with_a_clear_message(settings):
    settings.GRASSROOTS_AUDIT_RETENTION_DAYS = 179
    with pytest.raises(ImproperlyConfigured, match="180"):
        audit.retention_days()
    errors = audit.check_retention()
    assert [e.id for e in errors] == ["grassroots.E001"]
    assert "GRASSROOTS_AUDIT_RETENTION_DAYS=179" in errors[0].msg
    _event(days_ago=400)
    with pytest.raises(CommandError, match="180"):
        call_command("purge_audit", stdout=io.StringIO())
    assert AuditEvent.objects.count() == 1  # nothing purged
    settings.GRASSROOTS_AUDIT_RETENTION_DAYS = 180
    assert audit.check_retention() == []


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the PostgreSQL purge is below")
@pytest.mark.django_db
def test_purge_on_sqlite_deletes_only_rows_past_retention_and_is_audited(settings):
    settings.GRASSROOTS_AUDIT_RETENTION_DAYS = 200
    old, kept = _event(days_ago=201, repr_="old"), _event(days_ago=199, repr_="kept")
    out = io.StringIO()
    call_command("purge_audit", stdout=out)
    assert "1" in out.getvalue()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    purge = AuditEvent.objects.get(operation="audit_purge")
    assert purge.extra["purged"] == 1 and purge.extra["retention_days"] == 200
    assert (purge.actor_username, purge.source) == ("system", "cli")
    call_command("purge_audit", stdout=io.StringIO())  # safe to run twice
    purges = AuditEvent.objects.filter(operation="audit_purge").order_by("id")
    assert [p.extra["purged"] for p in purges] == [1, 0]
    assert AuditEvent.objects.filter(pk=kept.pk).exists()


# --- PostgreSQL: roles and the trigger ------------------------------------------------------


def _url_as(role: str) -> str:
    settings_dict = connection.settings_dict
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    password = "app-role-test-pw"
    auth = f"{role}:{password}" if role != settings_dict["USER"] else settings_dict["USER"]
    if role == settings_dict["USER"] and settings_dict.get("PASSWORD"):
        auth += f":{settings_dict['PASSWORD']}"
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def app_role(transactional_db):
    """A login role granted far too much, as a careless deployment might: the trigger must hold."""
    role = f"grassroots_app_{connection.settings_dict['NAME']}"[:60]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'app-role-test-pw'")
        cursor.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
        cursor.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    yield role, _url_as(role)
    with connection.cursor() as cursor:
        cursor.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
        cursor.execute(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


INSERT = (
    "INSERT INTO core_auditevent (occurred_at, actor_username, actor_unit_code, source, "
    "request_id, ip, action, object_type, object_id, object_repr, unit_path, operation, "
    "changes, extra) VALUES (now() - %s * interval '1 day', 'app', '', 'web', '', '', 'other', "
    "'test.thing', '', %s, '', '', '{}', '{}') RETURNING id"
)


@postgres_only
def test_the_application_role_can_insert_but_not_update_delete_or_truncate(app_role):
    import psycopg

    role, url = app_role
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == role
        row_id = conn.execute(INSERT, [0, "by app"]).fetchone()[0]
        for statement in (
            "UPDATE core_auditevent SET object_repr = 'rewritten' WHERE id = %s",
            "DELETE FROM core_auditevent WHERE id = %s",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement, [row_id])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute("TRUNCATE core_auditevent")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        # With the grants the deploy guide gives, the refusal comes from the grants first.
        with connection.cursor() as cursor:
            cursor.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON core_auditevent FROM "{role}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute("DELETE FROM core_auditevent WHERE id = %s", [row_id])
        assert conn.execute(INSERT, [0, "still inserts"]).fetchone()[0] > row_id
    assert AuditEvent.objects.get(pk=row_id).object_repr == "by app"


@postgres_only
def test_purge_runs_through_the_owner_connection_only(app_role, settings):
    _role, app_url = app_role
    settings.GRASSROOTS_AUDIT_RETENTION_DAYS = 180
    old, kept = _event(days_ago=181, repr_="old"), _event(days_ago=179, repr_="kept")
    settings.DATABASE_OWNER_URL = ""
    with pytest.raises(CommandError, match="DATABASE_OWNER_URL"):
        call_command("purge_audit", stdout=io.StringIO())
    # An application role given as the owner URL cannot purge either: the trigger refuses.
    import psycopg

    settings.DATABASE_OWNER_URL = app_url
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        call_command("purge_audit", stdout=io.StringIO())
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    settings.DATABASE_OWNER_URL = _url_as(connection.settings_dict["USER"])
    call_command("purge_audit", stdout=io.StringIO())
    call_command("purge_audit", stdout=io.StringIO())
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    purges = AuditEvent.objects.filter(operation="audit_purge").order_by("id")
    assert [p.extra["purged"] for p in purges] == [1, 0]


@postgres_only
def test_deploy_check_warns_when_the_web_role_could_rewrite_the_log(app_role):
    # The suite connects as the table owner: exactly what the deploy guide warns against.
    warnings = audit.check_append_only_role(databases=["default"])
    assert "grassroots.W001" in [w.id for w in warnings]
    assert "grassroots.W003" not in [w.id for w in warnings]  # the trigger is installed
