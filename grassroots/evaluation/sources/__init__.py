"""Indicator sources: named metrics that compute, in bulk, one value per unit (or member) and period.

An evaluation scheme's computed indicators name a metric (``Indicator.metric``). Recomputing a
scheme asks each metric once for *all* subjects (units or members) with a handful of aggregate
queries, never one query per subject: the scheme must recompute 2,000 units in seconds.

Adding a source (one module per domain it reads)
------------------------------------------------
1. Create ``grassroots/evaluation/sources/<domain>.py``.
2. Write a function ``(ctx: MetricContext) -> dict[int, Decimal]`` answering {subject id: value}
   for ``ctx.subject_ids`` over ``ctx.start``..``ctx.end`` (dates, inclusive). Subjects absent
   from the dict count as 0. Use grouped aggregates (``.values("unit_id").annotate(...)``) and
   ``ctx.memo(key, fn)`` to share one query between several metrics (e.g. counts per kind).
   Import your app's models *inside* the function (or guard with ``app_models_ready``) so that
   this package imports even before your app exists.
3. Optionally write ``records(ctx, subject_id) -> QuerySet`` for the drill-down: the records
   that produced the value (their ``str()`` is listed, with a console link when registered).
4. Register at import time::

       from grassroots.evaluation.sources import Metric, register

       register(Metric(
           name="platforms.proposals_per_member",     # "<domain>.<what>", stable: stored in data
           label=_("人均提交提案数"),
           subject=Subject.UNIT,                      # or Subject.MEMBER
           compute=proposals_per_member,
           records=proposal_records,                  # optional
           params_help=_("可选参数 kind: 提案类型代码"),  # optional: what Indicator.params may hold
       ))

5. Add the module name to ``SOURCE_MODULES`` below (a missing or failing optional module is
   skipped with a log line; its metrics then show as unavailable in the scheme editor).

``Indicator.params`` (a JSON object) reaches the metric as ``ctx.params``, so one metric serves
several indicators (``branches.activity_count`` with ``{"kind": "study"}``).
"""

from __future__ import annotations

import datetime
import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

SOURCE_MODULES = ["branches", "members", "recruitment", "platforms"]


class Subject(models.TextChoices):
    UNIT = "unit", _("组织")
    MEMBER = "member", _("会员")


@dataclass
class MetricContext:
    """What one metric call sees: the subjects, the period and the indicator's params."""

    subject: str
    subject_ids: list[int]
    start: datetime.date
    end: datetime.date
    params: dict[str, Any] = field(default_factory=dict)
    # Shared between every metric of one recompute run (keys must include params they depend on).
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.end.year

    def memo(self, key: Any, fn: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]

    def with_params(self, params: dict[str, Any]) -> MetricContext:
        return MetricContext(
            subject=self.subject,
            subject_ids=self.subject_ids,
            start=self.start,
            end=self.end,
            params=dict(params or {}),
            cache=self.cache,
        )


Compute = Callable[[MetricContext], dict[int, Decimal]]
Records = Callable[[MetricContext, int], Iterable[Any]]


@dataclass(frozen=True)
class Metric:
    name: str
    label: Any
    compute: Compute
    subject: str = Subject.UNIT
    records: Records | None = None
    params_help: Any = ""
    unit_label: Any = ""  # shown after the value ("次", "小时", "%")


_registry: dict[str, Metric] = {}
_loaded = False


def register(metric: Metric) -> Metric:
    _registry[metric.name] = metric
    return metric


def app_models_ready(app_label: str, model_name: str) -> bool:
    """True when ``app_label.model_name`` is installed (an optional source's guard)."""
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True


def load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in SOURCE_MODULES:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                log.warning("indicator source %s skipped: %s", name, exc)
        except Exception:  # an optional source must never break scoring
            log.exception("indicator source %s failed to load", name)


def get(name: str) -> Metric | None:
    load()
    return _registry.get(name)


def all_metrics(subject: str | None = None) -> list[Metric]:
    load()
    return sorted(
        (m for m in _registry.values() if subject is None or m.subject == subject),
        key=lambda m: m.name,
    )


def choices(subject: str | None = None) -> list[tuple[str, str]]:
    return [(m.name, f"{m.label}（{m.name}）") for m in all_metrics(subject)]


def as_decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def ratio(numerators: dict[int, Any], denominators: dict[int, Any]) -> dict[int, Decimal]:
    """{id: n/d} for every id with a positive denominator (rates, per-member figures)."""
    out: dict[int, Decimal] = {}
    for key, d in denominators.items():
        d = as_decimal(d)
        if d > 0:
            out[key] = (as_decimal(numerators.get(key)) / d).quantize(Decimal("0.0001"))
    return out
