"""/healthz: database, migrations and the task worker's heartbeat, as JSON for a probe."""

from __future__ import annotations

import datetime

from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from grassroots.core import views
from grassroots.core.models import WorkerHeartbeat
from grassroots.core.periodic import heartbeat


def test_healthy_with_a_live_worker(db):
    heartbeat("host-1:123")
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["migrations"] == {"ok": True, "pending": 0}
    assert body["worker"]["ok"] is True
    assert body["worker"]["name"] == "host-1:123"
    assert body["worker"]["alive_workers"] == 1


def test_no_worker_is_degraded_but_serving(db):
    body = Client().get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["worker"]["ok"] is False and body["worker"]["last_seen"] is None


def test_a_silent_worker_is_reported_with_its_age(db):
    WorkerHeartbeat.objects.create(
        worker_name="old", last_seen=timezone.now() - datetime.timedelta(minutes=10)
    )
    response = Client().get("/healthz")
    assert response.status_code == 200
    worker = response.json()["worker"]
    assert worker["ok"] is False and worker["alive_workers"] == 0
    assert worker["age_seconds"] >= 600


def test_unapplied_migrations_are_an_error(db, monkeypatch):
    monkeypatch.setattr(
        MigrationExecutor, "migration_plan", lambda self, targets: [("fake", False)]
    )
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["migrations"] == {"ok": False, "pending": 1}


def test_unreachable_database_is_an_error_without_details(db, monkeypatch):
    def down() -> dict:
        raise OperationalError("could not connect to server: secret-host:5432")

    monkeypatch.setattr(views, "_database", down)
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert "secret-host" not in response.content.decode()


def test_only_safe_methods(db):
    assert Client().post("/healthz").status_code == 405
