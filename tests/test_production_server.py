"""The site as deployed: gunicorn with production settings (DEBUG off, test keys) and two task
workers on PostgreSQL; a city's staff member signs in, uploads a roster, and a worker imports it.

Runs only with DATABASE_URL pointing at PostgreSQL. The site gets a throwaway database cloned
(pg_dump | pg_restore) from the suite's migrated test database, so nothing is migrated twice and
the suite's own database is never touched.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

BASE_URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not BASE_URL.startswith("postgres"),
    reason="needs DATABASE_URL set to PostgreSQL (gunicorn and two task workers share its queue)",
)

ROOT = Path(__file__).resolve().parents[1]
ROWS = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _db_url(name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(BASE_URL)._replace(path=f"/{name}"))


@pytest.fixture
def site_db(django_db_setup, django_db_blocker):
    """A throwaway copy of the migrated test database."""
    import psycopg
    from django.db import connection

    source = connection.creation._get_test_db_name()  # pytest-django's, with any xdist suffix
    name = f"{source}_site"[:63]
    admin = _db_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    dump = subprocess.run(
        ["pg_dump", "-Fc", "-d", _db_url(source)], capture_output=True, check=True
    ).stdout
    subprocess.run(["pg_restore", "--no-owner", "-d", _db_url(name)], input=dump, check=True)
    yield _db_url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site_env(site_db, tmp_path):
    # Production settings with test keys; one setting lowered so that a small roster goes to
    # the task queue exactly as a large one would.
    (tmp_path / "site_settings.py").write_text(
        textwrap.dedent(
            """
            from grassroots.config.settings.production import *  # noqa: F403

            GRASSROOTS_IMPORT_BACKGROUND_ROWS = 1
            """
        )
    )
    return {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "site_settings",
        "DATABASE_URL": site_db,
        "GRASSROOTS_SECRET_KEY": "test-secret-key-for-the-production-server-test-" + "x" * 20,
        "GRASSROOTS_FIELD_KEY": "test-field-key-for-the-production-server-test",
        "GRASSROOTS_VAR_DIR": str(tmp_path / "var"),
        "GRASSROOTS_ALLOWED_HOSTS": "127.0.0.1",
        "GRASSROOTS_SSL_REDIRECT": "0",  # TLS ends at the reverse proxy, as in the guide
    }


SETUP = """
from grassroots.core.testing import build_small_province
p = build_small_province()
print("UNIT", p.branch_a1.pk)
"""


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)


class Browser:
    """requests with the cookie jar kept by hand: the cookies are Secure, and the proxy's
    X-Forwarded-Proto header is what tells Django the request came in over HTTPS."""

    def __init__(self, base: str) -> None:
        import requests

        self.http, self.base, self.cookies = requests.Session(), base, {}

    def _headers(self) -> dict:
        return {"X-Forwarded-Proto": "https", "Referer": self.base.replace("http:", "https:") + "/"}

    def request(self, method: str, path: str, **kwargs):
        response = self.http.request(
            method,
            self.base + path,
            headers=self._headers(),
            cookies=dict(self.cookies),
            allow_redirects=False,
            timeout=120,
            **kwargs,
        )
        self.cookies.update({c.name: c.value for c in response.cookies})
        return response

    def csrf(self, path: str) -> str:
        page = self.request("GET", path)
        assert page.status_code == 200, (path, page.status_code)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, path
        return match.group(1)


@pytest.mark.django_db  # the suite's migrated database is what the site's database is cloned from
def test_gunicorn_and_two_workers_import_a_roster(site_env, tmp_path):
    import psycopg

    started = time.monotonic()
    grassroots = [sys.executable, "-m", "grassroots.cli"]
    made = subprocess.run(
        [*grassroots, "shell", "-c", SETUP], env=site_env, cwd=ROOT, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    unit_id = int(re.search(r"UNIT (\d+)", made.stdout).group(1))

    port = _free_port()
    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "grassroots.config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--no-control-socket",  # other gunicorns on this machine use the default socket path
    ]
    (tmp_path / "var" / "static").mkdir(parents=True)  # collected static files (none needed)
    processes = [_start(web, site_env, tmp_path / "gunicorn.log")]
    for n in (1, 2):
        processes.append(
            _start([*grassroots, "worker", "--interval", "0.2"], site_env, tmp_path / f"w{n}.log")
        )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        for _ in range(600):  # up to two minutes: the other database's test run shares the CPU
            try:
                if browser.request("GET", "/healthz").status_code in (200, 503):
                    break
            except OSError:
                pass
            time.sleep(0.2)
        # Production settings: no debug page, HSTS on secure requests.
        missing = browser.request("GET", "/admin/no-such-page/")
        assert missing.status_code in (302, 404) and "Traceback" not in missing.text
        assert "Strict-Transport-Security" in browser.request("GET", "/admin/login/").headers

        token = browser.csrf("/admin/login/")
        signed_in = browser.request(
            "POST",
            "/admin/login/?next=/admin/",
            data={
                "csrfmiddlewaretoken": token,
                "username": "city_a",
                "password": "pass-city_a-2026",
                "next": "/admin/",
            },
        )
        assert signed_in.status_code == 302, signed_in.text[:2000]
        assert "sessionid" in browser.cookies

        from grassroots.transfer.tests.helpers import person, write_xlsx

        people = [person(i) for i in range(ROWS)]
        roster = write_xlsx(
            tmp_path / "roster.xlsx",
            [
                [i + 1, p["name"], p["sex"], p["id"], p["birth"], "", "本科", ""]
                for i, p in enumerate(people)
            ],
        )
        token = browser.csrf("/admin/transfer/importjob/upload/")
        with roster.open("rb") as handle:
            uploaded = browser.request(
                "POST",
                "/admin/transfer/importjob/upload/",
                data={"csrfmiddlewaretoken": token, "unit": str(unit_id), "mode": "create"},
                files={"file": ("花名册.xlsx", handle)},
            )
        assert uploaded.status_code == 302, uploaded.text[-3000:]
        preview = uploaded.headers["Location"]
        job_id = int(re.search(r"/(\d+)/preview/", preview).group(1))
        token = browser.csrf(preview)
        confirmed = browser.request("POST", preview, data={"csrfmiddlewaretoken": token})
        assert confirmed.status_code == 302

        status: dict = {}
        # A bound on waiting, not a speed check: the SQLite run shares the two cores meanwhile.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            status = browser.request("GET", f"/admin/transfer/importjob/{job_id}/status/").json()
            if status["finished"]:
                break
            time.sleep(0.3)
        assert status.get("finished") and status["created"] == ROWS, status

        with psycopg.connect(site_env["DATABASE_URL"]) as conn:
            members = conn.execute(
                "SELECT count(*) FROM members_member WHERE unit_id = %s", [unit_id]
            ).fetchone()[0]
            # The import's task (the worker also counts the planning figures after it, in a
            # task of its own that may still be running).
            ran = conn.execute(
                "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
                "WHERE task_path LIKE 'grassroots.transfer.%%'"
            ).fetchall()
            warming = conn.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE task_path = 'grassroots.planning.tasks.figures_warm_task'"
            ).fetchone()[0]
            beats = conn.execute("SELECT count(*) FROM core_workerheartbeat").fetchone()[0]
        assert members == ROWS
        assert [r[0] for r in ran] == ["SUCCESSFUL"]
        assert len(ran[0][1]) == 1  # claimed by exactly one of the two workers
        assert beats == 2
        assert warming >= 1  # the import's members made the figures to count again
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert processes[0].returncode == 0, (tmp_path / "gunicorn.log").read_text()[-2000:]
    print(f"production server drill: {time.monotonic() - started:.1f} s")
