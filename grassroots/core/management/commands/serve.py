"""`grassroots serve`: gunicorn (static files through whitenoise) and one task worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _("启动网站（gunicorn）和一个后台任务进程；Ctrl-C 同时停止两者")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help=_("gunicorn 进程数"))
        parser.add_argument("--no-worker", action="store_true", help=_("不启动后台任务进程"))

    def handle(self, *args: Any, **options: Any) -> None:
        if not os.path.isdir(settings.STATIC_ROOT):
            self.stdout.write(_("首次运行：收集静态文件…"))
            call_command("collectstatic", interactive=False, verbosity=0)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "grassroots.config.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        children = {"web": subprocess.Popen(web, env=env)}
        if not options["no_worker"]:
            worker = [sys.executable, "-m", "grassroots.cli", "worker", "-v", "0"]
            children["worker"] = subprocess.Popen(worker, env=env)
        self.stdout.write(
            _("网站：http://%(host)s:%(port)s/admin/ （Ctrl-C 停止）")
            % {"host": options["host"], "port": options["port"]}
        )
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        failed = ""
        while not stopping and not failed:
            for label, proc in children.items():
                if proc.poll() is not None:
                    failed = label
            time.sleep(0.5)
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in children.values():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if failed and not stopping:
            raise CommandError(
                _("%(label)s 进程意外退出（退出码 %(rc)s），已停止全部进程")
                % {"label": failed, "rc": children[failed].returncode}
            )
