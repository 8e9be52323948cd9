"""Periodic jobs run by the task worker, each exactly once per time slot across all workers.

A job is a name, an interval and a callable. Any app may add jobs by calling ``register`` in
its own ``periodic.py`` (imported by ``autodiscover``). A worker claims a slot by inserting a
``PeriodicJobRun`` row; the unique (job, slot) constraint lets exactly one insert succeed.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from grassroots.core.models import Notification, PeriodicJobRun, WorkerHeartbeat

logger = logging.getLogger("grassroots.periodic")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: datetime.timedelta
    func: Callable[[], object]

    def slot(self, now: datetime.datetime) -> str:
        """The slot containing ``now``: its start in UTC, aligned on the interval."""
        seconds = max(int(self.interval.total_seconds()), 1)
        start = int(now.timestamp()) // seconds * seconds
        return datetime.datetime.fromtimestamp(start, datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


_registry: dict[str, PeriodicJob] = {}


def register(
    name: str, *, every: datetime.timedelta
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Decorator: ``@periodic.register("prune", every=timedelta(hours=1))``."""

    def decorate(func: Callable[[], object]) -> Callable[[], object]:
        if len(name) > PeriodicJobRun._meta.get_field("job").max_length:  # type: ignore[operator]
            raise ValueError(f"periodic job name too long: {name}")
        _registry[name] = PeriodicJob(name=name, interval=every, func=func)
        return func

    return decorate


def jobs() -> list[PeriodicJob]:
    return sorted(_registry.values(), key=lambda j: j.name)


def get(name: str) -> PeriodicJob:
    return _registry[name]


def autodiscover() -> None:
    """Import every installed app's ``periodic`` module so that its jobs register."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("periodic")


def claim(job: PeriodicJob, slot: str, worker_name: str) -> PeriodicJobRun | None:
    """Insert-to-claim: the row for (job, slot) exists once; losers get None."""
    try:
        with transaction.atomic():
            return PeriodicJobRun.objects.create(
                job=job.name, slot=slot, worker_name=worker_name[:200]
            )
    except IntegrityError:
        return None


def execute(job: PeriodicJob, run: PeriodicJobRun) -> PeriodicJobRun:
    """Run a claimed job and record its outcome; a failing job never stops the worker."""
    try:
        result = job.func()
        run.outcome = "ok" if result is None else f"ok: {result}"[:2000]
    except Exception as exc:
        logger.exception("periodic job %s failed", job.name)
        run.outcome = f"error: {exc.__class__.__name__}: {exc}"[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "finished_at"])
    return run


def run_due(worker_name: str, now: datetime.datetime | None = None) -> list[PeriodicJobRun]:
    """Claim and run every job whose current slot nobody has claimed yet."""
    now = now or timezone.now()
    done = []
    for job in jobs():
        run = claim(job, job.slot(now), worker_name)
        if run is not None:
            done.append(execute(job, run))
    return done


def heartbeat(worker_name: str, started_at: datetime.datetime | None = None) -> None:
    now = timezone.now()
    defaults = {"last_seen": now}
    WorkerHeartbeat.objects.update_or_create(
        worker_name=worker_name[:200],
        defaults=defaults,
        create_defaults={**defaults, "started_at": started_at or now},
    )


# --- the core's own jobs ------------------------------------------------------------------


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@register("core.prune_task_results", every=datetime.timedelta(hours=6))
def prune_task_results() -> int:
    """Finished background-task results older than GRASSROOTS_TASK_RESULT_DAYS (14) go."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(days=_days("GRASSROOTS_TASK_RESULT_DAYS", 14))
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff).delete()
    return deleted


@register("core.prune_read_notifications", every=datetime.timedelta(days=1))
def prune_read_notifications() -> int:
    """Notifications read more than GRASSROOTS_NOTIFICATION_DAYS (180) ago go."""
    cutoff = timezone.now() - datetime.timedelta(days=_days("GRASSROOTS_NOTIFICATION_DAYS", 180))
    deleted, _ = Notification.objects.filter(read_at__lte=cutoff).delete()
    return deleted


@register("core.prune_job_bookkeeping", every=datetime.timedelta(days=1))
def prune_job_bookkeeping() -> int:
    """Old slot claims and heartbeats of workers gone for a week."""
    now = timezone.now()
    runs, _ = PeriodicJobRun.objects.filter(
        started_at__lte=now - datetime.timedelta(days=30)
    ).delete()
    beats, _ = WorkerHeartbeat.objects.filter(
        last_seen__lte=now - datetime.timedelta(days=7)
    ).delete()
    return runs + beats
