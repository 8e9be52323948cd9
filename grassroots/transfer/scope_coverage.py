"""Scope coverage of the roster console (see docs/decisions/0002-scope-coverage.md)."""

_T = "grassroots.transfer.tests.test_scope_urls::"

COVERED = {
    "admin/transfer/importjob/upload/": _T + "test_upload_refuses_a_unit_outside_scope",
    "admin/transfer/importjob/export/": _T + "test_console_export_contains_only_members_in_scope",
    "admin/transfer/importjob/roster/": _T + "test_roster_of_a_sibling_unit_is_not_produced",
}
UNSCOPED = {
    "admin/transfer/importjob/template/": "a blank import template: headers and reference lists only",
}
