"""The PostgreSQL COPY writer produces the same rows as members.services.member_bulk_create."""

import pytest
from django.db import connection

from grassroots.core import audit
from grassroots.core.audit import AuditEvent
from grassroots.members.models import Member, NameKey, StatusChange
from grassroots.transfer import bulk, services
from grassroots.transfer.tests.helpers import person, write_xlsx

VOLATILE = {"id", "member_number", "created_at", "updated_at", "id_number"}


def snapshot():
    members = {}
    for m in Member.objects.order_by("name"):
        row = {f.attname: f.value_from_object(m) for f in Member._meta.concrete_fields}
        row = {k: v for k, v in row.items() if k not in VOLATILE}
        row["id_number"] = m.id_number
        row["keys"] = sorted(
            NameKey.objects.filter(member=m).values_list("key", "unit_id", "sort_key")
        )
        row["history"] = list(
            StatusChange.objects.filter(member=m).values_list(
                "from_status", "to_status", "date", "reason", "recorded_by"
            )
        )
        event = AuditEvent.objects.get(
            object_type="members.member", object_id=str(m.pk), action="create"
        )
        changes = dict(event.changes)
        for volatile in ("id", "member_number"):
            changes.pop(volatile, None)
        row["audit"] = (
            changes,
            event.unit_path,
            event.operation,
            event.actor_username,
            event.object_repr,
        )
        members[m.name] = row
    return members


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is the PostgreSQL path")
def test_copy_path_matches_member_bulk_create(province, tmp_path, monkeypatch):
    people = [person(i) for i in range(3)]
    rows = [
        [i, p["name"], p["sex"], p["id"], p["birth"], "13800138000", "本科", "430101" if i else ""]
        for i, p in enumerate(people)
    ]
    rows[1][1] = "曾乐乐"
    path = write_xlsx(tmp_path / "same.xlsx", rows)
    user = province.users["city_a"]
    from grassroots.core import context

    monkeypatch.setattr(bulk, "COPY_THRESHOLD", 1)
    with context.acting(user, source="cli"):
        services.import_members(path=path, unit=province.city_a, actor=user)
    copied = snapshot()
    with audit.maintenance():  # the audit log is append-only outside set-up
        AuditEvent.objects.filter(object_type="members.member").delete()
    Member.objects.all().delete()
    monkeypatch.setattr(bulk, "COPY_THRESHOLD", 10**9)
    with context.acting(user, source="cli"):
        services.import_members(path=path, unit=province.city_a, actor=user)
    assert snapshot() == copied
    assert len(copied) == 3
    summary = AuditEvent.objects.filter(action="bulk", object_type="members.member")
    assert summary.count() == 1  # the COPY run's summary was deleted with the others above
