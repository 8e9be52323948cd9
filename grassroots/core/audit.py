"""The one audit mechanism: who changed what, when, from which request, with before/after values.

Models opt in by inheriting ``AuditedModel``; saves and deletes are recorded from signals,
bulk writes made by services call ``record_bulk`` (rows in bulk plus one event naming the
operation). Reads of sensitive values and exports call ``record``.

The log is append-only (``docs/decisions/0001-audit-log.md``): the model refuses updates and
deletes; on PostgreSQL a trigger refuses them to every role but the table's owner, so the
retention purge (``purge_older_than``) runs through ``DATABASE_OWNER_URL``.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import context
from grassroots.core.models import AuditEvent, audit_maintenance
from grassroots.core.sensitive import mask_id_number

_suppressed: ContextVar[bool] = ContextVar("grassroots_audit_suppressed", default=False)


class AuditedModel(models.Model):
    """Remembers the values it was loaded with so that a save can be diffed."""

    # Fields never written to the audit (derived or secret), and fields shown masked.
    audit_exclude: tuple[str, ...] = ()
    audit_masked: dict[str, Callable[[str], str]] = {}

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._audit_loaded = dict(zip(field_names, values, strict=False))
        return instance

    def audit_unit_path(self) -> str:
        lookup = getattr(self, "scope_path_lookup", "")
        target: Any = self
        for part in lookup.split("__") if lookup else []:
            target = getattr(target, part, None)
            if target is None:
                return ""
        return target if isinstance(target, str) else ""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


def _audited_fields(instance: AuditedModel) -> Iterator[models.Field]:
    for field in instance._meta.concrete_fields:
        if field.name in instance.audit_exclude or field.attname in instance.audit_exclude:
            continue
        yield field


def _shown(instance: AuditedModel, field: models.Field, value: Any) -> Any:
    masker = instance.audit_masked.get(field.name)
    if masker and value:
        return masker(str(value))
    return _plain(value)


def snapshot(instance: AuditedModel) -> dict[str, Any]:
    return {
        f.attname: _shown(instance, f, f.value_from_object(instance))
        for f in _audited_fields(instance)
    }


def diff(instance: AuditedModel) -> dict[str, list[Any]]:
    loaded = getattr(instance, "_audit_loaded", None)
    changes: dict[str, list[Any]] = {}
    for field in _audited_fields(instance):
        after = field.value_from_object(instance)
        if loaded is None or field.attname not in loaded:
            continue
        before = loaded[field.attname]
        if _plain(before) != _plain(after):
            changes[field.attname] = [
                _shown(instance, field, before),
                _shown(instance, field, after),
            ]
    return changes


def _event(
    action: str,
    *,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    unit_path: str | None = None,
    changes: dict | None = None,
    extra: dict | None = None,
    operation: str = "",
) -> AuditEvent:
    ctx = context.current()
    user = (
        ctx.user if ctx.user is not None and getattr(ctx.user, "is_authenticated", False) else None
    )
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk or "")
        object_repr = object_repr or str(instance)[:255]
        if unit_path is None and isinstance(instance, AuditedModel):
            unit_path = instance.audit_unit_path()
    if unit_path is None or unit_path == "":
        unit_path = getattr(user, "scope_path", "") or "" if user else ""
    return AuditEvent(
        actor_id=user.pk if user else None,
        actor_username=ctx.actor_username,
        actor_unit_code=ctx.actor_unit_code,
        source=ctx.source,
        request_id=ctx.request_id,
        ip=ctx.ip,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        unit_path=unit_path or "",
        changes=changes or {},
        extra=extra or {},
        operation=operation,
    )


def record(action: str, **kwargs: Any) -> AuditEvent:
    event = _event(action, **kwargs)
    event.save()
    return event


def record_bulk(
    operation: str,
    action: str,
    instances: Iterable[AuditedModel],
    *,
    extra: dict | None = None,
    summary_object_type: str = "",
    per_object: bool = True,
) -> AuditEvent:
    """Rows for every object written by a bulk service call, plus one event naming the operation."""
    count = 0
    batch: list[AuditEvent] = []
    for instance in instances:
        count += 1
        if per_object:
            changes = (
                {k: [None, v] for k, v in snapshot(instance).items()} if action == "create" else {}
            )
            batch.append(_event(action, instance=instance, changes=changes, operation=operation))
            if len(batch) >= 2000:
                AuditEvent.objects.bulk_create(batch)
                batch = []
    if batch:
        AuditEvent.objects.bulk_create(batch)
    return record(
        AuditEvent.Action.BULK,
        object_type=summary_object_type,
        object_repr=operation,
        operation=operation,
        extra={"count": count, **(extra or {})},
    )


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Inside a bulk service call that records its own events."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def _on_save(sender, instance, created, raw=False, **kwargs):
    if raw or _suppressed.get() or not isinstance(instance, AuditedModel):
        return
    if created:
        changes = {k: [None, v] for k, v in snapshot(instance).items()}
        record(AuditEvent.Action.CREATE, instance=instance, changes=changes)
    else:
        changes = diff(instance)
        if changes:
            record(AuditEvent.Action.UPDATE, instance=instance, changes=changes)
    mark_clean(instance)


def mark_clean(instance: models.Model) -> None:
    """The instance's current values become the baseline for its next diff."""
    instance._audit_loaded = {  # type: ignore[attr-defined]
        f.attname: f.value_from_object(instance) for f in instance._meta.concrete_fields
    }


