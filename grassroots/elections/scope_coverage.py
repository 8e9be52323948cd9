"""Scope coverage of the elections app (see docs/decisions/0002-scope-coverage.md)."""

from __future__ import annotations

import datetime
from typing import Any

T = "grassroots.elections.tests.test_scope::"
API = "/api/v1/elections"
ACTIONS = T + "test_api_actions_outside_scope_answer_404"

COVERED = {
    "admin/elections/term/due/": T + "test_console_due_page_and_export_are_scoped",
    "admin/elections/election/todo/": T + "test_console_todo_and_pdfs_are_scoped",
    "admin/elections/election/<int:pk>/pdf/<slug:kind>/": T
    + "test_console_todo_and_pdfs_are_scoped",
    f"GET {API}": T + "test_api_list_and_detail_are_scoped",
    f"GET {API}/{{pk}}": T + "test_api_list_and_detail_are_scoped",
    f"POST {API}": T + "test_api_procedure_with_server_set_status",
    f"GET {API}/terms": T + "test_api_terms_and_due_are_scoped",
    f"GET {API}/terms/due": T + "test_api_terms_and_due_are_scoped",
    f"POST {API}/{{pk}}/approve": ACTIONS,
    f"POST {API}/{{pk}}/reject": ACTIONS,
    f"POST {API}/{{pk}}/meeting": ACTIONS,
    f"POST {API}/{{pk}}/install": ACTIONS,
    f"POST {API}/{{pk}}/file": ACTIONS,
}


def _election(unit: Any) -> Any:
    from grassroots.elections.models import Election

    return Election.objects.create(
        unit=unit, term_number=1, request_date=datetime.date(2026, 1, 10), proposed_seats=3
    )


def _term(unit: Any) -> Any:
    from grassroots.elections.models import Term

    return Term.objects.create(
        unit=unit,
        number=1,
        start_date=datetime.date(2021, 1, 1),
        planned_end=datetime.date(2026, 1, 1),
    )


FACTORIES = {"elections.Election": _election, "elections.Term": _term}
