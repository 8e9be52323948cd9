"""The `grassroots` command line: hyphenated names, --as, add-staff, worker heartbeat and
periodic jobs that run exactly once per slot."""

from __future__ import annotations

import datetime
import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from grassroots import cli
from grassroots.accounts.models import Role, User
from grassroots.core import periodic
from grassroots.core.management.commands.worker import Ticker
from grassroots.core.models import AuditEvent, Notification, PeriodicJobRun, WorkerHeartbeat

STRONG = "Tall-river-blue-2026"


@pytest.fixture
def stdin(monkeypatch):
    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    return feed


def user_audit(username: str) -> AuditEvent:
    user = User.objects.get(username=username)
    return AuditEvent.objects.get(
        object_type="accounts.user", object_id=str(user.pk), action="create"
    )


# --- cli --------------------------------------------------------------------------------


def test_hyphenated_names_map_to_our_underscored_commands():
    available = {"add_staff", "import_members", "migrate", "send-mail"}
    assert cli.resolve_command("add-staff", available) == "add_staff"
    assert cli.resolve_command("import-members", available) == "import_members"
    assert cli.resolve_command("send-mail", available) == "send-mail"  # exists as typed
    assert cli.resolve_command("no-such", available) == "no-such"  # Django reports it
    assert cli.resolve_command("--help", available) == "--help"


def test_cli_runs_a_hyphenated_command(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["add-staff", "--help"])
    assert exc.value.code == 0
    assert "--unit" in capsys.readouterr().out


# --- add-staff and --as -----------------------------------------------------------------


def test_add_staff_reads_the_password_from_stdin(province, stdin):
    stdin(STRONG + "\n")
    out = io.StringIO()
    call_command("add_staff", "ningxiang", unit="4301", role="unit-staff", stdout=out)
    user = User.objects.get(username="ningxiang")
    assert user.unit == province.city_a and user.role == Role.UNIT_STAFF and user.is_staff
    assert user.check_password(STRONG)
    assert user.groups.filter(name=Role.UNIT_STAFF).exists()
    assert "ningxiang" in out.getvalue()


def test_without_as_the_system_actor_is_recorded(province, stdin):
    stdin(STRONG + "\n")
    call_command("add_staff", "sys-made", unit="4301", role="leader")
    event = user_audit("sys-made")
    assert (event.actor_username, event.actor_id, event.source) == ("system", None, "cli")


def test_as_records_the_acting_user(province, stdin):
    stdin(STRONG + "\n")
    call_command(
        "add_staff", "prov-made", unit="4302", role="branch-officer", acting_username="prov"
    )
    event = user_audit("prov-made")
    assert event.actor_username == "prov" and event.actor_id == province.users["province"].pk
    assert event.source == "cli" and event.actor_unit_code == "43"


def test_as_with_an_unknown_user_exits_with_code_2(province, stdin, capsys, monkeypatch):
    stdin(STRONG + "\n")
    # run_from_argv closes connections when done; the test's transaction must survive it
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(CommandError) as exc:
        call_command("add_staff", "x1", unit="4301", role="leader", acting_username="ghost")
    assert exc.value.returncode == 2
    with pytest.raises(SystemExit) as stop:
        cli.main(["add-staff", "x2", "--unit", "4301", "--role", "leader", "--as", "ghost"])
    assert stop.value.code == 2
    assert "ghost" in capsys.readouterr().err
    assert not User.objects.filter(username__in=["x1", "x2"]).exists()


def test_as_cannot_create_staff_outside_the_actors_scope(province, stdin):
    stdin(STRONG + "\n")
    with pytest.raises(CommandError, match="管理范围"):
        call_command("add_staff", "x3", unit="4302", role="leader", acting_username="city_a")
    assert not User.objects.filter(username="x3").exists()


@pytest.mark.parametrize(
    ("options", "password", "message"),
    [
        ({"unit": "9999", "role": "leader"}, STRONG, "未找到组织代码"),
        ({"unit": "4301", "role": "admin"}, STRONG, "未知角色"),
        ({"unit": "4301", "role": "leader"}, "12345", "未创建账号"),
        ({"unit": "4301", "role": "leader"}, "", "密码不能为空"),
    ],
)
def test_add_staff_refuses_bad_input(province, stdin, options, password, message):
    stdin(password + "\n")
    with pytest.raises(CommandError, match=message):
        call_command("add_staff", "bad", **options)
    assert not User.objects.filter(username="bad").exists()


def test_add_staff_refuses_a_taken_username(province, stdin):
    stdin(STRONG + "\n")
    with pytest.raises(CommandError, match="已存在"):
        call_command("add_staff", "prov", unit="4301", role="leader")


# --- worker: heartbeat and periodic jobs --------------------------------------------------


@pytest.fixture
def counting_job():
    calls: list[int] = []

    @periodic.register("test.count", every=datetime.timedelta(minutes=10))
    def count() -> int:
        calls.append(1)
        return len(calls)

    yield calls
    periodic._registry.pop("test.count", None)


def test_a_slot_is_claimed_once(db, counting_job):
    job = periodic.get("test.count")
    slot = job.slot(timezone.now())
    assert periodic.claim(job, slot, "worker-a") is not None
    assert periodic.claim(job, slot, "worker-b") is None
    assert PeriodicJobRun.objects.filter(job="test.count", slot=slot).count() == 1


def test_two_workers_run_a_job_once_per_slot(db, counting_job):
    now = timezone.now().replace(minute=3, second=0, microsecond=0)
    periodic.run_due("worker-a", now)
    periodic.run_due("worker-b", now + datetime.timedelta(minutes=2))  # same 10-minute slot
    assert len(counting_job) == 1
    run = PeriodicJobRun.objects.get(job="test.count")
    assert run.worker_name == "worker-a" and run.outcome == "ok: 1" and run.finished_at
    periodic.run_due("worker-b", now + datetime.timedelta(minutes=10))  # next slot
    assert len(counting_job) == 2


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(db, counting_job):
    @periodic.register("test.boom", every=datetime.timedelta(minutes=10))
    def boom() -> None:
        raise RuntimeError("disk full")

    try:
        runs = periodic.run_due("worker-a")
    finally:
        periodic._registry.pop("test.boom", None)
    outcomes = {r.job: r.outcome for r in runs}
    assert outcomes["test.boom"] == "error: RuntimeError: disk full"
    assert len(counting_job) == 1


def test_worker_tick_writes_heartbeat_and_runs_jobs(db, counting_job):
    ticker = Ticker("host:1:abc", interval=30)
    ticker.tick()
    beat = WorkerHeartbeat.objects.get(worker_name="host:1:abc")
    first = beat.last_seen
    ticker.tick()
    beat.refresh_from_db()
    assert beat.last_seen >= first and beat.started_at == ticker.started_at
    assert len(counting_job) == 1  # the second tick fell in the same slot
    assert PeriodicJobRun.objects.filter(job="core.prune_task_results").count() == 1


def test_pruning_read_notifications_keeps_recent_and_unread(province):
    user = province.users["province"]
    old = timezone.now() - datetime.timedelta(days=400)
    Notification.objects.create(recipient=user, title="old", read_at=old)
    Notification.objects.create(recipient=user, title="unread")
    Notification.objects.create(recipient=user, title="recent", read_at=timezone.now())
    assert periodic.prune_read_notifications() == 1
    assert set(Notification.objects.values_list("title", flat=True)) == {"unread", "recent"}
