"""Health endpoint: database reachable, migrations applied, task worker's last heartbeat.

HTTP 200 while the site can serve (database up, migrations applied), with ``status`` "ok", or
"degraded" when no task worker has beaten recently (pages work, background jobs wait);
503 with ``status`` "error" otherwise. Errors are named by class only: no details leak.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from grassroots.core.models import WorkerHeartbeat

# A worker beats every GRASSROOTS_WORKER_HEARTBEAT_SECONDS; missing four beats means it is gone.
MISSED_BEATS = 4


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _migrations() -> dict[str, Any]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"ok": not plan, "pending": len(plan)}


def _worker() -> dict[str, Any]:
    interval = int(getattr(settings, "GRASSROOTS_WORKER_HEARTBEAT_SECONDS", 30))
    limit = interval * MISSED_BEATS
    beat = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if beat is None:
        return {"ok": False, "last_seen": None, "age_seconds": None, "alive_workers": 0}
    now = timezone.now()
    age = (now - beat.last_seen).total_seconds()
    alive = WorkerHeartbeat.objects.filter(
        last_seen__gte=now - datetime.timedelta(seconds=limit)
    ).count()
    return {
        "ok": age <= limit,
        "name": beat.worker_name,
        "last_seen": beat.last_seen.isoformat(),
        "age_seconds": round(age, 1),
        "alive_workers": alive,
    }


def _check(probe) -> dict[str, Any]:
    try:
        return probe()
    except Exception as exc:  # health must answer whatever broke; name the failure only
        return {"ok": False, "error": exc.__class__.__name__}


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = _check(_database)
    skipped = {"ok": False, "error": "DatabaseUnavailable"}
    migrations = _check(_migrations) if database["ok"] else skipped
    worker = _check(_worker) if database["ok"] else skipped
    serving = database["ok"] and migrations["ok"]
    status = ("ok" if worker["ok"] else "degraded") if serving else "error"
    body = {"status": status, "database": database, "migrations": migrations, "worker": worker}
    return JsonResponse(body, status=200 if serving else 503)
