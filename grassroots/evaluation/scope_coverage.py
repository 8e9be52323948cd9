"""Scope coverage of the evaluation app (see docs/decisions/0002-scope-coverage.md)."""

T = "grassroots.evaluation.tests.test_scope_urls::"
API = "/api/v1/evaluation"

COVERED = {
    "admin/evaluation/evaluation/<int:pk>/indicator/<int:indicator_id>/": T
    + "test_console_drill_down_of_a_sibling_evaluation_answers_404",
    "admin/evaluation/evaluation/<int:pk>/enter/<int:indicator_id>/": T
    + "test_console_score_entry_on_a_sibling_evaluation_answers_404",
    "admin/evaluation/evaluation/<int:pk>/step/<str:step>/": T
    + "test_console_evaluation_steps_on_a_sibling_evaluation_answer_404",
    "admin/evaluation/scheme/<int:pk>/do/<str:step>/": T
    + "test_console_scheme_steps_on_a_sibling_scheme_answer_404",
    f"GET {API}/schemes": T + "test_api_scheme_list_and_detail_are_scoped",
    f"GET {API}/schemes/{{scheme_id}}": T + "test_api_scheme_list_and_detail_are_scoped",
    f"GET {API}/schemes/{{scheme_id}}/ranking": T
    + "test_api_ranking_lists_evaluations_in_scope_only",
    f"POST {API}/schemes/{{scheme_id}}/recompute": T
    + "test_api_recompute_of_a_sibling_scheme_answers_404",
    f"GET {API}/evaluations/{{evaluation_id}}": T + "test_api_score_sheet_and_scoring_are_scoped",
    f"POST {API}/evaluations/{{evaluation_id}}/scores": T
    + "test_api_score_sheet_and_scoring_are_scoped",
    f"GET {API}/members/{{member_id}}/archive": T
    + "test_api_member_archive_of_a_sibling_member_answers_404",
}