def _on_delete(sender, instance, **kwargs):
    if _suppressed.get() or not isinstance(instance, AuditedModel):
        return
    changes = {k: [v, None] for k, v in snapshot(instance).items()}
    record(AuditEvent.Action.DELETE, instance=instance, changes=changes)


def connect_signals() -> None:
    post_save.connect(_on_save, dispatch_uid="grassroots-audit-save")
    post_delete.connect(_on_delete, dispatch_uid="grassroots-audit-delete")


MASK_ID: dict[str, Callable[[str], str]] = {"id_number": mask_id_number}


# --- retention -------------------------------------------------------------------------------

MIN_RETENTION_DAYS = 180  # MLPS 2.0 asks for at least six months of audit records


def retention_days() -> int:
    """The configured retention; a value under the minimum is refused, never silently raised."""
    days = int(settings.GRASSROOTS_AUDIT_RETENTION_DAYS)
    if days < MIN_RETENTION_DAYS:
        raise ImproperlyConfigured(
            _("审计日志保留期不得少于 %(min)d 天，当前 GRASSROOTS_AUDIT_RETENTION_DAYS=%(days)d")
            % {"min": MIN_RETENTION_DAYS, "days": days}
        )
    return days


@checks.register(checks.Tags.security)
def check_retention(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        retention_days()
    except (ImproperlyConfigured, ValueError, TypeError) as exc:
        return [checks.Error(str(exc), id="grassroots.E001")]
    return []


@checks.register(checks.Tags.database, deploy=True)
def check_append_only_role(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """`check --deploy --database default`: the web role must not be able to rewrite the log."""
    if not databases or "default" not in databases or connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_userbyid(c.relowner) = current_user,"
            " has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE')"
            " OR has_table_privilege(c.oid, 'TRUNCATE'),"
            " EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid"
            "         AND t.tgname = 'grassroots_audit_append_only_rows')"
            " FROM pg_class c WHERE c.oid = 'core_auditevent'::regclass"
        )
        row = cursor.fetchone()
    if row is None:
        return []
    is_owner, may_rewrite, has_trigger = row
    problems: list[checks.CheckMessage] = []
    if is_owner:
        problems.append(
            checks.Warning(
                "DATABASE_URL connects as the owner of core_auditevent: the web application could "
                "rewrite the audit log. Use an application role (README, Deployment).",
                id="grassroots.W001",
            )
        )
    elif may_rewrite:
        problems.append(
            checks.Warning(
                "The application role holds UPDATE, DELETE or TRUNCATE on core_auditevent; "
                "run REVOKE UPDATE, DELETE, TRUNCATE ON core_auditevent FROM <app role>.",
                id="grassroots.W002",
            )
        )
    if not has_trigger:
        problems.append(
            checks.Warning(
                "The append-only trigger on core_auditevent is missing (migrate core).",
                id="grassroots.W003",
            )
        )
    return problems


@contextlib.contextmanager
def maintenance() -> Iterator[None]:
    """Lets the ORM delete audit rows: the retention purge on SQLite and test set-up only."""
    token = audit_maintenance.set(True)
    try:
        yield
    finally:
        audit_maintenance.reset(token)


def owner_url() -> str:
    return str(getattr(settings, "DATABASE_OWNER_URL", "") or "")


def purge_older_than(cutoff: datetime.datetime) -> int:
    """Delete audit rows that occurred before ``cutoff``; the count deleted.

    PostgreSQL: through the owner connection (``DATABASE_OWNER_URL``), the only role the
    append-only trigger lets delete. SQLite: through the ORM under ``maintenance()``.
    """
    if connection.vendor == "postgresql":
        url = owner_url()
        if not url:
            raise ImproperlyConfigured(
                _("在 PostgreSQL 上清理审计日志需要设置 DATABASE_OWNER_URL（表所有者的连接）")
            )
        import psycopg

        with psycopg.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE occurred_at < %s", [cutoff])
            return int(cursor.rowcount)
    with maintenance():
        deleted, _counts = AuditEvent.objects.filter(occurred_at__lt=cutoff).delete()
    return int(deleted)


def purge_expired(*, now: datetime.datetime | None = None) -> tuple[int, datetime.datetime]:
    """The retention purge: rows older than the retention period go; the purge itself is logged."""
    days = retention_days()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    count = purge_older_than(cutoff)
    record(
        AuditEvent.Action.DELETE,
        object_type="core.auditevent",
        object_repr=f"audit retention purge: {count}",
        operation="audit_purge",
        extra={"purged": count, "before": cutoff.isoformat(), "retention_days": days},
    )
    return count, cutoff
