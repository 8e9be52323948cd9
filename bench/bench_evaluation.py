"""Recompute a 30-indicator evaluation scheme over many units, members and records (PostgreSQL).

Scale (environment): BENCH_EVAL_UNITS (default 200 branches), BENCH_EVAL_MEMBERS (default
50,000), BENCH_EVAL_ATTEND (attendance rows per member, default 6), BENCH_EVAL_DB (a PostgreSQL
URL; default postgres://postgres@127.0.0.1:5432/grassroots_bench_eval — a dedicated database,
created when missing and filled once per scale). The issue's scale:
BENCH_EVAL_UNITS=2000 BENCH_EVAL_MEMBERS=1000000.

The measurement runs in a child process so that its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from decimal import Decimal

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/grassroots_bench_eval"
ACTIVITIES_PER_UNIT = 24
YEAR = 2026


def scale() -> tuple[int, int, int]:
    return (
        int(os.environ.get("BENCH_EVAL_UNITS", "200")),
        int(os.environ.get("BENCH_EVAL_MEMBERS", "50000")),
        int(os.environ.get("BENCH_EVAL_ATTEND", "6")),
    )


def main() -> None:
    env = dict(os.environ)
    env["DATABASE_URL"] = os.environ.get("BENCH_EVAL_DB", DEFAULT_DB)
    env["DJANGO_SETTINGS_MODULE"] = "grassroots.config.settings.base"
    subprocess.run([sys.executable, "-m", "bench.bench_evaluation", "--child"], env=env, check=True)


def marker_code(units: int, members: int, attend: int) -> str:
    return f"BENCH-{units}-{members}-{attend}"


def ensure_database(url: str, marker: str) -> bool:
    """True when the database already holds this scale; otherwise it is (re)created empty."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT 1 FROM organizations_unit WHERE code = %s", [marker]
            ).fetchone()
            if row:
                return True
    except psycopg.Error:
        pass
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return False


