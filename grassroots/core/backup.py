"""Backup and restore of the database and uploaded files, verified against a manifest.

A backup directory holds the database (SQLite: a copy made with the online backup API, so a
live WAL database is copied consistently; PostgreSQL: ``pg_dump -Fc`` of one exported
snapshot), ``media.tar`` (MEDIA_ROOT) and ``manifest.json``: when, which versions, the row
count of every table (counted in the same snapshot as the dump), the applied migrations, a
SHA-256 per file and a key check value. The keys are never written: restoring needs the same
``GRASSROOTS_FIELD_KEY``, and restore proves it by decrypting a sample of encrypted fields.

PostgreSQL dumps and restores run through the owner connection (``DATABASE_OWNER_URL``) when
it is set, else ``DATABASE_URL``. Stop the web and task processes before restoring.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import django
from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import sensitive

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_FILE = "media.tar"
FORMAT = 1
SAMPLE_PER_COLUMN = 20
KEY_CHECK_TEXT = "grassroots-backup-key-check"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why in words an operator reads."""


@dataclass
class Report:
    seconds: float = 0.0
    tables: int = 0
    rows: int = 0
    media_files: int = 0
    decrypted_samples: int = 0
    path: Path | None = None
    notes: list[str] = field(default_factory=list)


# --- helpers -----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def key_check() -> str:
    """A keyed hash of a fixed text: equal only under the same field key; reveals nothing of it."""
    return sensitive.keyed_hash(KEY_CHECK_TEXT, purpose="backup")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [row[0] for row in cursor.fetchall()]


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def _one(row: Any) -> Any:
    if row is None:  # pragma: no cover - both queries always answer one row
        raise BackupError("no answer from the database")
    return row[0]


