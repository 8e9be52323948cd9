"""In-app notifications: the small service that later apps use to tell the next person."""

from collections.abc import Iterable

from django.utils import timezone

from grassroots.core.models import Notification


def notification_send(*, recipients: Iterable, title: str, body: str = "", url: str = "") -> int:
    rows = [Notification(recipient=r, title=title, body=body, url=url) for r in recipients]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
