"""Scope coverage of the first API routes (see docs/decisions/0002-scope-coverage.md)."""

T = "grassroots.api.tests.test_api::"
P = "grassroots.core.tests.test_scope_property::"

COVERED = {
    "GET /api/v1/units": T + "test_units_list_is_scoped_and_carries_codes",
    "GET /api/v1/units/{code}": T + "test_unit_outside_scope_is_404",
    "GET /api/v1/members": P + "ScopeProperty::test_api_sees_exactly_the_subtree",
    "GET /api/v1/members/{member_id}": T + "test_member_detail_in_and_out_of_scope",
}

UNSCOPED = {
    "POST /api/v1/auth/token": "issues a token for the caller's own credentials",
    "DELETE /api/v1/auth/token": "revokes the caller's own token",
}
