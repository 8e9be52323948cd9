"""Foundation figures: demo generation rate, the member list and a pinyin-initials search as a
city's staff sees them (median server time over 50 requests), and peak memory.

Runs on SQLite (a fresh file under a temporary directory) and, when DATABASE_URL points at
PostgreSQL, on a dedicated database (``grassroots_bench``, recreated each run) on that server.
Each database runs in its own process so that settings and peak memory stay separate.

    BENCH_MEMBERS=100000 (default)   BENCH_REQUESTS=50   BENCH_DATABASES=sqlite,postgres
    BENCH_EXPLAIN=1 prints the query plans of the list and the search (PostgreSQL).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DB = "grassroots_bench"


def _postgres_url(base: str) -> str:
    """The bench database on the same server as ``base``, created afresh."""
    import psycopg

    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def main() -> None:
    members = int(os.environ.get("BENCH_MEMBERS", "100000"))
    wanted = os.environ.get("BENCH_DATABASES", "sqlite,postgres").split(",")
    targets: list[tuple[str, str]] = []
    tmp = tempfile.mkdtemp(prefix="grassroots-bench-")
    if "sqlite" in wanted:
        targets.append(("sqlite", f"sqlite:///{tmp}/bench.sqlite3"))
    base = os.environ.get("DATABASE_URL", "")
    if "postgres" in wanted and base.startswith("postgres"):
        targets.append(("postgresql", _postgres_url(base)))
    elif "postgres" in wanted:
        print("DATABASE_URL is not set to PostgreSQL: skipping the PostgreSQL run")
    for label, url in targets:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "grassroots.config.settings.dev",
            "GRASSROOTS_VAR_DIR": tmp,
            "GRASSROOTS_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        }
        print(f"-- {label}, {members:,} members", flush=True)
        subprocess.run(
            [sys.executable, "-m", "bench.bench_foundation", "--run", str(members)],
            env=env,
            check=False,
            cwd=Path(__file__).resolve().parents[1],
        )


def _median_ms(client, url: str, requests: int) -> tuple[float, int, int]:
    """Median wall time of the full request (server side: the test client runs in-process)."""
    client.get(url)  # warm caches, compile templates
    times = []
    status = size = 0
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        status, size = response.status_code, len(response.content)
    return statistics.median(times), status, size


def _explain(label: str, queryset) -> None:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print(f"   plan ({label}):")
        for (line,) in cursor.fetchall():
            print("     " + line)


def run(members: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from grassroots.accounts.models import User
    from grassroots.core.demo import demo_generate
    from grassroots.members import selectors
    from grassroots.members.models import Member
    from grassroots.organizations.models import Unit

    requests = int(os.environ.get("BENCH_REQUESTS", "50"))
    call_command("migrate", verbosity=0)
    result = demo_generate(members=members, seed=2026, log=lambda line: None)
    rss_after_generation = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"   demo generation: {result.rate:,.0f} members/s "
        f"({members:,} members in {result.seconds:.1f} s wall, "
        f"{result.cpu_seconds:.1f} s CPU in the generator process, "
        f"{result.worker_cpu_seconds:.1f} s in its worker processes)"
    )
    city = Unit.objects.get(code="4301")
    staff = User.objects.get(username="staff-4301")
    subtree = Member.objects.filter(unit__path__startswith=city.path).count()
    sample = (
        Member.objects.filter(unit__path__startswith=city.path)
        .order_by("id")
        .values_list("pinyin_initials", flat=True)[100]
    )
    initials = sample[:2]
    client = Client()
    client.force_login(staff)
    urls: list[tuple[str, str]] = []
    try:
        changelist = reverse("admin:members_member_changelist")
        urls += [
            ("console list, city subtree", f"{changelist}?unit={city.pk}"),
            (f"console search '{initials}'", f"{changelist}?q={initials}"),
        ]
    except NoReverseMatch:
        print("   (no console member list registered)")
    urls += [
        ("API list, city subtree", "/api/v1/members?unit=4301"),
        (f"API search '{initials}'", f"/api/v1/members?q={initials}"),
    ]
    print(f"   city 4301 subtree: {subtree:,} members; staff-4301 sees it")
    for label, url in urls:
        median, status, size = _median_ms(client, url, requests)
        note = "" if status == 200 else f"  (HTTP {status})"
        print(f"   {label}: median {median:.1f} ms over {requests} requests, {size:,} bytes{note}")
    visible = selectors.members_visible(staff)
    if os.environ.get("BENCH_EXPLAIN") and connection.vendor == "postgresql":
        listed = selectors.members_in_unit(visible, city).select_related("unit")[:50]
        _explain("list", listed)
        _explain("search", selectors.member_search(visible, initials)[:50])
        _explain("list count", selectors.members_in_unit(visible, city).values("pk"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"   peak memory: {rss_after_generation:,.0f} MB after generation, {peak:,.0f} MB at end")
    print(
        "   json: "
        + json.dumps(
            {
                "database": connection.vendor,
                "members": members,
                "generation_per_s": round(result.rate),
                "peak_mb": round(peak),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--run":
        run(int(sys.argv[2]))
    else:
        main()
