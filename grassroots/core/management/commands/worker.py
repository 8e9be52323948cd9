"""`grassroots worker`: the configured task queue's worker (django-tasks-db, or RQ on Redis when
``GRASSROOTS_TASKS=rq``), a heartbeat, and the periodic jobs."""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from grassroots.core import periodic

logger = logging.getLogger("grassroots.worker")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{get_random_string(6)}"[:64]


class Ticker(threading.Thread):
    """Writes the heartbeat and runs due periodic jobs every ``interval`` seconds."""

    def __init__(self, name: str, interval: float, run_jobs: bool = True) -> None:
        super().__init__(name="grassroots-ticker", daemon=True)
        self.worker_name, self.interval, self.run_jobs = name, interval, run_jobs
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def tick(self) -> None:
        try:
            periodic.heartbeat(self.worker_name, self.started_at)
            if self.run_jobs:
                periodic.run_due(self.worker_name)
        except Exception:  # the database may be briefly away; try again next tick
            logger.exception("worker tick failed")

    def run(self) -> None:
        while not self.stopping.is_set():
            close_old_connections()  # this thread's own connection, as around a request
            self.tick()
            close_old_connections()
            self.stopping.wait(self.interval)


class Command(BaseCommand):
    help = _("运行后台任务进程（含定时任务和心跳）")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="*", help=_("处理的队列，逗号分隔；* 表示全部"))
        parser.add_argument("--interval", type=float, default=1.0, help=_("空闲时的轮询间隔（秒）"))
        parser.add_argument(
            "--no-periodic", action="store_true", help=_("不运行定时任务（只处理队列）")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("django_tasks_db").setLevel(
            logging.INFO if options["verbosity"] >= 1 else logging.WARNING
        )
        periodic.autodiscover()
        name = worker_name()
        ticker = Ticker(
            name,
            float(settings.GRASSROOTS_WORKER_HEARTBEAT_SECONDS),
            run_jobs=not options["no_periodic"],
        )
        if settings.GRASSROOTS_TASKS == "rq":
            self._run_rq(name, ticker, options)
            return
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=True,
            max_tasks=None,
            worker_id=name,
            excluded_queue_names=[],
        )
        self.stdout.write(
            _("任务进程 %(name)s 已启动；定时任务：%(jobs)s")
            % {"name": name, "jobs": ", ".join(j.name for j in periodic.jobs()) or "-"}
        )
        ticker.start()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            ticker.stopping.set()

    def _run_rq(self, name: str, ticker: Ticker, options: dict[str, Any]) -> None:
        """RQ's worker on the Redis queues (each task in a forked work horse); the heartbeat and
        the periodic jobs still run here, claimed through the database as with the default
        backend, so any mix of workers runs each job once."""
        import django_rq

        queues = [] if options["queue_name"] == "*" else options["queue_name"].split(",")
        worker = django_rq.get_worker(*queues, job_class="django_tasks_rq.Job", name=name)
        self.stdout.write(
            _("任务进程 %(name)s 已启动（Redis 队列）；定时任务：%(jobs)s")
            % {"name": name, "jobs": ", ".join(j.name for j in periodic.jobs()) or "-"}
        )
        ticker.start()
        try:
            worker.work(with_scheduler=False, logging_level="INFO")
        finally:
            ticker.stopping.set()
