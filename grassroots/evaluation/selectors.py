"""Evaluation reads, scoped to the acting user: rankings, score sheets, drill-down, archives."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from grassroots.evaluation import sources
from grassroots.evaluation.models import Evaluation, Indicator, Scheme, Score
from grassroots.evaluation.services import leaf_ratio, tree_scores
from grassroots.evaluation.sources import MetricContext, Subject
from grassroots.members.models import Member


def schemes_visible(user: Any) -> QuerySet[Scheme]:
    return Scheme.objects.visible_to(user).select_related("unit")  # type: ignore[attr-defined]


def evaluations_visible(user: Any, scheme: Scheme | None = None) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.visible_to(user).select_related("unit", "member", "scheme")  # type: ignore[attr-defined]
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    return qs


@dataclass
class RankedRow:
    evaluation: Evaluation
    peer_rank: int
    peer_count: int
    previous_total: Decimal | None


def ranking(*, scheme: Scheme, user: Any) -> list[RankedRow]:
    """The user's evaluations in the scheme by total, with the rank among peers and last year's
    total (the scheme's ``previous``)."""
    rows = list(evaluations_visible(user, scheme).order_by("-total", "unit__path"))
    # Peers: units under the same parent; for member schemes, members of the same unit.
    peer_key = "unit_id" if scheme.subject == Subject.MEMBER else "unit__parent_id"
    everyone = Evaluation.objects.filter(scheme=scheme).values_list("pk", peer_key, "total")
    by_parent: dict[Any, list[Decimal]] = {}
    parent_of: dict[int, Any] = {}
    for pk, parent_id, total in everyone:
        by_parent.setdefault(parent_id, []).append(total)
        parent_of[pk] = parent_id
    previous: dict[int, Decimal] = {}
    if scheme.previous_id:
        key = "member_id" if scheme.subject == Subject.MEMBER else "unit_id"
        previous = dict(
            Evaluation.objects.filter(scheme_id=scheme.previous_id).values_list(key, "total")  # type: ignore[arg-type]
        )
    out = []
    for e in rows:
        totals = by_parent.get(parent_of.get(e.pk), [])
        out.append(
            RankedRow(
                evaluation=e,
                peer_rank=1 + sum(1 for t in totals if t > e.total),
                peer_count=len(totals),
                previous_total=previous.get(e.member_id or e.unit_id),
            )
        )
    return out


@dataclass
class SheetLine:
    indicator: Indicator
    depth: int
    score: Decimal
    value: Decimal | None
    ratio: Decimal | None
    row: Score | None
    unit_label: str = ""


@dataclass
class ScoreSheet:
    evaluation: Evaluation
    total: Decimal
    lines: list[SheetLine] = field(default_factory=list)

    def radar(self) -> list[tuple[str, Decimal]]:
        """(top-level indicator, share of its weight earned) for the radar chart."""
        return [
            (
                line.indicator.name,
                (line.score / line.indicator.weight) if line.indicator.weight else Decimal(0),
            )
            for line in self.lines
            if line.depth == 0
        ]


def score_sheet(*, evaluation: Evaluation) -> ScoreSheet:
    """Every indicator of the evaluation in tree order with its value and score."""
    indicators = list(evaluation.scheme.indicators.all())
    rows = {s.indicator_id: s for s in evaluation.scores.all()}
    leafs: dict[int, Decimal] = {}
    for indicator in indicators:
        row = rows.get(indicator.pk)
        if row is None:
            continue
        if indicator.method == Indicator.Method.ENTERED:
            chosen = row.reviewed_score if row.reviewed_score is not None else row.self_score
            leafs[indicator.pk] = chosen or Decimal(0)
        else:
            leafs[indicator.pk] = row.score
    total, scores = tree_scores(indicators, leafs)
    children: dict[int | None, list[Indicator]] = {}
    for indicator in indicators:
        children.setdefault(indicator.parent_id, []).append(indicator)
    sheet = ScoreSheet(evaluation=evaluation, total=total)

    def walk(node: Indicator, depth: int) -> None:
        row = rows.get(node.pk)
        value = row.value if row is not None and node.method == Indicator.Method.COMPUTED else None
        metric = sources.get(node.metric) if node.metric else None
        sheet.lines.append(
            SheetLine(
                indicator=node,
                depth=depth,
                score=scores.get(node.pk, Decimal(0)),
                value=value,
                ratio=leaf_ratio(value, node.target) if value is not None else None,
                row=row,
                unit_label=str(metric.unit_label) if metric else "",
            )
        )
        for child in children.get(node.pk, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return sheet


def score_records(*, evaluation: Evaluation, indicator: Indicator, user: Any) -> list[Any]:
    """The records that produced a computed score (the drill-down), inside the user's scope."""
    metric = sources.get(indicator.metric)
    if metric is None or metric.records is None:
        return []
    scheme = evaluation.scheme
    ctx = MetricContext(
        subject=scheme.subject,
        subject_ids=[evaluation.subject_id],
        start=scheme.period_start,
        end=scheme.period_end,
        params=dict(indicator.params or {}),
    )
    records = metric.records(ctx, evaluation.subject_id)
    if isinstance(records, QuerySet) and hasattr(records, "visible_to"):
        records = records.visible_to(user)
    return list(records[:500]) if isinstance(records, QuerySet) else list(records)[:500]


def unit_history(*, unit_id: int, user: Any) -> QuerySet[Evaluation]:
    """Year over year: the unit's evaluations in every scheme the user may see."""
    return (
        evaluations_visible(user)
        .filter(unit_id=unit_id, member__isnull=True)
        .order_by("scheme__year", "scheme__name")
    )


@dataclass
class ArchiveLine:
    label: str
    value: Decimal
    unit_label: str


@dataclass
class MemberArchive:
    member: Member
    year: int
    lines: list[ArchiveLine]
    evaluations: list[Evaluation]
    attendances: list[Any]


def member_archive(*, member: Member, year: int, user: Any) -> MemberArchive:
    """履职档案: every registered per-member metric for the year, plus the member's evaluations.

    New sources (platforms: proposals, information pieces) appear here by registering member
    metrics; nothing in this function names them.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    ctx = MetricContext(subject=Subject.MEMBER, subject_ids=[member.pk], start=start, end=end)
    lines = [
        ArchiveLine(
            label=str(metric.label),
            value=metric.compute(ctx).get(member.pk, Decimal(0)),
            unit_label=str(metric.unit_label),
        )
        for metric in sources.all_metrics(Subject.MEMBER)
    ]
    attendances: list[Any] = []
    metric = sources.get("branches.member_attended")
    if metric is not None and metric.records is not None:
        attendances = list(metric.records(ctx, member.pk))
    evaluations = list(
        evaluations_visible(user).filter(member=member, scheme__year=year).order_by("scheme__name")
    )
    return MemberArchive(
        member=member, year=year, lines=lines, evaluations=evaluations, attendances=attendances
    )
