"""Scope coverage of the accounts console (see docs/decisions/0002-scope-coverage.md)."""

S = "grassroots.accounts.tests.test_security::"

COVERED = {
    "accounts.ApiToken": "grassroots.accounts.tests.test_admin::test_tokens_are_scoped_by_their_user",
    # One's own token, or (with the right to manage tokens) one in scope; anything else 404.
    "admin/accounts/user/me/tokens/<int:pk>/revoke/": S + "test_token_revoke_is_scoped",
}

UNSCOPED = {
    "admin/accounts/user/me/security/": "the signed-in person's own two-factor, tokens, sessions",
    "admin/accounts/user/me/tokens/new/": "creates a token for the signed-in person only",
    "admin/accounts/user/me/sign-out/": "ends the signed-in person's own sessions",
    "admin/accounts/user/me/two-factor/setup/": "enrols the signed-in person's own device",
    "admin/accounts/user/me/two-factor/verify/": "checks the signed-in person's own code",
}
