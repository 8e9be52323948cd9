"""Background delivery of a notice (or a reminder round) by e-mail and SMS."""

from __future__ import annotations

from django_tasks import task

from grassroots.core import context
from grassroots.notices import services


@task()
def notice_deliver_task(notice_id: int, reminder_id: int | None = None) -> str:
    with context.acting(None, source="task"):
        sent = services.notice_deliver(notice_id=notice_id, reminder_id=reminder_id)
    return f"email={sent['email']} sms={sent['sms']}"
