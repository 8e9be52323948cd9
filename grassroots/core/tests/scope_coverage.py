"""Scope coverage of core's console pages (see docs/decisions/0002-scope-coverage.md)."""

COVERED = {
    # Filtered to the requesting user (superusers too); another person's answers 404.
    "core.Notification": (
        "grassroots.core.tests.test_admin::test_notifications_are_ones_own_and_the_bell_counts_unread"
    ),
}
UNSCOPED = {
    "/i18n/": "the language switch stores the user's language preference; it reads no data",
}
