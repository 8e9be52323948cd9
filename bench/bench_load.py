"""Load: 50 concurrent staff sessions against gunicorn on the 1,000,000-member PostgreSQL
database, each waiting 1 s between requests, mixing the member list, search, a member's page and
the dashboard (locust, headless, loopback only). Prints throughput, p50/p95/p99 and errors.

The client's CPU is not the server's: locust's users are FastHttpUser (geventhttpclient), which
costs far less CPU per request than HttpUser (requests) on the cores the server shares with it;
figures before that change (README, before 0048) were taken with HttpUser.

Read-only: the only rows written are the sessions (created up front, deleted afterwards); the
server is gunicorn with production settings (DEBUG off) behind a pretend proxy header.

    DATABASE_URL          PostgreSQL server (required); the database is BENCH_LOAD_DB on it
    BENCH_LOAD_DB=grassroots_bench   a database built by bench_foundation at 1,000,000 members
    BENCH_LOAD_VAR_DIR    directory with that database's field_key and secret_key (default:
                          the newest /tmp/grassroots-bench-*/ that bench_foundation left)
    BENCH_LOAD_USERS=50   BENCH_LOAD_SECONDS=60   BENCH_LOAD_WAIT=1.0
    BENCH_LOAD_WORKERS=4  BENCH_LOAD_THREADS=2    (gunicorn workers × threads)
    BENCH_LOAD_WORKER_CLASS=gthread               (or sync: one request at a time per worker)
"""

from __future__ import annotations

import csv
import glob
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _var_dir() -> Path | None:
    wanted = os.environ.get("BENCH_LOAD_VAR_DIR")
    if wanted:
        return Path(wanted)
    found = sorted(
        glob.glob("/tmp/grassroots-bench-*/field_key"), key=os.path.getmtime, reverse=True
    )
    return Path(found[0]).parent if found else None


