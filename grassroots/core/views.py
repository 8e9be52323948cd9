"""Health endpoint: database reachable, migrations applied, task worker's last heartbeat."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone


def healthz(request):
    body: dict = {"database": False, "migrations": False, "worker": None}
    try:
        connection.ensure_connection()
        body["database"] = True
        executor = MigrationExecutor(connection)
        body["migrations"] = not executor.migration_plan(executor.loader.graph.leaf_nodes())
        from grassroots.core.models import WorkerHeartbeat

        beat = WorkerHeartbeat.objects.order_by("-last_seen").first()
        if beat:
            age = (timezone.now() - beat.last_seen).total_seconds()
            body["worker"] = {
                "name": beat.worker_name,
                "last_seen": beat.last_seen.isoformat(),
                "age_seconds": round(age, 1),
                "alive": age < 120,
            }
    except Exception as exc:  # health must answer, whatever broke
        body["error"] = exc.__class__.__name__
    ok = body["database"] and body["migrations"]
    body["status"] = "ok" if ok else "error"
    return JsonResponse(body, status=200 if ok else 503)
