"""Planning figures at scale: the province's annual report, the console home, and a city's
composition as of a past date — on PostgreSQL and on SQLite.

Scale (environment): BENCH_PLANNING_MEMBERS (PostgreSQL, default 20,000),
BENCH_PLANNING_SQLITE_MEMBERS (default 20,000), BENCH_PLANNING_DB (a PostgreSQL URL; default
postgres://postgres@127.0.0.1:5432/grassroots_bench_planning — a dedicated database, created
when missing and filled once per scale by the demo generator, which writes several years of
history: admissions, transfers inside and across the province, deaths, resignations),
BENCH_PLANNING_SQLITE (a file; default var/bench_planning.sqlite3), BENCH_PLANNING_ONLY
("postgres" or "sqlite"). The issue's scale: BENCH_PLANNING_MEMBERS=1000000
BENCH_PLANNING_SQLITE_MEMBERS=100000.

Counts come from the membership-spells table and are kept unit by unit in two layers: each
process's memory cache, and the ``planning_unitfigures`` rows that every process shares, each
holding one unit's own figures at the unit's own version (docs/decisions/0006 and 0045). A
committed write makes only the units whose spells it touched recount; the task worker counts
the figures readers ask for ahead of them (``planning.services.figures_warm``: after writes,
after rebuilds and every 5 minutes). Each figure is measured REPEAT times in these states,
medians and bests printed:

* from scratch — memory cache cleared and every persisted row deleted before each run: the
  first reader ever of that figure, or the first after a full rebuild (demo load) when the
  worker has not yet counted it. What a reader meets only if the worker is not running or
  the figure is one it does not keep (a composition of a day nobody has asked about yet);
* cold — a fresh process after the worker has done its job: the worker's job runs once (not
  timed), then the memory cache is cleared before each run. This is the first reader of a
  new web process, the first after a rebuild once the worker has caught up, and any reader
  whose memory entry expired (the 10-minute expiry now only sends it back to the rows).
  Process start-up itself (imports, the first connection, template loading) is outside it:
  every figure is read once before measuring, as in every state;
* after an unrelated write — a member of another city edited (education: their spells on
  every day are rewritten) and committed just before: what a reader of this city waits;
* after a related write — a member inside the figure's subtree edited and committed just
  before, the worker not having run since: what the first reader after a write in their
  scope waits (for the province's figures every write is related);
* warm — nothing written since the last read.

The worker's own job is timed too: from scratch (no rows) and after one write.

The composition is measured twice: as of a year-end two years back (a day the worker keeps:
the composition page's trend and the annual report read year-ends) and as of 30 June of that
year (a day the worker does not keep: cold there means that any process asked before).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/grassroots_bench_planning"
REPEAT = int(os.environ.get("BENCH_PLANNING_REPEAT", "5"))


def main() -> None:
    only = os.environ.get("BENCH_PLANNING_ONLY", "")
    runs = []
    if only in ("", "postgres"):
        runs.append(
            (
                os.environ.get("BENCH_PLANNING_DB", DEFAULT_DB),
                os.environ.get("BENCH_PLANNING_MEMBERS", "20000"),
            )
        )
    if only in ("", "sqlite"):
        path = Path(os.environ.get("BENCH_PLANNING_SQLITE", "var/bench_planning.sqlite3"))
        runs.append(
            (
                f"sqlite:///{path.resolve()}",
                os.environ.get("BENCH_PLANNING_SQLITE_MEMBERS", "20000"),
            )
        )
    for url, members in runs:
        env = dict(os.environ)
        env["DATABASE_URL"] = url
        env["BENCH_PLANNING_N"] = members
        env["DJANGO_SETTINGS_MODULE"] = "grassroots.config.settings.base"
        env.setdefault("GRASSROOTS_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
        subprocess.run(
            [sys.executable, "-m", "bench.bench_planning", "--child"], env=env, check=True
        )


def _prepare_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _laps(fn: Callable[[], object], before: Callable[[], object]) -> list[float]:
    laps = []
    for _ in range(REPEAT):
        before()
        started = time.perf_counter()
        fn()
        laps.append(time.perf_counter() - started)
    return laps


def child() -> None:
    url = os.environ["DATABASE_URL"]
    members = int(os.environ["BENCH_PLANNING_N"])
    if url.startswith("postgres"):
        _prepare_postgres(url)
    else:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)

    import django

    django.setup()
    import datetime

    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q
    from django.test import Client

    from grassroots.accounts.models import Role, User
    from grassroots.core.context import acting
    from grassroots.core.demo import demo_exists, demo_generate
    from grassroots.dashboard.selectors import dashboard
    from grassroots.members.models import Education, Member, MemberStatus, StatusChange, Transfer
    from grassroots.organizations.models import Unit
    from grassroots.planning.models import UnitFigures
    from grassroots.planning.report import annual_report, write_xlsx
    from grassroots.planning.selectors import as_of_for_year, composition
    from grassroots.planning.services import figures_warm

    call_command("migrate", verbosity=0)
    if not demo_exists() or Member.objects.count() != members:
        started = time.perf_counter()
        demo_generate(members=members, reset=demo_exists(), log=lambda _line: None)
        print(f"  generated {members:,} members in {time.perf_counter() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) planning_spell")
            cursor.execute("ANALYZE")
    root = Unit.objects.get(parent__isnull=True)
    user = (
        User.objects.filter(unit=root, role=Role.PROVINCE_STAFF, is_active=True).first()
        or User.objects.filter(is_superuser=True).first()
    )
    city = max(
        Unit.objects.filter(parent=root, kind__level=2),
        key=lambda u: Member.objects.filter(unit__path__startswith=u.path).count(),
    )
    educations = list(Education.objects.order_by("pk").values_list("pk", flat=True)[:2])

    def writer(subtree: Unit, outside: bool) -> Callable[[], None]:
        """A committed edit of one active member's education, inside ``subtree`` or not."""
        members = Member.objects.filter(status=MemberStatus.ACTIVE)
        inside = Q(unit__path__startswith=subtree.path)
        member = members.exclude(inside).first() if outside else members.filter(inside).first()
        assert member is not None

        def write() -> None:
            member.education_id = (
                educations[1] if member.education_id == educations[0] else educations[0]
            )
            member.save(update_fields=["education", "updated_at"])

        return write

    today = datetime.date.today()
    year = today.year - 1
    past = datetime.date(today.year - 2, 6, 30)
    year_end = as_of_for_year(today.year - 2)

    def scratch() -> None:
        cache.clear()
        UnitFigures.objects.all().delete()

    def worker_done() -> None:
        """The worker's job (untimed), then a fresh process's empty memory cache."""
        figures_warm()
        cache.clear()

    print(f"  load average before measuring: {os.getloadavg()[0]:.1f} (2 cores)")
    print(
        f"  {connection.vendor}: {Member.objects.count():,} members, "
        f"{StatusChange.objects.count():,} status rows, {Transfer.objects.count():,} transfers, "
        f"{Unit.objects.count():,} units; city {city.code} "
        f"({Member.objects.filter(unit__path__startswith=city.path).count():,} members now)"
    )

    def report() -> None:
        write_xlsx(annual_report(user=user, unit=root, year=year))

    client = Client()
    client.force_login(user)

    def home_page() -> None:
        response = client.get("/admin/")
        assert response.status_code == 200, response.status_code

    with acting(user, source="cli"):
        laps = _laps(figures_warm, scratch)
        print(
            f"  the worker's job (figures_warm) from scratch: "
            f"{statistics.median(laps) * 1000:.0f} ms (best {min(laps) * 1000:.0f})",
            flush=True,
        )
        laps = _laps(figures_warm, writer(root, False))
        print(
            f"  the worker's job after one write: "
            f"{statistics.median(laps) * 1000:.0f} ms (best {min(laps) * 1000:.0f})",
            flush=True,
        )
        figures = [
            (f"province annual report {year} (data + xlsx)", report, 2.0, root),
            ("dashboard figures (selector)", lambda: dashboard(user), 0.3, root),
            ("dashboard page (GET /admin/)", home_page, 0.3, root),
            (
                f"composition of city {city.code} as of {year_end}",
                lambda: composition(user=user, unit=city, day=year_end),
                0.5,
                city,
            ),
            (
                f"composition of city {city.code} as of {past}",
                lambda: composition(user=user, unit=city, day=past),
                0.5,
                city,
            ),
        ]
        for label, fn, goal, subtree in figures:
            try:
                fn()  # warms the connection, the plans and the operating system's page cache
            except Exception as exc:  # a broken page must not hide the other figures
                print(f"  {label}: failed ({type(exc).__name__}: {exc})", flush=True)
                continue
            states = [("from scratch", _laps(fn, scratch))]
            states.append(("cold", _laps(fn, worker_done)))
            if subtree.parent_id is not None:
                states.append(("after an unrelated write", _laps(fn, writer(subtree, True))))
            states.append(("after a related write", _laps(fn, writer(subtree, False))))
            states.append(("warm", _laps(fn, lambda: None)))
            shown = "; ".join(
                f"{state} {statistics.median(laps) * 1000:.0f} ms (best {min(laps) * 1000:.0f})"
                for state, laps in states
            )
            print(
                f"  {label}: {shown} — medians of {REPEAT} "
                f"(goal {goal * 1000:.0f} ms at 1,000,000 on PostgreSQL)",
                flush=True,
            )


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
