"""Figures persisted unit by unit (``planning.UnitFigures``, docs/decisions/0045): a process
that never counted a figure reads the rows another process (the worker, most often) wrote, a
stale row is recounted for its unit only, and after every kind of write the figures read from
the rows equal fresh counts and the brute-force replay."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from grassroots.members.models import Member
from grassroots.members.services import members_written
from grassroots.members.tests.factories import create_member
from grassroots.planning import history, services, warming
from grassroots.planning.history import UnitTree
from grassroots.planning.models import UnitFigures
from grassroots.planning.selectors import composition_columns
from grassroots.planning.tests.scenario import build_history
from grassroots.planning.tests.test_freshness import (
    NOW,
    PAST,
    _assert_exact,
    _columns,
    _writes,
)


class _Spy:
    """Records the units each ``history._count`` call recounts (None: a whole subtree)."""

    def __init__(self, monkeypatch) -> None:
        self.calls: list[list[int] | None] = []
        real = history._count

        def spy(tree, columns, base, only=None):
            self.calls.append(only)
            return real(tree, columns, base, only)

        monkeypatch.setattr(history, "_count", spy)


@pytest.mark.django_db(transaction=True)
def test_figures_read_from_the_rows_equal_fresh_counts_after_every_kind_of_write(province):
    build_history(province)
    cache.clear()
    _assert_exact(province)
    for write in _writes(province):
        write()
        cache.clear()  # every read below is a new process's: from the rows, or recounted
        _assert_exact(province)
        _assert_exact(province)  # …and from this process's cache, filled from the rows


@pytest.mark.django_db(transaction=True)
def test_a_new_process_reads_the_rows_and_counts_nothing(province, monkeypatch):
    build_history(province)
    tree = UnitTree.of(province.province)
    columns = _columns(PAST)
    counted = history.count(tree, columns)
    assert UnitFigures.objects.filter(key=history.figure_key("count", _parts(columns))).count() == (
        len(tree.units)
    )
    cache.clear()
    spy = _Spy(monkeypatch)
    assert history.count(tree, columns) == counted
    # A city's figures are in the rows the province's count left: no subtree is keyed.
    city = UnitTree.of(province.city_a)
    assert history.count(city, columns) == history._count(city, columns, None)
    assert spy.calls == [None]  # only the check above, not the readers


def _parts(columns):
    return ([history._column_key(c) for c in columns], history._sql(None))


@pytest.mark.django_db(transaction=True)
def test_a_stale_row_is_recounted_for_its_unit_only(province, monkeypatch):
    build_history(province)
    tree = UnitTree.of(province.province)
    columns = _columns(NOW)
    history.count(tree, columns)
    create_member(province.branch_b1, join_date=datetime.date(2026, 3, 1))
    cache.clear()
    spy = _Spy(monkeypatch)
    found = history.count(tree, columns)
    assert spy.calls == [[province.branch_b1.pk]]
    assert found == history._count(tree, columns, None)


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_leaves_every_row_stale(province, monkeypatch):
    build_history(province)
    tree = UnitTree.of(province.province)
    columns = _columns(NOW)
    history.count(tree, columns)
    members_written.send(sender=Member, member_ids=None)
    cache.clear()
    spy = _Spy(monkeypatch)
    assert history.count(tree, columns) == history._count(tree, columns, None)
    assert spy.calls[0] is None  # the whole subtree recounted


@pytest.mark.django_db(transaction=True)
def test_the_worker_counts_after_a_write_so_that_readers_count_nothing(province, monkeypatch):
    build_history(province)
    cache.clear()
    today = timezone.localdate()  # the day the worker's task counts for
    services.figures_warm(today=today)
    tree = UnitTree.of(province.city_a)
    columns = composition_columns(today)
    spy = _Spy(monkeypatch)
    with override_settings(GRASSROOTS_FIGURES_WARM_AFTER_WRITES=True):
        cache.clear()
        # The write's bump enqueues the worker's task (run at once by the test backend)…
        create_member(province.branch_a1, join_date=datetime.date(2026, 3, 1))
    warmed = len(spy.calls)
    assert warmed and all(only == [province.branch_a1.pk] for only in spy.calls)
    cache.clear()  # …and a new process's reader then finds every row current
    assert history.count(tree, columns) == history._count(tree, columns, None)
    assert len(spy.calls) == warmed + 1  # only the check


@pytest.mark.django_db
def test_the_planning_warmers_and_the_periodic_job_are_registered():
    from grassroots.core import periodic

    periodic.autodiscover()
    names = [name for name, _warm in warming.warmers()]
    assert "planning.annual_report" in names and "planning.composition" in names
    assert "dashboard" in names  # registered by the console home, above planning
    assert periodic.get("planning.warm_figures").interval == datetime.timedelta(minutes=5)


@pytest.mark.django_db
def test_prune_drops_only_rows_not_counted_for_a_month():
    old = UnitFigures.objects.create(key="a" * 40, unit_id=1, epoch=0, version=0, values={})
    UnitFigures.objects.filter(pk=old.pk).update(
        counted_at=timezone.now() - datetime.timedelta(days=31)
    )
    UnitFigures.objects.create(key="b" * 40, unit_id=1, epoch=0, version=0, values=None)
    assert services.figures_prune() == 1
    assert list(UnitFigures.objects.values_list("key", flat=True)) == ["b" * 40]
