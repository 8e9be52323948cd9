"""The Redis task queue (GRASSROOTS_TASKS=rq): settings switch to django-tasks-rq, a task
enqueued through Django's Tasks API runs in an RQ worker and its result reads back. Skipped
with the reason where no Redis answers (GRASSROOTS_TEST_REDIS_URL, default the local one)."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import pytest
from django.test import override_settings

REDIS_URL = os.environ.get("GRASSROOTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason=f"no Redis answers at {REDIS_URL}")


def test_settings_switch_the_queue_to_redis():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "grassroots.config.settings.dev",
        "GRASSROOTS_TASKS": "rq",
        "GRASSROOTS_REDIS_URL": REDIS_URL,
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TASKS['default']['BACKEND'], settings.RQ_QUEUES['default']['URL'], "
        "'django_rq' in settings.INSTALLED_APPS)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.split() == ["django_tasks_rq.RQBackend", REDIS_URL, "True"]
    env["GRASSROOTS_TASKS"] = "celery"
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "GRASSROOTS_TASKS must be 'database' or 'rq'" in refused.stderr


@pytest.fixture
def rq_queue():
    """A queue of its own on Redis for this run, emptied afterwards."""
    import django_rq

    name = f"grassroots-test-{os.getpid()}"
    config = {
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", name]}},
        "RQ_QUEUES": {queue: {"URL": REDIS_URL} for queue in ("default", name)},
    }
    with override_settings(**config):  # django_tasks resets its backends on the change
        try:
            yield name
        finally:
            queue = django_rq.get_queue(name)
            queue.empty()
            for registry in (queue.finished_job_registry, queue.failed_job_registry):
                for job_id in registry.get_job_ids():
                    registry.remove(job_id, delete_job=True)


def test_a_task_runs_in_an_rq_worker_and_its_result_reads_back(rq_queue):
    import django_rq

    from grassroots.core import periodic
    from grassroots.core.tasks import periodic_job_run

    @periodic.register("test.rq", every=datetime.timedelta(hours=1))
    def answer() -> str:
        return "answered through Redis"

    try:
        result = periodic_job_run.using(queue_name=rq_queue).enqueue("test.rq")
        assert result.status == "READY"
        worker = django_rq.get_worker(
            rq_queue, job_class="django_tasks_rq.Job", worker_class="rq.worker.SimpleWorker"
        )
        assert worker.work(burst=True) is True
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert result.return_value == "answered through Redis"
    finally:
        periodic._registry.pop("test.rq", None)
