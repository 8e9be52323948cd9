"""Scope coverage of the notices app (see docs/decisions/0002-scope-coverage.md).

Notices, member tags and groups have ScopedModelAdmins and are exercised generically (their
detail actions take only the object id). The member portal pages decide from the signed-in
member, not from staff scope; their tests prove another member's objects answer 404.
"""

from __future__ import annotations

ADMIN = "grassroots.notices.tests.test_admin::"
API_T = "grassroots.notices.tests.test_api::"
PORTAL = "grassroots.notices.tests.test_portal::"
API = "/api/v1/notices"

COVERED = {
    "admin/notices/unitgroup/contacts/": ADMIN
    + "test_contacts_export_xlsx_and_vcard_scoped_and_audited",
    f"GET {API}": API_T + "test_list_and_detail_are_scoped",
    f"GET {API}/{{notice_id}}": API_T + "test_list_and_detail_are_scoped",
    f"GET {API}/{{notice_id}}/read-rate": API_T + "test_read_rate_is_scoped",
    "/m/notices/": PORTAL + "test_list_shows_unread_first_with_badge",
    "/m/notices/<int:notice_id>/": PORTAL + "test_opening_marks_read_once_and_others_get_404",
    "/m/notices/files/<int:attachment_id>/": PORTAL + "test_attachment_only_for_recipients",
    "/m/notices/groups/": PORTAL + "test_groups_of_my_unit_and_above_only",
    "/m/notices/groups/<int:group_id>/qr/": PORTAL + "test_groups_of_my_unit_and_above_only",
}

UNSCOPED: dict[str, str] = {}

FACTORIES: dict = {}
