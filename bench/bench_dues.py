"""Membership dues at province scale (PostgreSQL): generating a year's rows, then the figures.

Scale (environment): BENCH_DUES_MEMBERS (default 1,000,000), BENCH_DUES_BRANCHES (default 2,000,
spread over 14 cities), BENCH_DUES_DB (a PostgreSQL URL; default
postgres://postgres@127.0.0.1:5432/grassroots_bench_dues — a throwaway database, dropped and
created on every run).

Prints: the time to generate the year's dues rows for every active member (the province's rule
plus one city override; a share of members joined this year and are pro rata), the time of a
second run (nothing to add), 1,000 single payments through the service (receipt numbers
included), and the time of the figures: the province's per-unit summary with roll-ups and
remittance reconciliation (every unit), the subtree totals of the province and of a city, and
the report selector ``dues_summary``. Warm figures are the median of 5 runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/grassroots_bench_dues"
YEAR = 2026
CITIES = 14


def main() -> None:
    env = dict(os.environ)
    env["DATABASE_URL"] = os.environ.get("BENCH_DUES_DB", DEFAULT_DB)
    env["DJANGO_SETTINGS_MODULE"] = "grassroots.config.settings.base"
    subprocess.run([sys.executable, "-m", "bench.bench_dues", "--child"], env=env, check=True)


def recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(members: int, branches: int) -> tuple[object, object]:
    from django.db import connection, transaction

    from grassroots.core import audit
    from grassroots.members.models import Member
    from grassroots.organizations.models import Unit, UnitKind
    from grassroots.organizations.services import unit_create

    t0 = time.perf_counter()
    with audit.suppressed(), transaction.atomic():
        root = unit_create(
            code="43", name="省委会", kind=UnitKind.objects.get(code="province"), parent=None
        )
        city_kind, branch_kind = (
            UnitKind.objects.get(code="city"),
            UnitKind.objects.get(code="branch"),
        )
        cities = [
            unit_create(code=f"43{c:02d}", name=f"市委会{c}", kind=city_kind, parent=root)
            for c in range(1, CITIES + 1)
        ]
        for b in range(branches):
            city = cities[b % CITIES]
            unit_create(code=f"{city.code}{b:05d}", name=f"支部{b}", kind=branch_kind, parent=city)
        # Members by INSERT … SELECT over generate_series; NOT NULL columns not named get their
        # Python defaults, so fields added later do not break the benchmark.
        values = {
            "unit_id": "b.id",
            "name": "'会员' || g",
            "updated_at": "now()",
            "sex": "CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END",
            "status": "CASE WHEN g % 50 = 0 THEN 'resigned' ELSE 'active' END",
            # One in ten joined this year (pro rata), the others years ago.
            "join_date": f"CASE WHEN g % 10 = 0 THEN DATE '{YEAR}-01-01' + (g % 360) "
            "ELSE DATE '2000-01-01' + (g % 9000) END",
        }
        columns, exprs, params = [], [], []
        for f in Member._meta.concrete_fields:
            if f.primary_key:
                continue
            if f.column in values:
                columns.append(f'"{f.column}"')
                exprs.append(values[f.column].replace("%", "%%"))
            elif not f.null:
                columns.append(f'"{f.column}"')
                exprs.append("%s")
                params.append(f.get_db_prep_save(f.get_default(), connection))
        source = (
            f"generate_series(1, {members}) g JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1"
            f" AS rn FROM organizations_unit WHERE depth = 2) b ON b.rn = g %% {branches}"
        )
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{Member._meta.db_table}" ({", ".join(columns)}) '
                f"SELECT {', '.join(exprs)} FROM {source}",
                params,
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"seeded {members:,} members in {branches:,} branches in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    return root, Unit.objects.get(code="4301")


def timed(label: str, fn, runs: int = 5) -> None:
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t0)
    print(
        f"{label}: cold {cold * 1000:.1f} ms, warm median {statistics.median(warm) * 1000:.1f} ms"
    )


def child() -> None:
    recreate(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from grassroots.accounts.models import User
    from grassroots.dues import selectors, services
    from grassroots.dues.models import DuesRecord

    members = int(os.environ.get("BENCH_DUES_MEMBERS", "1000000"))
    branches = int(os.environ.get("BENCH_DUES_BRANCHES", "2000"))
    root, city = seed(members, branches)
    services.rule_save(
        unit=root,
        year=YEAR,
        flat_amount=Decimal("120"),
        shares={4: Decimal("0.3"), 2: Decimal("0.1")},
    )
    services.rule_save(unit=city, year=YEAR, flat_amount=Decimal("240"))

    t0 = time.perf_counter()
    created = services.dues_generate(unit=root, year=YEAR)
    took = time.perf_counter() - t0
    print(f"generate {YEAR}: {created:,} rows in {took:.2f} s ({created / took:,.0f} rows/s)")
    t0 = time.perf_counter()
    again = services.dues_generate(unit=root, year=YEAR)
    print(f"generate again (idempotent): {again} rows in {time.perf_counter() - t0:.2f} s")

    # Collections: 60% paid in full, 10% half, 3% exempt (set in SQL: the figures read rows).
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE dues_duesrecord SET amount_paid = CASE WHEN id %% 10 < 6 THEN amount_due "
            "WHEN id %% 10 = 6 THEN ROUND(amount_due / 2, 2) ELSE 0 END WHERE year = %s",
            [YEAR],
        )
        cur.execute(
            "UPDATE dues_duesrecord SET exempt = TRUE, exempt_reason = 'retired' "
            "WHERE year = %s AND id %% 33 = 7",
            [YEAR],
        )
        cur.execute("ANALYZE dues_duesrecord")
    owing = list(
        DuesRecord.objects.filter(year=YEAR, amount_paid=0, exempt=False).order_by("id")[:1000]
    )
    t0 = time.perf_counter()
    for record in owing:
        services.payment_record(
            record=record, amount="10", paid_on=record.created_at.date(), method="cash"
        )
    took = time.perf_counter() - t0
    print(f"1,000 payments through the service: {took:.2f} s ({took:.1f} ms each)")

    admin = User.objects.create_superuser("bench", "bench@example.org", "bench-pass-2026")
    timed(
        f"per-unit summary of the province ({branches + CITIES + 1:,} units, roll-ups, "
        "reconciliation)",
        lambda: selectors.unit_rows(user=admin, unit=root, year=YEAR),
    )
    timed(
        "subtree totals, province",
        lambda: selectors.subtree_figures(user=admin, unit=root, year=YEAR),
    )
    timed(
        "subtree totals, one city",
        lambda: selectors.subtree_figures(user=admin, unit=city, year=YEAR),
    )
    timed("dues_summary (report line), province", lambda: selectors.dues_summary(admin, root, YEAR))
    figures = selectors.subtree_figures(user=admin, unit=root, year=YEAR)
    print(
        f"province {YEAR}: due {figures.due:,} = collected {figures.collected:,} + exempt "
        f"{figures.exempt:,} + outstanding {figures.outstanding:,} "
        f"({figures.due == figures.collected + figures.exempt + figures.outstanding})"
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
