"""Locust scenario for bench_load: staff sessions mixing the member list, search, a member's
page and the dashboard, each user waiting 1 s between requests. Read-only: every request is a
GET; the sessions were created beforehand by bench_load (the only rows it writes).

BENCH_LOAD_PLAN names the JSON file bench_load wrote: one entry per session with its cookie,
a few member ids inside that staff member's scope and a few search terms.

The users are locust's FastHttpUser (geventhttpclient), not HttpUser (requests): locust runs on
the same two cores as gunicorn and PostgreSQL, and requests' client (which locust documents as
several times costlier per request) takes CPU from the server being measured. The requests sent are the same: a GET
with the session cookie and the proxy's X-Forwarded-Proto header, redirects not followed.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

_PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"]).read())
_WAIT = float(os.environ.get("BENCH_LOAD_WAIT", "1.0"))
_next = itertools.count()
_lock = threading.Lock()


class Staff(FastHttpUser):
    wait_time = between(_WAIT, _WAIT)

    def on_start(self) -> None:
        with _lock:
            self.plan = _PLAN["sessions"][next(_next) % len(_PLAN["sessions"])]
        # As behind the reverse proxy: TLS ended there (the session cookie is Secure).
        self.headers = {
            "Cookie": f"sessionid={self.plan['session']}",
            "X-Forwarded-Proto": "https",
        }

    def _get(self, url: str, name: str) -> None:
        with self.client.get(
            url, name=name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")

    @task(3)
    def member_list(self) -> None:
        self._get(f"/admin/members/member/?unit={self.plan['unit']}", "member list")

    @task(3)
    def search(self) -> None:
        self._get(f"/admin/members/member/?q={random.choice(self.plan['terms'])}", "search")

    @task(3)
    def detail(self) -> None:
        member = random.choice(self.plan["members"])
        self._get(f"/admin/members/member/{member}/change/", "member page")

    @task(1)
    def dashboard(self) -> None:
        self._get("/admin/", "dashboard")
