"""The notice pages of the member portal, mounted at /m/notices/ (see core/portal.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _

from grassroots.core.portal import PortalEntry
from grassroots.notices import selectors, views

PREFIX = "notices"

urlpatterns = [
    path("", views.notice_list, name="portal-notices"),
    path("<int:notice_id>/", views.notice_detail, name="portal-notice"),
    path("files/<int:attachment_id>/", views.attachment_download, name="portal-notice-file"),
    path("groups/", views.groups, name="portal-groups"),
    path("groups/<int:group_id>/qr/", views.group_qr, name="portal-group-qr"),
]


def unread_badge(request: HttpRequest) -> int | None:
    return selectors.unread_count(getattr(request, "member", None)) or None


MENU = [
    PortalEntry(
        label=_("通知"),
        url_name="portal-notices",
        icon="campaign",
        badge=unread_badge,
        order=10,
        bottom=True,
    ),
    PortalEntry(label=_("群组"), url_name="portal-groups", icon="forum", order=45),
]
