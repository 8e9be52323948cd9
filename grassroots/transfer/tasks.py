"""Background import of a large upload; the job row carries the progress the console polls."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from grassroots.core import context
from grassroots.transfer import services
from grassroots.transfer.models import ImportJob


@task()
def import_job_process(job_id: int, user_id: int) -> str:
    job = ImportJob.objects.select_related("unit").get(pk=job_id)
    user = get_user_model().objects.select_related("unit").get(pk=user_id)
    with context.acting(user, source="task"):
        services.import_job_run(job=job, actor=user)
    job.refresh_from_db()
    return str(job.state)