def insert_select(model, values: dict[str, str], source: str) -> int:
    """INSERT INTO model's table SELECT … FROM source, filling other NOT NULL columns with
    their Python defaults (so fields added later by other apps do not break the benchmark)."""
    from django.db import connection

    columns, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        col = f.column
        if col in values:
            columns.append(col)
            exprs.append(values[col].replace("%", "%%"))
        elif not f.null:
            default = f.get_default()
            columns.append(col)
            exprs.append("%s")
            params.append(f.get_db_prep_save(default, connection))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(exprs)} FROM {source.replace('%', '%%')}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def seed(units: int, members: int, attend: int) -> None:
    from django.db import connection, transaction

    from grassroots.branches.models import (
        Activity,
        ActivityHost,
        ActivityKind,
        Attendance,
        Cadence,
        FollowUp,
        Funding,
        PlatformActivity,
        Venue,
        Visit,
    )
    from grassroots.core import audit
    from grassroots.members.models import Member
    from grassroots.organizations.models import Unit, UnitKind
    from grassroots.organizations.services import unit_create
    from grassroots.planning.models import YearlyQuota

    marker = marker_code(units, members, attend)
    print(f"seeding {units} branches, {members} members …", flush=True)
    t0 = time.perf_counter()
    with audit.suppressed(), transaction.atomic():
        city_kind = UnitKind.objects.get(code="city")
        root = unit_create(
            code="43", name="省委会", kind=UnitKind.objects.get(code="province"), parent=None
        )
        cities = [
            unit_create(code=f"43{c:02d}", name=f"市委会{c}", kind=city_kind, parent=root)
            for c in range(1, 21)
        ]
        unit_create(code=marker, name="bench marker", kind=city_kind, parent=root)
        branch_kind = UnitKind.objects.get(code="branch")
        rows = [
            Unit(
                code=f"B{i:06d}",
                name=f"支部{i}",
                kind=branch_kind,
                parent=cities[i % len(cities)],
                path=f"tmp-{i}",
            )
            for i in range(units)
        ]
        Unit.objects.bulk_create(rows, batch_size=2000)
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE organizations_unit u SET path = p.path || lpad(u.id::text, 7, '0') || '/',"
                " depth = p.depth + 1 FROM organizations_unit p "
                "WHERE u.parent_id = p.id AND u.path LIKE 'tmp-%'"
            )
            cur.execute(
                "CREATE TEMP TABLE bench_units AS SELECT id, row_number() OVER (ORDER BY id) - 1"
                " AS n FROM organizations_unit WHERE code LIKE 'B%'"
            )
        n_units = "(SELECT count(*) FROM bench_units)"
        # Members: spread evenly, a tenth joined this year, one in fifty a talent.
        insert_select(
            Member,
            {
                "unit_id": "bu.id",
                "name": "'会员' || g",
                "sex": "CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END",
                "join_date": f"CASE WHEN g % 10 = 0 THEN DATE '{YEAR}-03-01' + (g % 200) "
                "ELSE DATE '2010-01-01' + (g % 4000) END",
                "is_talent": "g % 50 = 0",
                "status": "'active'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {members - 1}) g JOIN bench_units bu ON bu.n = g % {n_units}",
        )
        kind_ids = list(ActivityKind.objects.order_by("order").values_list("pk", flat=True))
        kinds_array = "ARRAY[" + ",".join(map(str, kind_ids)) + "]"
        lead_unit_id = "bu.id"
        insert_select(
            Activity,
            {
                "kind_id": f"({kinds_array})[1 + (s % {len(kind_ids)})]",
                "topic": "'活动' || s",
                "starts_at": f"TIMESTAMPTZ '{YEAR}-01-05 09:00+08' + (s * 15) * INTERVAL '1 day'",
                "date": f"DATE '{YEAR}-01-05' + s * 15",
                "lead_unit_id": lead_unit_id,
                "hours": "2",
                "created_at": "now()",
                "organizer": "'bench'",
            },
            f"bench_units bu CROSS JOIN generate_series(0, {ACTIVITIES_PER_UNIT - 1}) s",
        )
        with connection.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE bench_act AS SELECT id, lead_unit_id AS unit_id, date, "
                "row_number() OVER (PARTITION BY lead_unit_id ORDER BY id) - 1 AS seq "
                "FROM branches_activity"
            )
            cur.execute("CREATE INDEX ON bench_act (unit_id, seq)")
        insert_select(ActivityHost, {"activity_id": "a.id", "unit_id": "a.unit_id"}, "bench_act a")
        insert_select(
            Attendance,
            {
                "activity_id": "a.id",
                "member_id": "m.id",
                "unit_id": "m.unit_id",
                "date": "a.date",
                "status": "CASE WHEN (m.id + g) % 7 = 0 THEN 'excused' WHEN (m.id + g) % 11 = 0"
                " THEN 'absent' ELSE 'attended' END",
                "hours": "CASE WHEN (m.id + g) % 7 = 0 OR (m.id + g) % 11 = 0 THEN 0 ELSE 2 END",
            },
            f"members_member m CROSS JOIN generate_series(0, {attend - 1}) g "
            f"JOIN bench_act a ON a.unit_id = m.unit_id AND a.seq = (m.id + g * 4) % "
            f"{ACTIVITIES_PER_UNIT}",
        )
        insert_select(
            Funding,
            {
                "unit_id": "bu.id",
                "year": str(YEAR),
                "source": "'allocation'",
                "budget": "1000 + bu.n % 9000",
            },
            "bench_units bu WHERE bu.n % 4 <> 0",
        )
        insert_select(
            Venue,
            {
                "unit_id": "bu.id",
                "address": "'地址' || bu.n",
                "usage": "CASE WHEN bu.n % 3 = 0 THEN 'shared' ELSE 'dedicated' END",
                "since": "DATE '2018-01-01'",
            },
            "bench_units bu WHERE bu.n % 5 <> 0",
        )
        insert_select(
            PlatformActivity,
            {
                "unit_id": "bu.id",
                "platform": "(ARRAY['policy','publicity','theory','social'])[1 + p]",
                "since": "DATE '2020-01-01'",
            },
            "bench_units bu CROSS JOIN generate_series(0, 3) p WHERE (bu.n + p) % 3 <> 0",
        )
        insert_select(
            Visit,
            {
                "unit_id": "bu.id",
                "kind": "CASE WHEN v % 2 = 0 THEN 'visit' ELSE 'forum' END",
                "date": f"DATE '{YEAR}-02-01' + v * 40",
                "visitors": "'主委'",
            },
            "bench_units bu CROSS JOIN generate_series(0, 5) v",
        )
        insert_select(
            FollowUp,
            {
                "visit_id": "v.id",
                "action": "'跟进'",
                "status": "CASE WHEN v.id % 3 = 0 THEN 'open' ELSE 'done' END",
            },
            "branches_visit v",
        )
        insert_select(
            Cadence,
            {"unit_id": "bu.id", "kind_id": str(kind_ids[1]), "every_months": "1"},
            "bench_units bu",
        )
        insert_select(
            YearlyQuota,
            {"unit_id": "bu.id", "year": str(YEAR), "new_members": "10 + bu.n % 40"},
            "bench_units bu",
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - t0:.1f} s", flush=True)


