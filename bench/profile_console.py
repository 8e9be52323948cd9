"""CPU, queries and size of the console pages bench_load requests, measured in-process (no server,
no locust): where the load test's CPU budget goes, page by page.

Uses the Django test client with production settings against the same database and keys as
bench_load, signed in as the first city staff account through a session created up front (and
deleted afterwards: the only row written). Each page is requested a few times to warm caches,
then timed; CPU is this process's (the client's share is small next to the page's), queries are
counted in a separate pass so that counting does not add to the CPU figure.

    DATABASE_URL          PostgreSQL server (required); the database is BENCH_LOAD_DB on it
    BENCH_LOAD_DB=grassroots_bench   BENCH_LOAD_VAR_DIR   (as bench_load)
    BENCH_PROFILE_REPEAT=30          timed requests per page (median and p90 printed)
    BENCH_PROFILE_ONLY=""            pages to measure (comma-separated; default the four of the
                                     load test; also tab:statuschange, tab:transfer, tab:officer,
                                     tab:auditevent, a member page's tabs loaded when opened)
    BENCH_PROFILE_PAGE=""            one of list, search, member, dashboard: also print a cProfile
                                     of that page (BENCH_PROFILE_TOP=40 rows by own time and
                                     cumulative time)
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.bench_load import _var_dir


def _environment() -> bool:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("DATABASE_URL is not set to PostgreSQL: skipping")
        return False
    var_dir = _var_dir()
    if var_dir is None or not (var_dir / "field_key").exists():
        print("no field key for the bench database (set BENCH_LOAD_VAR_DIR): skipping")
        return False
    db = os.environ.get("BENCH_LOAD_DB", "grassroots_bench")
    work = Path(f"/tmp/grassroots-profile-{os.getpid()}")
    work.mkdir(exist_ok=True)
    os.environ.update(
        {
            "DATABASE_URL": urlunsplit(urlsplit(base)._replace(path=f"/{db}")),
            "DJANGO_SETTINGS_MODULE": "grassroots.config.settings.production",
            "GRASSROOTS_SECRET_KEY": (var_dir / "secret_key").read_text().strip(),
            "GRASSROOTS_FIELD_KEY": (var_dir / "field_key").read_text().strip(),
            "GRASSROOTS_VAR_DIR": str(work),
            "GRASSROOTS_ALLOWED_HOSTS": "testserver",
            "GRASSROOTS_SSL_REDIRECT": "0",
        }
    )
    return True


def main() -> None:
    if not _environment():
        return
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from grassroots.accounts.models import Role, User
    from grassroots.members.models import Member

    user = (
        User.objects.filter(role=Role.UNIT_STAFF, is_active=True, unit__isnull=False)
        .select_related("unit")
        .order_by("username")
        .first()
    )
    if user is None:
        raise SystemExit("the bench database has no city staff accounts (run bench_foundation)")
    in_scope = Member.objects.filter(unit__path__startswith=user.unit.path)
    member = in_scope.order_by("id").values_list("id", flat=True)[20]
    initials = in_scope.order_by("-id").values_list("pinyin_initials", flat=True)[:50]
    term = sorted({i[:2] for i in initials if len(i) >= 2})[0]
    pages = {
        "list": f"/admin/members/member/?unit={user.unit_id}",
        "search": f"/admin/members/member/?q={term}",
        "member": f"/admin/members/member/{member}/change/",
        "dashboard": "/admin/",
    }
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.cookies["sessionid"] = store.session_key
    # The member page's tabs, loaded when opened (not part of the load test's mix).
    for key in ("statuschange", "transfer", "officer", "auditevent"):
        pages[f"tab:{key}"] = f"/admin/members/member/{member}/tab/{key}/"
    only = [p for p in os.environ.get("BENCH_PROFILE_ONLY", "").split(",") if p]
    default = ("list", "search", "member", "dashboard")
    pages = {k: v for k, v in pages.items() if k in only or (not only and k in default)}
    repeat = int(os.environ.get("BENCH_PROFILE_REPEAT", "30"))
    wanted = os.environ.get("BENCH_PROFILE_PAGE", "")

    def get(url: str) -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        return len(response.content)

    print(f"   {user.username} ({user.unit.name}); {repeat} timed requests per page")
    print(f"   {'page':<16} {'CPU p50':>8} {'CPU p90':>8} {'wall p50':>9} {'queries':>8} {'KB':>6}")
    try:
        for name, url in pages.items():
            for _ in range(3):
                get(url)
            cpu, wall = [], []
            for _ in range(repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                size = get(url)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            with CaptureQueriesContext(connection) as queries:
                get(url)
            p90 = statistics.quantiles(cpu, n=10)[-1] if len(cpu) > 1 else cpu[0]
            print(
                f"   {name:<16} {1000 * statistics.median(cpu):>6.1f}ms {1000 * p90:>6.1f}ms "
                f"{1000 * statistics.median(wall):>7.1f}ms {len(queries):>8} {size / 1024:>6.0f}"
            )
            if name == wanted:
                _profile(lambda url=url: get(url))
            if os.environ.get("BENCH_PROFILE_SQL") == name:
                for q in queries.captured_queries:
                    print(f"      {q['time']}s {q['sql'][:300]}")
    finally:
        store.delete()


def _profile(call) -> None:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(10):
        call()
    profile.disable()
    top = int(os.environ.get("BENCH_PROFILE_TOP", "40"))
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(top)
        print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())
