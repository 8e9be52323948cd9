"""Scope coverage of the planning console pages (see docs/decisions/0002-scope-coverage.md)."""

_T = "grassroots.planning.tests.test_admin::"

COVERED = {
    "admin/planning/plan/composition/": _T
    + "test_analysis_pages_render_and_answer_404_out_of_scope",
    "admin/planning/plan/progress/": _T + "test_analysis_pages_render_and_answer_404_out_of_scope",
    "admin/planning/plan/annual-report/": _T
    + "test_annual_report_page_of_a_sibling_city_answers_404",
}
