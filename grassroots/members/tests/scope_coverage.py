"""Scope coverage of the member console (see docs/decisions/0002-scope-coverage.md)."""

COVERED = {
    "admin/members/member/export-xlsx/": (
        "grassroots.members.tests.test_admin::test_export_button_leads_to_a_scoped_export_of_the_list"
    ),
    "admin/members/member/arrival/": (
        "grassroots.members.tests.test_admin::test_arrival_offers_and_accepts_only_units_in_scope"
    ),
    "admin/members/member/<path:object_id>/tab/<slug:key>/": (
        "grassroots.members.tests.test_admin::test_member_tabs_keep_scope_and_permissions"
    ),
}
UNSCOPED = {
    label: "a province-wide reference list"
    for label in (
        "members.Sector",
        "members.Education",
        "members.Title",
        "members.Ethnicity",
        "members.ArrangementKind",
        "members.ArrangementLevel",
        "members.TalentKind",
    )
}
