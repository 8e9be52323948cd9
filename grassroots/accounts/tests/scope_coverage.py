"""Scope coverage of the accounts console (see docs/decisions/0002-scope-coverage.md)."""

COVERED = {
    "accounts.ApiToken": "grassroots.accounts.tests.test_admin::test_tokens_are_scoped_by_their_user",
}