def build_scheme():
    from django.db import connection

    from grassroots.branches.models import ActivityKind
    from grassroots.evaluation import services, sources
    from grassroots.evaluation.models import Scheme
    from grassroots.organizations.models import Unit

    with connection.cursor() as cur:  # raw: the ORM would collect and audit 60,000 rows
        for sql in (
            "DELETE FROM evaluation_score WHERE evaluation_id IN (SELECT e.id FROM "
            "evaluation_evaluation e JOIN evaluation_scheme s ON s.id = e.scheme_id "
            "WHERE s.name = 'bench')",
            "DELETE FROM evaluation_evaluation WHERE scheme_id IN "
            "(SELECT id FROM evaluation_scheme WHERE name = 'bench')",
        ):
            cur.execute(sql)
    Scheme.objects.filter(name="bench").delete()
    root = Unit.objects.get(parent__isnull=True)
    scheme = services.scheme_create(unit=root, name="bench", year=YEAR)
    groups = {}
    for code, name in [("1", "经费场地"), ("2", "履职平台"), ("3", "学习培训"), ("4", "走访座谈"),
                       ("5", "组织发展"), ("6", "特色工作")]:  # fmt: skip
        groups[code] = services.indicator_add(
            scheme=scheme, code=code, name=name, weight=Decimal(10), method="group"
        )
    leaves: list[tuple[str, str, dict, str]] = [
        ("1", "branches.funding_present", {}, "1"),
        ("1", "branches.funding_budget", {}, "5000"),
        ("1", "branches.venue_dedicated", {}, "1"),
        ("1", "branches.venue_present", {}, "1"),
        ("2", "branches.platforms_active", {}, "3"),
        ("3", "branches.activity_count", {}, "24"),
        ("3", "branches.activity_count", {"training": True}, "10"),
        ("3", "branches.attendance_rate", {}, "0.9"),
        ("3", "branches.training_hours_per_member", {}, "8"),
        ("3", "branches.training_hours_per_member", {"all_kinds": True}, "12"),
        ("3", "branches.cadence_met", {}, "1"),
        ("4", "branches.visit_count", {}, "6"),
        ("4", "branches.visit_count", {"kind": "visit"}, "3"),
        ("4", "branches.visit_count", {"kind": "forum"}, "3"),
        ("4", "branches.follow_up_done_rate", {}, "0.9"),
        ("5", "members.active_members", {}, "400"),
        ("5", "members.new_members", {}, "40"),
        ("5", "members.new_members_vs_quota", {}, "1"),
        ("5", "members.talents_admitted", {}, "5"),
    ]
    for kind in ActivityKind.objects.order_by("order"):
        leaves.append(("3", "branches.activity_count", {"kind": kind.code}, "4"))
    for name in ("recruitment.applications_submitted", "recruitment.prospects_cultivated"):
        if sources.get(name):
            leaves.append(("5", name, {}, "5"))
    for metric in sources.all_metrics("unit"):
        if metric.name.startswith("platforms.") and len(leaves) < 27:
            leaves.append(("2", metric.name, {}, "1"))
    leaves = leaves[:27]
    for i, (group, metric, params, target) in enumerate(leaves, 1):
        services.indicator_add(
            scheme=scheme, parent=groups[group], code=f"{group}.{i}", name=metric,
            weight=Decimal(4), method="computed", metric=metric, params=params,
            target=Decimal(target),
        )  # fmt: skip
    n_entered = 30 - len(leaves)
    for i in range(n_entered):
        services.indicator_add(
            scheme=scheme, parent=groups["6"], code=f"6.{i + 1}", name=f"特色{i + 1}",
            weight=Decimal(4), method="entered",
        )  # fmt: skip
    return scheme, len(leaves), n_entered


def child() -> None:
    units, members, attend = scale()
    ready = ensure_database(os.environ["DATABASE_URL"], marker_code(units, members, attend))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if not ready:
        seed(units, members, attend)

    from django.db import connection

    from grassroots.evaluation import services

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM branches_attendance")
        attendance_rows = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM members_member")
        member_rows = cur.fetchone()[0]
    scheme, computed, entered = build_scheme()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    result = services.scheme_recompute(scheme=scheme)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    services.scheme_recompute(scheme=scheme)
    second = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import tracemalloc

    tracemalloc.start()
    services.scheme_recompute(scheme=scheme)
    _current, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"scale: {result.subjects} units evaluated, {member_rows} members, "
        f"{attendance_rows} attendance rows, {units * ACTIVITIES_PER_UNIT} activities",
    )
    print(f"scheme: {computed} computed + {entered} entered indicators ({result.scores} scores)")
    print(f"recompute (first, inserts scores): {first:.2f} s")
    print(f"recompute (again, updates scores): {second:.2f} s")
    print(
        f"peak RSS of the process: {rss_after / 1024:.0f} MiB (before recompute {rss_before / 1024:.0f} MiB)"
    )
    print(
        f"peak Python heap during a recompute (tracemalloc, third run): {heap_peak / 2**20:.0f} MiB"
    )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