def main() -> None:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("DATABASE_URL is not set to PostgreSQL: skipping the load test")
        return
    var_dir = _var_dir()
    if var_dir is None or not (var_dir / "field_key").exists():
        print("no field key for the bench database (set BENCH_LOAD_VAR_DIR): skipping")
        return
    db = os.environ.get("BENCH_LOAD_DB", "grassroots_bench")
    url = urlunsplit(urlsplit(base)._replace(path=f"/{db}"))
    users = int(os.environ.get("BENCH_LOAD_USERS", "50"))
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    work = Path(tempfile.mkdtemp(prefix="grassroots-load-"))
    (work / "static").mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "grassroots.config.settings.production",
        "GRASSROOTS_SECRET_KEY": (var_dir / "secret_key").read_text().strip(),
        "GRASSROOTS_FIELD_KEY": (var_dir / "field_key").read_text().strip(),
        "GRASSROOTS_VAR_DIR": str(work),
        "GRASSROOTS_ALLOWED_HOSTS": "127.0.0.1",
        "GRASSROOTS_SSL_REDIRECT": "0",
        "BENCH_LOAD_PLAN": str(work / "plan.json"),
    }
    python = [sys.executable, "-m", "bench.bench_load"]
    subprocess.run([*python, "--prepare", str(users)], env=env, cwd=ROOT, check=True)
    plan = json.loads((work / "plan.json").read_text())
    worker_class = os.environ.get("BENCH_LOAD_WORKER_CLASS", "gthread")
    workers = os.environ.get("BENCH_LOAD_WORKERS", "4")
    threads = os.environ.get("BENCH_LOAD_THREADS", "2")
    print(
        f"   {plan['members']:,} members in {db}; {users} sessions of {plan['staff']} city staff "
        f"accounts, {seconds} s, 1 s wait; gunicorn {worker_class} {workers}×{threads}; "
        f"machine load before: {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    port = _free_port()
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "grassroots.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--worker-class",
            worker_class,
            "--threads",
            threads,
            "--no-control-socket",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        _wait_for(port)
        # Warm every worker's caches (templates, translations) before measuring.
        _warm(port, plan)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(max(users // 5, 1)),
                "--run-time",
                f"{seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(work / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env=env,
            cwd=ROOT,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # its own summary; ours is printed below
        )
    finally:
        web.terminate()
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        subprocess.run([*python, "--cleanup"], env=env, cwd=ROOT, check=False)
    _report(work / "load_stats.csv", work / "load_failures.csv")
    print(f"   machine load after: {os.getloadavg()[0]:.1f} (2 cores, shared)")


def _wait_for(port: int) -> None:
    import urllib.request

    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP answer (503) still means it is up
                return
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _warm(port: int, plan: dict) -> None:
    import urllib.request

    session = plan["sessions"][0]
    for path in (
        "/admin/",
        f"/admin/members/member/?unit={session['unit']}",
        f"/admin/members/member/{session['members'][0]}/change/",
    ):
        for _ in range(int(os.environ.get("BENCH_LOAD_WORKERS", "4"))):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={"Cookie": f"sessionid={session['session']}", "X-Forwarded-Proto": "https"},
            )
            try:
                urllib.request.urlopen(request, timeout=60).read()
            except OSError as exc:
                print(f"   warm-up {path}: {exc}")


def _report(stats: Path, failures: Path) -> None:
    if not stats.exists():
        print("   locust wrote no statistics (did it start?)")
        return
    rows = list(csv.DictReader(stats.open()))
    print(
        f"   {'request':<14} {'count':>6} {'errors':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}"
    )
    total = None
    for row in rows:
        name = row["Name"] or row["Type"]
        print(
            f"   {name:<14} {row['Request Count']:>6} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>6.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
        if name == "Aggregated":
            total = row
    if failures.exists():
        for row in csv.DictReader(failures.open()):
            print(f"   error: {row['Name']}: {row['Error']} × {row['Occurrences']}")
    if total:
        p95 = float(total["95%"])
        errors = int(total["Failure Count"])
        verdict = "met" if p95 <= TARGET_P95_MS and errors == 0 else "missed"
        print(
            f"   throughput {float(total['Requests/s']):.1f} req/s; p50 {total['50%']} ms, "
            f"p95 {total['95%']} ms, p99 {total['99%']} ms; {errors} errors "
            f"(target p95 ≤ {TARGET_P95_MS} ms, no errors: {verdict})"
        )


# --- the Django side (a separate process, settings from the environment) ----------------------


def _prepare(users: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from grassroots.accounts.models import Role, User
    from grassroots.members.models import Member

    staff = list(
        User.objects.filter(role=Role.UNIT_STAFF, is_active=True, unit__isnull=False)
        .select_related("unit")
        .order_by("username")
    )
    if not staff:
        raise SystemExit("the bench database has no city staff accounts (run bench_foundation)")
    model_backend = "django.contrib.auth.backends.ModelBackend"
    backends = settings.AUTHENTICATION_BACKENDS
    backend = model_backend if model_backend in backends else backends[-1]
    sessions = []
    for n in range(users):
        user = staff[n % len(staff)]
        in_scope = Member.objects.filter(unit__path__startswith=user.unit.path)
        ids = list(in_scope.order_by("id").values_list("id", flat=True)[:2000:20])
        names = in_scope.order_by("-id").values_list("pinyin_initials", flat=True)[:50]
        terms = sorted({i[:2] for i in names if len(i) >= 2})[:10] or ["wh"]
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store["bench_load"] = True
        store.create()
        sessions.append(
            {"session": store.session_key, "unit": user.unit_id, "members": ids, "terms": terms}
        )
    plan = {
        "members": Member.objects.count(),
        "staff": len({s["unit"] for s in sessions}),
        "sessions": sessions,
    }
    Path(os.environ["BENCH_LOAD_PLAN"]).write_text(json.dumps(plan))


def _cleanup() -> None:
    import django

    django.setup()
    from django.contrib.sessions.models import Session

    plan = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text())
    Session.objects.filter(session_key__in=[s["session"] for s in plan["sessions"]]).delete()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        _prepare(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--cleanup"]:
        _cleanup()
    else:
        main()
