"""Notices at scale: publishing to every member of the province, read rates, reading, reminding
and the SMS delivery loop.

Each database runs in its own process against a dedicated database seeded once: PostgreSQL
``grassroots_bench_notices`` (server from BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/postgres) and SQLite ``var/bench_notices.sqlite3``.

Environment: BENCH_NOTICES_MEMBERS (default 100000), BENCH_NOTICES_DBS (default
"postgres,sqlite"), BENCH_NOTICES_RESEED=1 to rebuild the members. Prints figures; never asserts.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "grassroots_bench_notices"


class CountingSms:
    """An SMS backend that accepts everything and sends nothing (the gateway is not measured)."""

    sent = 0

    def send_messages(self, messages: Sequence) -> int:
        CountingSms.sent += len(messages)
        return len(messages)


def _pg_url() -> str:
    return os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _ensure_pg_database() -> str | None:
    import psycopg

    base = _pg_url()
    try:
        with psycopg.connect(base, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DB}"')
    except psycopg.OperationalError as exc:
        print(f"postgres: skipped ({exc.__class__.__name__}: {str(exc).strip()[:120]})")
        return None
    return base.rsplit("/", 1)[0] + "/" + PG_DB


def main() -> None:
    for name in os.environ.get("BENCH_NOTICES_DBS", "postgres,sqlite").split(","):
        if name == "postgres":
            url = _ensure_pg_database()
            if url is None:
                continue
        elif name == "sqlite":
            url = f"sqlite:///{ROOT / 'var' / 'bench_notices.sqlite3'}"
        else:
            print(f"unknown database {name!r}")
            continue
        env = dict(
            os.environ,
            DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE=os.environ.get(
                "BENCH_SETTINGS", "grassroots.config.settings.test"
            ),
        )
        subprocess.run(
            [sys.executable, "-m", "bench.bench_notices", "--worker", name],
            cwd=ROOT,
            env=env,
            check=False,
        )


# --- worker ------------------------------------------------------------------------------


def _seed(n_members: int) -> None:
    import datetime
    import random

    from grassroots.accounts.models import Role
    from grassroots.core.testing import make_unit, make_user
    from grassroots.members.models import Member

    rng = random.Random(11)
    province = make_unit("N43", "湖南省委会", "province", None)
    branches = []
    for c in range(14):
        city = make_unit(f"N43{c:02d}", f"第{c + 1}市委会", "city", province)
        for b in range(40):
            branches.append(
                make_unit(f"N43{c:02d}{b:02d}", f"第{c + 1}市第{b + 1}支部", "branch", city)
            )
    make_user("nbench_prov", province, Role.PROVINCE_STAFF)
    make_user("nbench_city", branches[0].parent, Role.UNIT_STAFF)
    surnames = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗"
    batch = []
    for i in range(n_members):
        batch.append(
            Member(
                unit=rng.choice(branches),
                name=rng.choice(surnames) + rng.choice("明华芳军静丽强磊洋艳"),
                sex=rng.choice("MF"),
                birth_date=datetime.date(1960, 1, 1)
                + datetime.timedelta(days=rng.randint(0, 12000)),
                phone=f"139{i:08d}",
                email=f"m{i}@example.org" if i % 3 == 0 else "",
            )
        )
        if len(batch) >= 5000:
            Member.objects.bulk_create(batch)
            batch = []
    Member.objects.bulk_create(batch)


def _timed(label: str, db_name: str, func, repeat: int = 1):
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - started) * 1000)
    shown = f"{statistics.median(times):.1f} ms" + (f" (median of {repeat})" if repeat > 1 else "")
    print(f"{db_name}: {label}: {shown}")
    return result


def _worker(db_name: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    from grassroots.accounts.models import User
    from grassroots.members.models import Member
    from grassroots.notices import selectors, services
    from grassroots.notices.models import Notice
    from grassroots.organizations.models import Unit

    n_members = int(os.environ.get("BENCH_NOTICES_MEMBERS", "100000"))
    if db_name == "sqlite" and os.environ.get("BENCH_NOTICES_RESEED") == "1":
        path = Path(connection.settings_dict["NAME"])
        connection.close()
        path.unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    have = Member.objects.filter(unit__code__startswith="N43").count()
    if have != n_members:
        if have:
            print(
                f"{db_name}: found {have} bench members, not {n_members}: set BENCH_NOTICES_RESEED=1 on a fresh database"
            )
            return
        started = time.perf_counter()
        _seed(n_members)
        print(f"{db_name}: seeded {n_members} members in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    prov = User.objects.get(username="nbench_prov")
    city_user = User.objects.get(username="nbench_city")
    province = Unit.objects.get(code="N43")
    with override_settings(GRASSROOTS_NOTICE_EMAIL=False, GRASSROOTS_NOTICE_SMS_BACKEND=""):
        notice = services.notice_create(
            unit=province,
            title="全省会员通知（基准测试）",
            body="…",
            actor=prov,
            target_units=[province],
            reply_required=True,
            reply_choices="参加、请假",
        )
        count = _timed(
            f"publish to the whole province ({n_members} members, INSERT…SELECT)",
            db_name,
            lambda: services.notice_publish(notice=notice, actor=prov),
        )
        print(f"{db_name}: recipients written: {count}")
        notice.refresh_from_db()
        members = list(Member.objects.filter(unit__code__startswith="N43").order_by("pk")[:200])
        for m in members[:100]:
            services.notice_mark_read(notice=notice, member=m)
        _timed(
            "mark read (first time, one member)",
            db_name,
            lambda: services.notice_mark_read(notice=notice, member=members[150]),
        )
        _timed(
            "a member's notice list (first page) and unread badge",
            db_name,
            lambda: (
                list(selectors.notices_for_member(members[199])[:30]),
                selectors.unread_count(members[199]),
            ),
            repeat=20,
        )
        _timed(
            "read rate of the province (14 city rows, rolled up)",
            db_name,
            lambda: selectors.read_rate(notice=notice, user=prov),
            repeat=10,
        )
        _timed(
            "read rate of one city (40 branch rows)",
            db_name,
            lambda: selectors.read_rate(notice=notice, user=city_user),
            repeat=10,
        )
        reminder = _timed(
            "remind all unread (claim by one UPDATE)",
            db_name,
            lambda: services.notice_remind(notice=notice, actor=prov),
        )
        print(f"{db_name}: reminded {reminder.recipient_count if reminder else 0}")
        _timed(
            "remind again at once (claims nothing)",
            db_name,
            lambda: services.notice_remind(notice=notice, actor=prov),
        )
    with override_settings(
        GRASSROOTS_NOTICE_EMAIL=False,
        GRASSROOTS_NOTICE_SMS_BACKEND="bench.bench_notices.CountingSms",
    ):
        sent = _timed(
            "SMS delivery loop (batches of 500, claimed per batch, counting backend)",
            db_name,
            lambda: services.notice_deliver(notice_id=notice.pk),
        )
        print(f"{db_name}: SMS handed to the backend: {sent['sms']}")
    Notice.objects.filter(pk=notice.pk).delete()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        _worker(sys.argv[2])
    else:
        main()