def _counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _applied_migrations(cursor: Any, tables: list[str]) -> list[list[str]]:
    if "django_migrations" not in tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every encrypted field in the installed models."""
    columns: list[tuple[str, str]] = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, sensitive.EncryptedTextField) and f.column:
                columns.append((model._meta.db_table, f.column))
    return sorted(set(columns))


def owner_url() -> str:
    return str(getattr(settings, "DATABASE_OWNER_URL", "") or settings.DATABASE_URL)


def _pg_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def _run(command: list[str], what: str) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=_pg_env())
    except FileNotFoundError as exc:
        raise BackupError(
            _("找不到 %(tool)s：请安装与服务器版本一致的 PostgreSQL 客户端（postgresql-client）")
            % {"tool": command[0]}
        ) from exc
    if result.returncode != 0:
        # libpq may echo the connection string; never print a password.
        message = result.stderr.strip().splitlines()[-5:]
        raise BackupError(
            _("%(what)s失败（退出码 %(rc)d）：%(stderr)s")
            % {"what": what, "rc": result.returncode, "stderr": " / ".join(message)}
        )


# --- backup ------------------------------------------------------------------------------------


def backup(directory: Path) -> tuple[dict, Report]:
    """Write a backup of the configured database and MEDIA_ROOT into ``directory``."""
    started = time.monotonic()
    directory = Path(directory)
    if (directory / MANIFEST).exists():
        raise BackupError(
            _("%(dir)s 里已有一份备份（manifest.json）；请换一个空目录") % {"dir": directory}
        )
    directory.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    if vendor == "sqlite":
        counts, migrations, server = _backup_sqlite(directory / SQLITE_FILE)
        db_file = SQLITE_FILE
    elif vendor == "postgresql":
        counts, migrations, server = _backup_postgres(directory / PG_FILE)
        db_file = PG_FILE
    else:  # pragma: no cover - only the two supported databases
        raise BackupError(_("不支持的数据库：%(vendor)s") % {"vendor": vendor})
    media_count = _tar_media(directory / MEDIA_FILE)
    files = {
        name: {"sha256": _sha256(directory / name), "bytes": (directory / name).stat().st_size}
        for name in (db_file, MEDIA_FILE)
    }
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "versions": {
            "grassroots": _version("grassroots"),
            "django": django.get_version(),
            "database": server,
        },
        "database": {"vendor": vendor, "file": db_file, "tables": counts},
        "migrations": migrations,
        "media": {"file": MEDIA_FILE, "files": media_count},
        "files": files,
        "key_check": key_check(),
        "encrypted_columns": [list(c) for c in encrypted_columns()],
    }
    manifest["checksum"] = hashlib.sha256(
        json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    report = Report(
        seconds=time.monotonic() - started,
        tables=len(counts),
        rows=sum(counts.values()),
        media_files=media_count,
        path=directory,
    )
    return manifest, report


def _outside_transaction() -> None:
    # SQLite's backup API cannot copy from or into a connection with an open write
    # transaction (it would wait for ever); PostgreSQL's dump would miss uncommitted rows.
    if connection.in_atomic_block:
        raise BackupError(_("不能在数据库事务中备份或恢复"))


def _backup_sqlite(target: Path) -> tuple[dict[str, int], list, str]:
    _outside_transaction()
    connection.ensure_connection()
    source = connection.connection
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)  # the online backup API: consistent even with WAL writers
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        cursor = destination.cursor()
        tables = _sqlite_tables(cursor)
        counts = _counts(cursor, tables)
        migrations = _applied_migrations(cursor, tables)
        server = sqlite3.sqlite_version
    finally:
        destination.close()
    return counts, migrations, f"SQLite {server}"


def _backup_postgres(target: Path) -> tuple[dict[str, int], list, str]:
    import psycopg

    url = owner_url()
    # Count the rows in the very snapshot pg_dump reads, so the manifest matches the dump.
    with psycopg.connect(url) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = _one(conn.execute("SELECT pg_export_snapshot()").fetchone())
        server = _one(conn.execute("SHOW server_version").fetchone())
        with conn.cursor() as cursor:
            tables = _pg_tables(cursor)
            counts = _counts(cursor, tables)
            migrations = _applied_migrations(cursor, tables)
        _run(
            ["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(target), "-d", url],
            _("pg_dump 备份数据库"),
        )
        conn.rollback()
    return counts, migrations, f"PostgreSQL {server}"


def _tar_media(target: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(target, "w") as tar:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
                    count += 1
    return count


# --- restore -----------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict:
    directory = Path(directory)
    path = directory / MANIFEST
    if not path.exists():
        raise BackupError(_("%(dir)s 不是备份目录：缺少 manifest.json") % {"dir": directory})
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BackupError(_("manifest.json 已损坏：%(error)s") % {"error": exc}) from exc
    claimed = manifest.pop("checksum", None)
    actual = hashlib.sha256(
        json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    if claimed != actual:
        raise BackupError(_("manifest.json 的校验和不符：清单被改动过"))
    for name, info in manifest["files"].items():
        file = directory / name
        if not file.exists():
            raise BackupError(_("备份缺少文件 %(name)s") % {"name": name})
        if _sha256(file) != info["sha256"]:
            raise BackupError(_("文件 %(name)s 的校验和与清单不符：备份已损坏") % {"name": name})
    return manifest


def _check_compatible(manifest: dict, vendor: str) -> None:
    if manifest.get("format") != FORMAT:
        raise BackupError(_("不认识的备份格式：%(f)s") % {"f": manifest.get("format")})
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            _("这是 %(source)s 的备份，当前数据库是 %(target)s：只能恢复到同一种数据库")
            % {"source": manifest["database"]["vendor"], "target": vendor}
        )
    if manifest["key_check"] != key_check():
        raise BackupError(
            _(
                "当前配置的字段密钥（GRASSROOTS_FIELD_KEY）与做备份时的不同：加密的身份证号将无法解密。"
                "请配置原来的密钥后再恢复"
            )
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    newer = [f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known]
    if newer:
        raise BackupError(
            _("备份来自更新的程序版本（本程序没有这些迁移：%(names)s）；请先升级程序")
            % {"names": ", ".join(newer[:5])}
        )


def restore(directory: Path, *, database_url: str | None = None) -> tuple[dict, Report]:
    """Replace the database and MEDIA_ROOT with the backup in ``directory``, then verify.

    ``database_url`` (PostgreSQL) names the database to restore into; by default the owner
    connection of the configured database.
    """
    started = time.monotonic()
    directory = Path(directory)
    manifest = read_manifest(directory)
    vendor = connection.vendor
    _check_compatible(manifest, vendor)
    report = Report(path=directory)
    db_file = directory / manifest["database"]["file"]
    if vendor == "sqlite":
        _restore_sqlite(db_file)
        connection.ensure_connection()
        with connection.cursor() as cursor:
            _verify(manifest, cursor, report)
    else:
        url = database_url or owner_url()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--no-owner",
                "-d",
                url,
                str(db_file),
            ],
            _("pg_restore 恢复数据库"),
        )
        import psycopg

        with psycopg.connect(url) as conn, conn.cursor() as cursor:
            _verify(manifest, cursor, report)
    report.media_files = _restore_media(directory / manifest["media"]["file"])
    if report.media_files != manifest["media"]["files"]:
        raise BackupError(
            _("上传文件数与清单不符：清单 %(want)d 个，恢复 %(got)d 个")
            % {"want": manifest["media"]["files"], "got": report.media_files}
        )
    report.seconds = time.monotonic() - started
    return manifest, report


def _restore_sqlite(db_file: Path) -> None:
    _outside_transaction()
    connection.ensure_connection()
    target = connection.connection
    source = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        # Page by page into the live connection's database (file or memory), under its lock.
        source.backup(target)
    finally:
        source.close()


def _verify(manifest: dict, cursor: Any, report: Report) -> None:
    expected: dict[str, int] = manifest["database"]["tables"]
    present = set(_sqlite_tables(cursor) if connection.vendor == "sqlite" else _pg_tables(cursor))
    missing = sorted(set(expected) - present)
    if missing:
        raise BackupError(_("恢复后缺少数据表：%(tables)s") % {"tables": ", ".join(missing[:10])})
    actual = _counts(cursor, sorted(expected))
    wrong = [
        f"{t}: {expected[t]} → {actual[t]}" for t in sorted(expected) if actual[t] != expected[t]
    ]
    if wrong:
        raise BackupError(
            _("恢复后的行数与清单不符（表：清单 → 实际）：%(tables)s")
            % {"tables": "; ".join(wrong[:10])}
        )
    report.tables, report.rows = len(actual), sum(actual.values())
    for table, column in manifest.get("encrypted_columns", []):
        if table not in present:
            continue
        cursor.execute(
            f"SELECT {_quote(column)} FROM {_quote(table)} "
            f"WHERE {_quote(column)} IS NOT NULL AND {_quote(column)} <> '' "
            f"ORDER BY 1 LIMIT {SAMPLE_PER_COLUMN}"
        )
        for (token,) in cursor.fetchall():
            try:
                sensitive.decrypt(token)
            except (InvalidTag, ValueError) as exc:
                raise BackupError(
                    _(
                        "%(table)s.%(column)s 的加密数据无法用当前字段密钥解密："
                        "GRASSROOTS_FIELD_KEY 不是做备份时的密钥"
                    )
                    % {"table": table, "column": column}
                ) from exc
            report.decrypted_samples += 1


def _restore_media(tar_path: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".restore-media-") as staging:
        count = 0
        with tarfile.open(tar_path) as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            tar.extractall(staging, members=members, filter="data")
            count = len(members)
        # Swap whole directories so a failure never leaves half old, half restored files.
        old = root.with_name(root.name + ".before-restore")
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(old)
        if root.exists():
            root.rename(old)
        Path(staging).rename(root)
        Path(staging).mkdir()  # TemporaryDirectory removes it on exit
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(old)
    return count


def describe(report: Report) -> str:
    return _("%(tables)d 张表、%(rows)d 行、%(media)d 个上传文件，用时 %(seconds).1f 秒") % {
        "tables": report.tables,
        "rows": report.rows,
        "media": report.media_files,
        "seconds": report.seconds,
    }
