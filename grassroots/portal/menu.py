"""The portal's own menu entries (other apps add theirs in their portal.py)."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.portal import PortalEntry
from grassroots.portal.views.member import pending_introductions

MENU: list[PortalEntry] = [
    PortalEntry(_("活动报名"), "portal-activities", "event_available", order=20, bottom=True),
    PortalEntry(_("提案信息"), "portal-submissions", "edit_note", order=30, bottom=True),
    PortalEntry(_("我的支部"), "portal-branch", "groups", order=40),
    PortalEntry(_("培训学时"), "portal-training", "school", order=50),
    PortalEntry(_("履职档案"), "portal-archive", "workspace_premium", order=60),
    PortalEntry(
        _("介绍人确认"), "portal-introductions", "handshake", badge=pending_introductions, order=70
    ),
    PortalEntry(_("我的资料"), "portal-profile", "person", order=90, bottom=True),
    PortalEntry(_("支部会员"), "portal-officer-members", "badge", order=110, officer_only=True),
    PortalEntry(
        _("活动登记"), "portal-officer-activities", "edit_calendar", order=120, officer_only=True
    ),
    PortalEntry(
        _("推荐人选"), "portal-officer-prospects", "person_add", order=130, officer_only=True
    ),
    PortalEntry(
        _("入会申请"), "portal-officer-applications", "assignment", order=140, officer_only=True
    ),
    PortalEntry(_("五化概况"), "portal-officer-five", "insights", order=150, officer_only=True),
]
