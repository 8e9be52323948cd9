"""Scope coverage of the figures app (see docs/decisions/0002-scope-coverage.md)."""

from __future__ import annotations

from typing import Any

T = "grassroots.figures.tests.test_scope::"
API = "/api/v1/figures"
ROUNDS = T + "test_api_rounds_and_nominations_are_scoped"

COVERED = {
    "admin/figures/figure/stats/": T + "test_console_stats_page_and_export_are_scoped",
    f"GET {API}": T + "test_api_figures_list_detail_and_writes_are_scoped",
    f"GET {API}/{{pk}}": T + "test_api_figures_list_detail_and_writes_are_scoped",
    f"POST {API}": T + "test_api_figures_list_detail_and_writes_are_scoped",
    f"POST {API}/{{pk}}/assessments": T + "test_api_figures_list_detail_and_writes_are_scoped",
    f"GET {API}/stats": T + "test_api_stats_are_scoped",
    f"GET {API}/rounds": ROUNDS,
    f"GET {API}/rounds/{{pk}}": ROUNDS,
    f"POST {API}/rounds": ROUNDS,
    f"POST {API}/rounds/{{pk}}/close": ROUNDS,
    f"POST {API}/rounds/{{pk}}/nominations": ROUNDS,
    f"POST {API}/nominations/{{pk}}/review": ROUNDS,
    f"POST {API}/nominations/{{pk}}/outcome": ROUNDS,
}


def _member(unit: Any) -> Any:
    from grassroots.members.tests.factories import create_member

    return create_member(unit)


def _figure(unit: Any) -> Any:
    from grassroots.figures.models import Figure

    return Figure.objects.create(member=_member(unit), category="representative")


def _round(unit: Any) -> Any:
    import datetime

    from grassroots.figures.models import Round
    from grassroots.members.models import ArrangementKind, ArrangementLevel

    return Round.objects.create(
        unit=unit,
        kind=ArrangementKind.objects.get(code="cppcc-member"),
        level=ArrangementLevel.objects.get(code="city"),
        body="市政协",
        term_number=1,
        opens_on=datetime.date(2026, 1, 1),
        closes_on=datetime.date(2026, 2, 1),
    )


def _nomination(unit: Any) -> Any:
    from grassroots.figures.models import Nomination

    return Nomination.objects.create(
        round=_round(unit), member=_member(unit), proposed_by=unit, at_unit=unit
    )


FACTORIES = {
    "figures.Figure": _figure,
    "figures.Round": _round,
    "figures.Nomination": _nomination,
}
