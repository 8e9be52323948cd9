"""Console navigation for roster import and export."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import link

SECTIONS = [
    {
        "title": _("导入导出"),
        "order": 25,
        "items": [
            link(_("导入会员"), "upload_file", "admin:transfer_import_upload"),
            link(_("导入记录"), "history", "admin:transfer_importjob_changelist"),
            link(_("导出会员"), "download", "admin:transfer_export"),
            link(_("打印花名册"), "print", "admin:transfer_roster"),
            link(_("导入模板"), "description", "admin:transfer_template"),
        ],
    },
]
