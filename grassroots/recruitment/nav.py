"""Console navigation for recruitment; the inbox item shows how many applications wait."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import cached_badge, link


@cached_badge
def inbox_badge(request) -> str:
    """The sidebar count of applications waiting for this user's action ("" hides the badge)."""
    from grassroots.recruitment.selectors import inbox_count

    n = inbox_count(request.user)
    return str(n) if n else ""


_inbox = link(_("我的待办"), "inbox", "admin:recruitment_application_inbox")
_inbox["badge"] = "grassroots.recruitment.nav.inbox_badge"

SECTIONS = [
    {
        "title": _("组织发展"),
        "order": 30,
        "items": [
            _inbox,
            link(_("入会申请"), "how_to_reg", "admin:recruitment_application_changelist"),
            link(_("后备人选"), "person_search", "admin:recruitment_prospect_changelist"),
            link(_("优才工程"), "star", "admin:recruitment_talentprogramme_changelist"),
            link(_("备案批次"), "inventory_2", "admin:recruitment_filingbatch_changelist"),
            link(_("入会条件"), "rule", "admin:recruitment_admissionrule_changelist"),
            link(_("办理环节"), "route", "admin:recruitment_stage_changelist"),
        ],
    },
]
