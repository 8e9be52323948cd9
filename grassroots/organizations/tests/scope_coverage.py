"""Scope coverage of the unit tree's console pages (see docs/decisions/0002-scope-coverage.md)."""

COVERED = {
    "admin/organizations/unit/tree/": "grassroots.organizations.tests.test_admin::test_tree_is_scoped",
}
UNSCOPED = {
    "organizations.UnitKind": "unit kinds are province-wide reference data",
    "admin/organizations/unit/tree-link/": "a redirect to the tree page; it shows no rows",
}
