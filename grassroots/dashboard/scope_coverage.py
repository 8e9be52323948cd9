"""Scope coverage of the console home (see docs/decisions/0002-scope-coverage.md)."""

COVERED = {
    "admin:index": (
        "grassroots.dashboard.tests.test_dashboard::"
        "test_home_page_renders_with_links_and_local_chart_assets"
    ),
}
