"""Inbox page (我的待办) server time with many open applications in the province.

Each database runs in its own process against a dedicated database that is seeded once:
PostgreSQL ``grassroots_bench_inbox`` (server from BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/postgres) and SQLite ``var/bench_inbox.sqlite3``.

Environment: BENCH_INBOX_APPS (open applications, default 20000), BENCH_INBOX_REQUESTS
(timed requests per user, default 30), BENCH_INBOX_DBS (default "postgres,sqlite"),
BENCH_INBOX_RESEED=1 to rebuild the data. Prints figures; never asserts.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "grassroots_bench_inbox"


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
    wanted = os.environ.get("BENCH_INBOX_DBS", "postgres,sqlite").split(",")
    for name in wanted:
        if name == "postgres":
            url = _ensure_pg_database()
            if url is None:
                continue
        elif name == "sqlite":
            url = f"sqlite:///{ROOT / 'var' / 'bench_inbox.sqlite3'}"
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
            [sys.executable, "-m", "bench.bench_inbox", "--worker", name],
            cwd=ROOT,
            env=env,
            check=False,
        )


# --- worker (runs inside one Django process per database) --------------------------------


def _seed(n_apps: int) -> None:
    import datetime
    import random

    from django.utils import timezone

    from grassroots.accounts.models import Role
    from grassroots.core.testing import make_unit, make_user
    from grassroots.organizations.models import Unit
    from grassroots.planning.models import YearlyQuota
    from grassroots.recruitment.models import Application, Stage

    rng = random.Random(7)
    province = make_unit("B43", "湖南省委会", "province", None)
    branches: list[Unit] = []
    for c in range(14):
        city = make_unit(f"B43{c:02d}", f"第{c + 1}市委会", "city", province)
        YearlyQuota.objects.create(unit=city, year=timezone.localdate().year, new_members=200)
        for b in range(12):
            branches.append(
                make_unit(f"B43{c:02d}{b:02d}", f"第{c + 1}市第{b + 1}支部", "branch", city)
            )
    for d in range(6):
        branches.append(make_unit(f"B4399{d:02d}", f"省直属第{d + 1}支部", "branch", province))
    make_user("bench_prov", province, Role.PROVINCE_STAFF)
    make_user("bench_city", Unit.objects.get(code="B4300"), Role.UNIT_STAFF)
    stages = list(Stage.objects.order_by("order"))
    # Weighted towards the provincial stages so that the provincial inbox is the heavy case.
    weights = [6, 6, 6, 6, 6, 10, 40, 15, 5]
    now = timezone.now()
    surnames = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗"
    rows = []
    for i in range(n_apps):
        unit = rng.choice(branches)
        stage = rng.choices(stages, weights=weights[: len(stages)])[0]
        if unit.parent_id == province.pk and stage.code == "city-review":
            stage = stages[6]
        rows.append(
            Application(
                unit=unit,
                stage=stage,
                name=rng.choice(surnames) + rng.choice("明华芳军静丽强磊洋艳") + str(i % 10),
                sex=rng.choice("MF"),
                birth_date=datetime.date(1970, 1, 1)
                + datetime.timedelta(days=rng.randint(0, 9000)),
                is_talent=rng.random() < 0.1,
                resume="…",
                reasons="…",
                state=Application.State.OPEN,
                created_at=now - datetime.timedelta(days=rng.randint(10, 200)),
                stage_entered_at=now
                - datetime.timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23)),
                submitted_at=now - datetime.timedelta(days=rng.randint(5, 100)),
            )
        )
    Application.objects.bulk_create(rows, batch_size=2000)


def _worker(db_name: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from grassroots.recruitment.models import Application

    n_apps = int(os.environ.get("BENCH_INBOX_APPS", "20000"))
    n_requests = int(os.environ.get("BENCH_INBOX_REQUESTS", "30"))
    if db_name == "sqlite" and os.environ.get("BENCH_INBOX_RESEED") == "1":
        path = Path(connection.settings_dict["NAME"])
        connection.close()
        path.unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    have = Application.objects.filter(unit__code__startswith="B43", state="open").count()
    if have != n_apps or os.environ.get("BENCH_INBOX_RESEED") == "1":
        if have:
            print(f"{db_name}: existing bench data has {have} applications; reseeding")
            from grassroots.accounts.models import User as U
            from grassroots.organizations.models import Unit

            Application.objects.filter(unit__code__startswith="B43").delete()
            U.objects.filter(username__startswith="bench_").delete()
            from grassroots.planning.models import YearlyQuota

            YearlyQuota.objects.filter(unit__code__startswith="B43").delete()
            for unit in Unit.objects.filter(code__startswith="B43").order_by("-depth"):
                unit.delete()
        started = time.perf_counter()
        _seed(n_apps)
        print(
            f"{db_name}: seeded {n_apps} open applications in {time.perf_counter() - started:.1f} s"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    url = reverse("admin:recruitment_application_inbox")
    for persistent in (False, True):
        # As configured (a new database connection per request), then with persistent ones.
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = 60 if persistent else 0
        mode = "persistent connections" if persistent else "new connection per request"
        for username in ("bench_prov", "bench_city"):
            _measure(db_name, username, url, n_apps, n_requests, mode)
        # Reference: a console page with the same sidebar and no recruitment query of its own.
        _measure(db_name, "bench_prov", reverse("admin:password_change"), n_apps, n_requests, mode)


def _measure(
    db_name: str, username: str, url: str, n_apps: int, n_requests: int, mode: str
) -> None:
    from django.db import connection
    from django.test import Client

    from grassroots.accounts.models import User
    from grassroots.recruitment.selectors import inbox

    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    waiting = inbox(user).count()
    res = client.get(url)  # warm-up (templates, caches)
    assert res.status_code == 200, res.status_code
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    timings, cpu = [], []
    for _i in range(n_requests):
        t0, c0 = time.perf_counter(), time.process_time()
        client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    timings.sort()
    p90 = timings[int(0.9 * (len(timings) - 1))]
    page = "inbox" if "inbox" in url else "reference page"
    print(
        f"{db_name} ({mode}): {page} of {username} ({waiting} waiting of {n_apps} open), "
        f"{n_requests} requests: median {statistics.median(timings):.1f} ms "
        f"(p90 {p90:.1f}, min {timings[0]:.1f}; Django process CPU median "
        f"{statistics.median(cpu):.1f} ms), {len(queries)} queries/page"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        sys.path.insert(0, str(ROOT))
        _worker(sys.argv[2])
    else:
        main()
