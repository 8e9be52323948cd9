"""Background tasks of the core: run a registered periodic job on demand."""

from __future__ import annotations

from django_tasks import task

from grassroots.core import periodic


@task()
def periodic_job_run(job_name: str) -> str:
    """Run one periodic job now, outside its schedule (e.g. from the console)."""
    periodic.autodiscover()
    job = periodic.get(job_name)
    result = job.func()
    return "ok" if result is None else str(result)
