"""Scope coverage of the API routes owned by the api wiring (see
docs/decisions/0002-scope-coverage.md): units, members, planning reports, evaluation results."""

T = "grassroots.api.tests.test_api::"
R = "grassroots.api.tests.test_routes::"
P = "grassroots.core.tests.test_scope_property::"

COVERED = {
    "GET /api/v1/units": T + "test_units_list_is_scoped_and_carries_codes",
    "GET /api/v1/units/{code}": T + "test_unit_outside_scope_is_404",
    "GET /api/v1/members": P + "ScopeProperty::test_api_sees_exactly_the_subtree",
    "GET /api/v1/members/{member_id}": T + "test_member_detail_in_and_out_of_scope",
    "POST /api/v1/members": R + "test_member_create_in_a_sibling_city_is_404",
    "PATCH /api/v1/members/{member_id}": R + "test_member_patch_of_a_sibling_member_is_404",
    "GET /api/v1/planning/annual-report": R + "test_annual_report_is_scoped_and_reconciles",
    "GET /api/v1/planning/annual-report/xlsx": R + "test_annual_report_xlsx_is_audited_and_scoped",
    "GET /api/v1/planning/composition": R + "test_composition_progress_and_quotas_are_scoped",
    "GET /api/v1/planning/progress": R + "test_composition_progress_and_quotas_are_scoped",
    "GET /api/v1/planning/quotas": R + "test_composition_progress_and_quotas_are_scoped",
    "GET /api/v1/evaluation/evaluations": R + "test_evaluation_results_are_scoped_and_filtered",
}

UNSCOPED = {
    "POST /api/v1/auth/token": "issues a token for the caller's own credentials",
    "DELETE /api/v1/auth/token": "revokes the caller's own token",
    "/^api/": "answers the API's JSON 404 for any URL no route matches; reads nothing",
}
