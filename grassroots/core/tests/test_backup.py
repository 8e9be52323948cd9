"""The backup drill on both databases: backup, wipe, restore, compare — and what restore refuses.

The PostgreSQL drill restores into a throwaway database, never the one the suite runs in.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from grassroots.core import backup
from grassroots.core.models import AuditEvent
from grassroots.members.models import Member
from grassroots.members.tests.factories import create_member

PHOTO = b"\x89PNG fake photo bytes \x00\x01"


@pytest.fixture
def unit_kinds(transactional_db):
    """A transactional test starts from a flushed database: put back the seeded unit kinds."""
    import importlib

    from django.apps import apps

    importlib.import_module("grassroots.organizations.migrations.0002_seed_unit_kinds").seed(
        apps, None
    )


@pytest.fixture
def data(unit_kinds, province, settings, tmp_path):
    """Members with encrypted ID numbers, and an uploaded file under a private MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = settings.MEDIA_ROOT / "members" / "photos" / "照片.png"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(PHOTO)
    members = [create_member(province.branch_a1) for _ in range(3)]
    return {m.pk: m.id_number for m in members}


def _keys(settings) -> list[bytes]:
    return [settings.FIELD_ENCRYPTION_KEY.encode(), settings.SECRET_KEY.encode()]


def _assert_no_key_inside(directory: Path, settings, extra_text: bytes = b"") -> None:
    blobs = [p.read_bytes() for p in directory.rglob("*") if p.is_file()] + [extra_text]
    for key in _keys(settings):
        assert len(key) >= 20
        for blob in blobs:
            assert key not in blob


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _pg_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        return backup._counts(cursor, backup._pg_tables(cursor))


def _pg_id_numbers(url: str) -> dict[int, str]:
    from grassroots.core.sensitive import decrypt

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id, id_number FROM members_member").fetchall()
    return {pk: decrypt(token) for pk, token in rows}


# --- SQLite ------------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite drill")
@pytest.mark.django_db(transaction=True)
def test_sqlite_drill_backup_wipe_restore_compare(data, settings, tmp_path):
    target = tmp_path / "backup"
    out = io.StringIO()
    call_command("backup", str(target), stdout=out)
    assert "备份完成" in out.getvalue()
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["database"]["tables"]["members_member"] == 3
    assert manifest["media"]["files"] == 1
    assert {"grassroots", "django", "database"} <= set(manifest["versions"])
    _assert_no_key_inside(target, settings)
    counts = dict(manifest["database"]["tables"])

    # Wipe: an empty database in place of the live one, and no uploaded files.
    import shutil
    import sqlite3

    connection.ensure_connection()
    sqlite3.connect(":memory:").backup(connection.connection)
    with connection.cursor() as cursor:
        assert backup._sqlite_tables(cursor) == []
    shutil.rmtree(settings.MEDIA_ROOT)

    out = io.StringIO()
    call_command("restore", str(target), yes=True, stdout=out)
    assert "恢复完成" in out.getvalue() and "秒" in out.getvalue()
    assert "试解密 3 个" in out.getvalue()
    with connection.cursor() as cursor:
        after = backup._counts(cursor, backup._sqlite_tables(cursor))
    assert after.pop("core_auditevent") == counts.pop("core_auditevent") + 1  # the restore itself
    assert after == counts
    assert {m.pk: m.id_number for m in Member.objects.all()} == data
    assert (settings.MEDIA_ROOT / "members" / "photos" / "照片.png").read_bytes() == PHOTO
    restored = AuditEvent.objects.get(operation="restore")
    assert restored.extra["decrypted_samples"] == 3 and restored.extra["media_files"] == 1
    # Restoring again over the restored database is just as good.
    call_command("restore", str(target), yes=True, stdout=io.StringIO())
    assert Member.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_wrong_key_a_tampered_file_and_a_used_directory(data, settings, tmp_path):
    target = tmp_path / "backup"
    call_command("backup", str(target), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"manifest\.json"):
        call_command("backup", str(target), stdout=io.StringIO())  # never overwrites a backup

    settings.FIELD_ENCRYPTION_KEY = "a-different-key-" * 4
    with pytest.raises(CommandError, match="GRASSROOTS_FIELD_KEY"):
        call_command("restore", str(target), yes=True, stdout=io.StringIO())

    # A sample that does not decrypt is named by table and column, even if the check value
    # were to match (a backup made with mixed keys).
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["database"]["tables"] = {"members_member": 3}
    with connection.cursor() as cursor, pytest.raises(backup.BackupError, match="members_member"):
        backup._verify(manifest, cursor, backup.Report())

    tar = target / "media.tar"
    tar.write_bytes(tar.read_bytes()[:-1] + b"!")
    with pytest.raises(CommandError, match=r"media\.tar"):
        call_command("restore", str(target), yes=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"manifest\.json"):
        call_command("restore", str(tmp_path / "nowhere"), yes=True, stdout=io.StringIO())
    assert Member.objects.count() == 3  # nothing touched


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture
def throwaway_db():
    name = f"{connection.settings_dict['NAME']}_drill"[:63]
    admin = _url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL drill")
@pytest.mark.django_db(transaction=True)
def test_postgres_drill_backup_wipe_restore_compare(data, settings, tmp_path, throwaway_db):
    import shutil

    settings.DATABASE_OWNER_URL = _url(connection.settings_dict["NAME"])
    target = tmp_path / "backup"
    call_command("backup", str(target), stdout=io.StringIO())
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == "postgresql"
    assert manifest["database"]["tables"]["members_member"] == 3
    # The dump is compressed: scan its plain-SQL rendering as well as the raw files.
    sql = subprocess.run(
        ["pg_restore", "-f", "-", str(target / "database.dump")], capture_output=True, check=True
    ).stdout
    assert b"COPY public.members_member" in sql
    _assert_no_key_inside(target, settings, extra_text=sql)

    source = _pg_counts(settings.DATABASE_OWNER_URL)
    shutil.rmtree(settings.MEDIA_ROOT)  # wipe the files; the throwaway database starts empty
    assert _pg_counts(throwaway_db) == {}
    _, report = backup.restore(target, database_url=throwaway_db)
    assert report.decrypted_samples == 3 and report.seconds > 0
    backup_row = source.pop("core_auditevent")
    restored = _pg_counts(throwaway_db)
    assert restored.pop("core_auditevent") == backup_row - 1  # the backup's own event came after
    assert restored == source
    assert _pg_id_numbers(throwaway_db) == data
    assert (settings.MEDIA_ROOT / "members" / "photos" / "照片.png").read_bytes() == PHOTO

    # Restoring over a database that has changed since puts it back (pg_restore --clean).
    with psycopg.connect(throwaway_db) as conn:
        conn.execute("UPDATE members_member SET name = 'changed'")
    backup.restore(target, database_url=throwaway_db)
    with psycopg.connect(throwaway_db) as conn:
        assert (
            conn.execute("SELECT count(*) FROM members_member WHERE name = 'changed'").fetchone()[0]
            == 0
        )
    # The append-only trigger came back with the schema.
    with psycopg.connect(throwaway_db) as conn:
        triggers = {r[0] for r in conn.execute("SELECT tgname FROM pg_trigger").fetchall()}
    assert "grassroots_audit_append_only_rows" in triggers
