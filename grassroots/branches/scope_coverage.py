"""Scope coverage of the branches app (see docs/decisions/0002-scope-coverage.md)."""

from __future__ import annotations

import datetime
from typing import Any

T = "grassroots.branches.tests.test_scope_urls::"
API = "/api/v1/branches"

COVERED = {
    "admin/branches/branch/cadence/": T + "test_console_cadence_page_and_export_are_scoped",
    "admin/branches/trainingcourse/hours/": T
    + "test_console_training_hours_page_and_export_are_scoped",
    f"GET {API}/activities": T + "test_activity_list_and_detail_are_scoped",
    f"GET {API}/activities/{{activity_id}}": T + "test_activity_list_and_detail_are_scoped",
    f"POST {API}/activities": T + "test_activity_create_refuses_a_lead_unit_outside_scope",
    f"GET {API}/activities/{{activity_id}}/attendance": T
    + "test_attendance_list_and_record_are_scoped",
    f"POST {API}/activities/{{activity_id}}/attendance": T
    + "test_attendance_list_and_record_are_scoped",
    f"GET {API}/units/{{unit_id}}/five-izations": T
    + "test_five_izations_panel_of_a_sibling_unit_answers_404",
    f"GET {API}/behind-cadence": T + "test_behind_cadence_api_lists_units_in_scope_only",
}

UNSCOPED = {
    "branches.ActivityKind": "activity kinds are province-wide reference data (the preset's "
    "list of kinds); they name no unit and hold no member data",
}


def _activity(unit: Any) -> Any:
    """An activity led by the unit: its host row is what puts it in the unit's scope."""
    from grassroots.branches.tests.factories import make_activity

    return make_activity(unit, datetime.date(2026, 3, 1), topic="范围测试活动")


def _opening(unit: Any) -> Any:
    """An activity led by the unit, opened to members for sign-up and check-in."""
    from grassroots.branches.signups import opening_set

    return opening_set(activity=_activity(unit))


FACTORIES = {"branches.Activity": _activity, "branches.ActivityOpening": _opening}
