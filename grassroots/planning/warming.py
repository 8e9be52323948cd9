"""Figures the worker counts ahead of readers, so that no reader pays a subtree-wide scan.

A warmer takes today's date and reads figures the way their pages do; every figure it reads
is left in ``UnitFigures`` at the units' current versions (``planning.history``), where any
process then finds it. Planning registers the annual report's and the compositions' figures
here; an app above planning registers its own (the console home) with ``register``, so that
planning never imports it. ``services.figures_warm`` runs them all (the worker's task after
writes and rebuilds, and a periodic job).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from grassroots.organizations.models import Unit
from grassroots.planning import history
from grassroots.planning.history import UnitTree

Warmer = Callable[[datetime.date], object]
_warmers: dict[str, Warmer] = {}

# The compositions' trend, the reports and the plans read year-ends of the last five years.
YEARS_BACK = 5


def register(name: str) -> Callable[[Warmer], Warmer]:
    """Decorator: ``@warming.register("dashboard")`` on a function of today's date."""

    def decorate(func: Warmer) -> Warmer:
        _warmers[name] = func
        return func

    return decorate


def warmers() -> list[tuple[str, Warmer]]:
    return sorted(_warmers.items())


def roots() -> list[Unit]:
    return list(Unit.objects.filter(parent__isnull=True).order_by("path"))


def leading_units() -> list[Unit]:
    """The province and the units directly under it: whose home pages are read most."""
    tops = roots()
    return tops + list(Unit.objects.filter(parent__in=tops).order_by("path"))


@register("planning.annual_report")
def _annual_reports(today: datetime.date) -> None:
    from grassroots.planning.report import report_figures

    for root in roots():
        for year in (today.year - 1, today.year):
            report_figures(UnitTree.of(root), year)


@register("planning.composition")
def _compositions(today: datetime.date) -> None:
    from grassroots.planning.selectors import as_of_for_year, composition_columns

    days = [today] + [as_of_for_year(today.year - n, today) for n in range(1, YEARS_BACK + 1)]
    for root in roots():
        tree = UnitTree.of(root)
        for day in days:
            # A unit's own figures are the same whichever subtree asks: counting the
            # province's leaves every city's composition of that day in the table too.
            history.count(tree, composition_columns(day))
