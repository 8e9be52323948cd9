"""Scope coverage of the recruitment app (see docs/decisions/0002-scope-coverage.md)."""

from typing import Any

S = "grassroots.recruitment.tests.test_scope::"

COVERED = {
    "admin/recruitment/application/inbox/": S + "test_console_inbox_is_scoped",
    "admin/recruitment/application/filing/": S
    + "test_console_filing_page_ignores_applications_out_of_scope",
    "admin/recruitment/application/<int:pk>/pdf/<slug:kind>/": S
    + "test_console_pdfs_of_a_sibling_application_answer_404",
    "admin/recruitment/filingbatch/<int:pk>/package.<slug:fmt>": S
    + "test_console_filing_package_of_an_invisible_batch_answers_404",
    "GET /api/v1/applications": S + "test_api_list_and_detail_are_scoped",
    "GET /api/v1/applications/{pk}": S + "test_api_list_and_detail_are_scoped",
    "POST /api/v1/applications": S + "test_api_create_in_a_sibling_branch_answers_404",
    "POST /api/v1/applications/{pk}/advance": S
    + "test_api_actions_on_a_sibling_application_answer_404",
    "POST /api/v1/applications/{pk}/return": S
    + "test_api_actions_on_a_sibling_application_answer_404",
    "POST /api/v1/applications/{pk}/reject": S
    + "test_api_actions_on_a_sibling_application_answer_404",
    "POST /api/v1/applications/{pk}/withdraw": S
    + "test_api_actions_on_a_sibling_application_answer_404",
    "POST /api/v1/applications/{pk}/introducers": S
    + "test_api_introducers_on_a_sibling_application_answer_404",
    "POST /api/v1/applications/{pk}/introducers/{introducer_id}/confirm": S
    + "test_api_introducers_on_a_sibling_application_answer_404",
}

UNSCOPED = {
    "recruitment.Stage": "the procedure's stages are the association's preset (reference data); "
    "only provincial staff may edit them",
    "recruitment.AdmissionRule": "admission conditions are the association's preset (reference "
    "data); only provincial staff may edit them",
    "GET /api/v1/applications/introducer-lookup": "deliberately province-wide (issue 4: an "
    "introducer may sit outside the staff's scope); answers name, unit and member number only "
    "(test_scope::test_introducer_lookup_is_province_wide_but_shows_three_fields_only)",
}


def _application(unit: Any) -> Any:
    from grassroots.recruitment.models import Application, Stage

    return Application.objects.create(
        unit=unit, stage=Stage.objects.order_by("order")[0], name="范围测试"
    )


FACTORIES = {"recruitment.Application": _application}
