"""Console navigation for the five-izations records."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import link

SECTIONS = [
    {
        "title": _("基层组织建设"),
        "order": 40,
        "items": [
            link(_("五化一览"), "dashboard", "admin:branches_branch_changelist"),
            link(_("活动"), "event", "admin:branches_activity_changelist"),
            link(_("出席记录"), "how_to_reg", "admin:branches_attendance_changelist"),
            link(_("报名与签到"), "qr_code_2", "admin:branches_activityopening_changelist"),
            link(_("培训班"), "school", "admin:branches_trainingcourse_changelist"),
            link(_("培训学时"), "timer", "admin:branches_trainingcourse_hours"),
            link(_("走访座谈"), "forum", "admin:branches_visit_changelist"),
            link(_("跟进事项"), "task_alt", "admin:branches_followup_changelist"),
            link(_("经费"), "payments", "admin:branches_funding_changelist"),
            link(_("活动场地"), "meeting_room", "admin:branches_venue_changelist"),
            link(_("履职平台"), "hub", "admin:branches_platformactivity_changelist"),
            link(_("活动频次要求"), "event_repeat", "admin:branches_cadence_changelist"),
            link(_("未按频次开展"), "warning", "admin:branches_branch_cadence"),
            link(_("活动类型"), "category", "admin:branches_activitykind_changelist"),
        ],
    },
]
