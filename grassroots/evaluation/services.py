"""Evaluation writes: schemes and indicator trees, recomputing from the records, the three steps.

Scoring: a computed leaf scores ``weight × min(value / target, 1)``; an entered leaf scores what
the reviewer entered (the self-assessed score until then); a group scores
``weight × Σ children's scores / Σ children's weights``; the total is the sum of the top level.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import audit
from grassroots.core.context import actor_name as _actor_name
from grassroots.core.models import AuditEvent
from grassroots.core.scope import unit_in_scope, user_scope_path
from grassroots.evaluation import bulk, sources
from grassroots.evaluation.models import Evaluation, GradeBand, Indicator, Scheme, Score
from grassroots.evaluation.sources import MetricContext, Subject
from grassroots.members.models import Member, MemberStatus
from grassroots.organizations.models import Unit

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
DEFAULT_BANDS = [
    ("优秀", Decimal(90)),
    ("良好", Decimal(80)),
    ("合格", Decimal(60)),
    ("不合格", ZERO),
]
EVIDENCE_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx"}
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _check_manages(unit: Unit, actor: Any) -> None:
    """The actor's scope holds the unit (the system actor, None, always passes)."""
    if actor is None:
        return
    if not unit_in_scope(unit, actor) or getattr(actor, "is_read_only", False):
        raise PermissionDenied(_("该组织不在您的管理范围内"))


def _check_above(unit: Unit, actor: Any) -> None:
    """Reviewing needs a scope strictly above the evaluated unit (the level above, or higher)."""
    if actor is None:
        return
    if (
        not unit_in_scope(unit, actor)
        or unit.path == user_scope_path(actor)
        or getattr(actor, "is_read_only", False)
    ):
        raise PermissionDenied(_("只有上级组织可以评审%(unit)s") % {"unit": unit.name})


# --- schemes ---------------------------------------------------------------------------------


@transaction.atomic
def scheme_create(
    *,
    unit: Unit,
    name: str,
    year: int,
    subject: str = Subject.UNIT,
    subject_level: int = 4,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    bands: list[tuple[str, Decimal]] | None = None,
    actor: Any = None,
) -> Scheme:
    _check_manages(unit, actor)
    default_start, default_end = Scheme.default_period(year)
    start, end = period_start or default_start, period_end or default_end
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("请填写方案名称")
    if subject not in Subject.values:
        errors["subject"] = _("考核对象无效")
    if end < start:
        errors["period_end"] = _("考核期结束不能早于开始")
    if errors:
        raise ValidationError(errors)
    scheme = Scheme.objects.create(
        unit=unit,
        name=name.strip(),
        year=year,
        subject=subject,
        subject_level=subject_level,
        period_start=start,
        period_end=end,
    )
    for band_name, minimum in bands if bands is not None else DEFAULT_BANDS:
        GradeBand.objects.create(scheme=scheme, name=band_name, min_score=minimum)
    return scheme


def _check_draft(scheme: Scheme) -> None:
    if scheme.status != Scheme.Status.DRAFT:
        raise ValidationError(_("方案已启用，指标体系不能再修改；如需调整请复制为新方案"))


@transaction.atomic
def indicator_add(
    *,
    scheme: Scheme,
    code: str,
    name: str,
    weight: Decimal,
    method: str,
    parent: Indicator | None = None,
    metric: str = "",
    params: dict | None = None,
    target: Decimal | None = None,
    guidance: str = "",
    order: int = 0,
    actor: Any = None,
) -> Indicator:
    _check_manages(scheme.unit, actor)
    _check_draft(scheme)
    indicator = Indicator(
        scheme=scheme,
        parent=parent,
        code=code.strip(),
        name=name.strip(),
        weight=weight,
        method=method,
        metric=metric,
        params=params or {},
        target=target,
        guidance=guidance,
        order=order,
    )
    indicator_validate(indicator)
    indicator.save()
    return indicator


def indicator_validate(indicator: Indicator) -> None:
    errors: dict[str, str] = {}
    where = indicator.code or indicator.name
    if not indicator.code:
        errors["code"] = _("请填写指标编号")
    if indicator.weight is None or indicator.weight < 0:
        errors["weight"] = _("指标%(i)s的分值不能为负数") % {"i": where}
    if indicator.method not in Indicator.Method.values:
        errors["method"] = _("指标%(i)s的评分方式无效") % {"i": where}
    if indicator.parent_id and indicator.parent.method != Indicator.Method.GROUP:  # type: ignore[union-attr]
        errors["parent"] = _("上级指标须为“分组”")
    if indicator.parent_id and indicator.parent.scheme_id != indicator.scheme_id:  # type: ignore[union-attr]
        errors["parent"] = _("上级指标须属于同一方案")
    if indicator.method == Indicator.Method.COMPUTED:
        metric = sources.get(indicator.metric)
        if metric is None:
            errors["metric"] = _("指标%(i)s的数据指标“%(m)s”不存在") % {
                "i": where,
                "m": indicator.metric,
            }
        elif metric.subject != indicator.scheme.subject:
            errors["metric"] = _("指标%(i)s的数据指标与方案的考核对象不一致") % {"i": where}
        if indicator.target is None or indicator.target <= 0:
            errors["target"] = _("指标%(i)s须填写大于0的目标值") % {"i": where}
    if not isinstance(indicator.params, dict):
        errors["params"] = _("参数须为JSON对象")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def indicator_update(*, indicator: Indicator, data: dict[str, Any], actor: Any = None) -> Indicator:
    """Change an indicator; the weight may change while the scheme is open (then recompute)."""
    _check_manages(indicator.scheme.unit, actor)
    if set(data) - {"weight"}:
        _check_draft(indicator.scheme)
    if indicator.scheme.status == Scheme.Status.PUBLISHED:
        raise ValidationError(_("结果已公布，不能修改指标"))
    for key, value in data.items():
        setattr(indicator, key, value)
    indicator_validate(indicator)
    indicator.save()
    return indicator


@transaction.atomic
def band_set(*, scheme: Scheme, bands: list[tuple[str, Decimal]], actor: Any = None) -> None:
    _check_manages(scheme.unit, actor)
    names = [n for n, _m in bands]
    if len(set(names)) != len(names) or not bands:
        raise ValidationError({"bands": _("等次名称不能重复，且至少设一个等次")})
    scheme.bands.all().delete()
    for name, minimum in bands:
        GradeBand.objects.create(scheme=scheme, name=name, min_score=minimum)


@transaction.atomic
def scheme_open(*, scheme: Scheme, actor: Any = None) -> Scheme:
    """Draft → self-assessment: the tree must be complete and valid."""
    _check_manages(scheme.unit, actor)
    if scheme.status != Scheme.Status.DRAFT:
        raise ValidationError(_("方案不是草稿状态"))
    indicators = list(scheme.indicators.select_related("parent"))
    if not indicators:
        raise ValidationError(_("方案还没有指标"))
    for indicator in indicators:
        indicator_validate(indicator)
        if indicator.method == Indicator.Method.GROUP and not any(
            i.parent_id == indicator.pk for i in indicators
        ):
            raise ValidationError(_("分组指标%(i)s下没有指标") % {"i": indicator.code})
    if not scheme.bands.exists():
        raise ValidationError(_("请先设置等次"))
    scheme.status = Scheme.Status.SELF
    scheme.save()
    _ensure_evaluations(scheme)
    return scheme


def _same_day(day: datetime.date, year: int) -> datetime.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


@transaction.atomic
def scheme_copy(*, scheme: Scheme, year: int, actor: Any = None) -> Scheme:
    """Next year's draft with the same tree and bands; linked for year-over-year comparison."""
    start = _same_day(scheme.period_start, year)
    end = _same_day(scheme.period_end, year)
    copy = scheme_create(
        unit=scheme.unit,
        name=scheme.name,
        year=year,
        subject=scheme.subject,
        subject_level=scheme.subject_level,
        period_start=start,
        period_end=end,
        bands=[(b.name, b.min_score) for b in scheme.bands.all()],
        actor=actor,
    )
    copy.previous = scheme
    copy.save()
    mapping: dict[int, Indicator] = {}
    pending = list(scheme.indicators.all())
    while pending:
        rest = []
        for old in pending:
            if old.parent_id and old.parent_id not in mapping:
                rest.append(old)
                continue
            mapping[old.pk] = Indicator.objects.create(
                scheme=copy,
                parent=mapping.get(old.parent_id) if old.parent_id else None,
                code=old.code,
                name=old.name,
                weight=old.weight,
                method=old.method,
                metric=old.metric,
                params=old.params,
                target=old.target,
                guidance=old.guidance,
                order=old.order,
            )
        pending = rest
    return copy


def scheme_subjects(scheme: Scheme) -> list[tuple[int, int]]:
    """(subject id, unit id) pairs the scheme evaluates: units of its level, or active members."""
    if scheme.subject == Subject.MEMBER:
        return list(
            Member.objects.filter(
                unit__path__startswith=scheme.unit.path, status=MemberStatus.ACTIVE
            ).values_list("pk", "unit_id")
        )
    return [
        (pk, pk)
        for pk in Unit.objects.filter(
            path__startswith=scheme.unit.path,
            kind__level=scheme.subject_level,
            is_active=True,
        ).values_list("pk", flat=True)
    ]


def _ensure_evaluations(scheme: Scheme) -> dict[int, int]:
    """{subject id: evaluation id}, creating missing evaluations in bulk."""
    key = "member_id" if scheme.subject == Subject.MEMBER else "unit_id"
    existing = dict(
        Evaluation.objects.filter(scheme=scheme).values_list(key, "pk")  # type: ignore[arg-type]
    )
    missing = [
        Evaluation(
            scheme=scheme,
            unit_id=unit_id,
            member_id=subject_id if scheme.subject == Subject.MEMBER else None,
        )
        for subject_id, unit_id in scheme_subjects(scheme)
        if subject_id not in existing
    ]
    if missing:
        with audit.suppressed():
            Evaluation.objects.bulk_create(missing, batch_size=2000)
        existing = dict(
            Evaluation.objects.filter(scheme=scheme).values_list(key, "pk")  # type: ignore[arg-type]
        )
    return existing


# --- recomputing -----------------------------------------------------------------------------


@dataclass
class RecomputeResult:
    subjects: int
    indicators: int
    scores: int
    seconds: float


Progress = Callable[[int, int], None]


def _save_progress(scheme: Scheme, done: int, total: int, state: str, message: str = "") -> None:
    Scheme.objects.filter(pk=scheme.pk).update(
        recompute_done=done, recompute_total=total, recompute_state=state, recompute_message=message
    )


def leaf_ratio(value: Decimal | None, target: Decimal | None) -> Decimal:
    if value is None or value <= 0:
        return ZERO
    if target is None or target <= 0:
        return ONE
    return min(value / target, ONE)


def scheme_recompute(
    *, scheme: Scheme, actor: Any = None, progress: Progress | None = None
) -> RecomputeResult:
    """Recompute every computed indicator for every subject from the records, then the totals.

    Metrics are read outside a transaction so that progress is visible while it runs; the
    scores and totals are written in one transaction at the end.
    """
    began = timezone.now()
    if actor is not None:
        _check_manages(scheme.unit, actor)
    if scheme.status == Scheme.Status.PUBLISHED:
        raise ValidationError(_("结果已公布，不能重新计算"))
    evaluations = _ensure_evaluations(scheme)
    subject_ids = list(evaluations)
    indicators = list(scheme.indicators.all())
    computed = [i for i in indicators if i.method == Indicator.Method.COMPUTED]
    total_steps = len(computed) + 1
    _save_progress(scheme, 0, total_steps, Scheme.RecomputeState.RUNNING)
    ctx = MetricContext(
        subject=scheme.subject,
        subject_ids=subject_ids,
        start=scheme.period_start,
        end=scheme.period_end,
    )
    values: dict[int, dict[int, Decimal]] = {}
    try:
        for step, indicator in enumerate(computed, 1):
            metric = sources.get(indicator.metric)
            if metric is None:
                raise ValidationError(
                    _("指标%(i)s的数据指标“%(m)s”不可用")
                    % {"i": indicator.code, "m": indicator.metric}
                )
            values[indicator.pk] = metric.compute(ctx.with_params(indicator.params))
            _save_progress(scheme, step, total_steps, Scheme.RecomputeState.RUNNING)
            if progress:
                progress(step, total_steps)
        with transaction.atomic():
            rows: list[bulk.ScoreRow] = []
            for indicator in computed:
                per_subject = values[indicator.pk]
                for subject_id, evaluation_id in evaluations.items():
                    value = per_subject.get(subject_id, ZERO)
                    rows.append(
                        (
                            evaluation_id,
                            indicator.pk,
                            value.quantize(Decimal("0.0001")),
                            _q(indicator.weight * leaf_ratio(value, indicator.target)),
                        )
                    )
            bulk.upsert_scores(rows)
            scheme_retotal(scheme=scheme, indicators=indicators)
            audit.record(
                AuditEvent.Action.OTHER,
                instance=scheme,
                operation="scheme_recompute",
                extra={
                    "subjects": len(subject_ids),
                    "indicators": len(computed),
                    "scores": len(rows),
                },
            )
    except Exception as exc:
        _save_progress(scheme, 0, total_steps, Scheme.RecomputeState.FAILED, str(exc)[:300])
        raise
    Scheme.objects.filter(pk=scheme.pk).update(
        recompute_done=total_steps,
        recompute_total=total_steps,
        recompute_state=Scheme.RecomputeState.DONE,
        recompute_message="",
        recomputed_at=timezone.now(),
    )
    if progress:
        progress(total_steps, total_steps)
    return RecomputeResult(
        subjects=len(subject_ids),
        indicators=len(computed),
        scores=len(computed) * len(subject_ids),
        seconds=(timezone.now() - began).total_seconds(),
    )


def tree_scores(
    indicators: list[Indicator], leaf_scores: dict[int, Decimal]
) -> tuple[Decimal, dict[int, Decimal]]:
    """(total, {indicator id: score}) of one subject from its leaf scores."""
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        children[indicator.parent_id].append(indicator)
    scores: dict[int, Decimal] = {}

    def walk(node: Indicator) -> Decimal:
        kids = children.get(node.pk, [])
        if node.method != Indicator.Method.GROUP:
            score = min(leaf_scores.get(node.pk, ZERO), node.weight)
        else:
            weights = sum((k.weight for k in kids), ZERO)
            sub = sum((walk(k) for k in kids), ZERO)
            score = node.weight * sub / weights if weights > 0 else ZERO
        scores[node.pk] = _q(score)
        return score

    total = sum((walk(root) for root in children.get(None, [])), ZERO)
    return _q(total), scores


def grade_for(total: Decimal, bands: list[GradeBand]) -> str:
    for band in sorted(bands, key=lambda b: b.min_score, reverse=True):
        if total >= band.min_score:
            return band.name
    return ""


@transaction.atomic
def scheme_retotal(*, scheme: Scheme, indicators: list[Indicator] | None = None) -> None:
    """Totals, grades and ranks from the stored scores (after a recompute, an entry or review)."""
    indicators = indicators if indicators is not None else list(scheme.indicators.all())
    entered = {i.pk for i in indicators if i.method == Indicator.Method.ENTERED}
    leafs: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for evaluation_id, indicator_id, score, self_score, reviewed in Score.objects.filter(
        evaluation__scheme=scheme
    ).values_list("evaluation_id", "indicator_id", "score", "self_score", "reviewed_score"):
        if indicator_id in entered:
            chosen = reviewed if reviewed is not None else self_score
            leafs[evaluation_id][indicator_id] = chosen if chosen is not None else ZERO
        else:
            leafs[evaluation_id][indicator_id] = score
    bands = list(scheme.bands.all())
    totals = []
    for evaluation_id in Evaluation.objects.filter(scheme=scheme).values_list("pk", flat=True):
        total, _scores = tree_scores(indicators, leafs.get(evaluation_id, {}))
        totals.append((evaluation_id, total))
    totals.sort(key=lambda pair: (-pair[1], pair[0]))
    rows: list[bulk.TotalRow] = []
    rank = 0
    previous: Decimal | None = None
    for position, (evaluation_id, total) in enumerate(totals, 1):
        if total != previous:  # equal totals share a rank (1, 2, 2, 4)
            rank, previous = position, total
        rows.append((evaluation_id, total, grade_for(total, bands), rank, len(totals)))
    bulk.update_totals(rows, timezone.now())


def scheme_recompute_request(*, scheme: Scheme, actor: Any = None) -> None:
    """Queue the recompute as a background task (progress is kept on the scheme)."""
    _check_manages(scheme.unit, actor)
    if scheme.status == Scheme.Status.PUBLISHED:
        raise ValidationError(_("结果已公布，不能重新计算"))
    if scheme.recompute_state in (Scheme.RecomputeState.QUEUED, Scheme.RecomputeState.RUNNING):
        raise ValidationError(_("方案正在计算中，请稍候"))
    _save_progress(scheme, 0, 0, Scheme.RecomputeState.QUEUED)
    from grassroots.evaluation.tasks import recompute_scheme

    actor_id = actor.pk if actor is not None else None
    transaction.on_commit(lambda: recompute_scheme.enqueue(scheme.pk, actor_id))


# --- the three steps -------------------------------------------------------------------------


def _check_upload(upload: UploadedFile) -> None:
    import os

    name = upload.name or ""
    if os.path.splitext(name)[1].lower() not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            {
                "evidence_file": _("佐证材料“%(n)s”的类型不允许，可上传：%(e)s")
                % {"n": name, "e": " ".join(sorted(EVIDENCE_EXTENSIONS))}
            }
        )
    if (upload.size or 0) > MAX_EVIDENCE_BYTES:
        raise ValidationError({"evidence_file": _("佐证材料“%(n)s”超过20MB") % {"n": name}})


@transaction.atomic
def score_enter(
    *,
    evaluation: Evaluation,
    indicator: Indicator,
    score: Decimal,
    evidence: str = "",
    evidence_file: UploadedFile | None = None,
    review: bool = False,
    actor: Any = None,
) -> Score:
    """Enter an evaluator-scored indicator: self-assessment by the unit, or review from above."""
    scheme = evaluation.scheme
    if review:
        _check_above(evaluation.unit, actor)
        if evaluation.step != Evaluation.Step.SUBMITTED:
            raise ValidationError(_("自评提交后才能评审"))
    else:
        _check_manages(evaluation.unit, actor)
        if evaluation.step != Evaluation.Step.SELF:
            raise ValidationError(_("自评已提交，不能再修改"))
    if scheme.status not in (Scheme.Status.SELF, Scheme.Status.REVIEW):
        raise ValidationError(_("方案当前不在自评或评审阶段"))
    if indicator.scheme_id != scheme.pk or indicator.method != Indicator.Method.ENTERED:
        raise ValidationError({"indicator": _("该指标不是评审人员评分的指标")})
    if score is None or score < 0 or score > indicator.weight:
        raise ValidationError(
            {
                "score": _("%(i)s的得分须在0到%(w)s之间")
                % {"i": indicator.name, "w": indicator.weight}
            }
        )
    if not review and not evidence.strip() and evidence_file is None:
        raise ValidationError({"evidence": _("自评须填写佐证说明或上传佐证材料")})
    if evidence_file is not None:
        _check_upload(evidence_file)
    row, _created = Score.objects.get_or_create(evaluation=evaluation, indicator=indicator)
    if review:
        row.reviewed_score = score
    else:
        row.self_score = score
    if evidence:
        row.evidence = evidence
    if evidence_file is not None:
        row.evidence_file = evidence_file
    row.entered_by = _actor_name(actor)
    row.entered_at = timezone.now()
    row.save()
    scheme_retotal(scheme=scheme)
    return row


@transaction.atomic
def evaluation_submit(
    *, evaluation: Evaluation, comment: str = "", actor: Any = None
) -> Evaluation:
    _check_manages(evaluation.unit, actor)
    if evaluation.step != Evaluation.Step.SELF:
        raise ValidationError(_("自评已提交"))
    missing = evaluation.scheme.indicators.filter(method=Indicator.Method.ENTERED).exclude(
        scores__evaluation=evaluation, scores__self_score__isnull=False
    )
    if missing.exists():
        raise ValidationError(
            _("以下指标尚未自评：%(l)s") % {"l": "、".join(str(i) for i in missing)}
        )
    evaluation.step = Evaluation.Step.SUBMITTED
    evaluation.self_comment = comment
    evaluation.submitted_by = _actor_name(actor)
    evaluation.submitted_at = timezone.now()
    evaluation.save()
    return evaluation


@transaction.atomic
def evaluation_review(
    *, evaluation: Evaluation, comment: str = "", actor: Any = None
) -> Evaluation:
    """The level above confirms; entered indicators not re-scored keep the self-assessed score."""
    _check_above(evaluation.unit, actor)
    if evaluation.step != Evaluation.Step.SUBMITTED:
        raise ValidationError(_("只能评审已提交的自评"))
    for row in evaluation.scores.filter(
        indicator__method=Indicator.Method.ENTERED, reviewed_score__isnull=True
    ):
        row.reviewed_score = row.self_score
        row.save()
    evaluation.step = Evaluation.Step.REVIEWED
    evaluation.review_comment = comment
    evaluation.reviewed_by = _actor_name(actor)
    evaluation.reviewed_at = timezone.now()
    evaluation.save()
    if evaluation.scheme.status == Scheme.Status.SELF:
        Scheme.objects.filter(pk=evaluation.scheme_id).update(status=Scheme.Status.REVIEW)
    scheme_retotal(scheme=evaluation.scheme)
    return evaluation


@transaction.atomic
def evaluation_return(*, evaluation: Evaluation, comment: str, actor: Any = None) -> Evaluation:
    """Send a submitted self-assessment back to the unit with the reason."""
    _check_above(evaluation.unit, actor)
    if evaluation.step != Evaluation.Step.SUBMITTED:
        raise ValidationError(_("只能退回已提交的自评"))
    if not comment.strip():
        raise ValidationError({"comment": _("退回须说明理由")})
    evaluation.step = Evaluation.Step.SELF
    evaluation.review_comment = comment
    evaluation.save()
    return evaluation


@transaction.atomic
def scheme_publish(*, scheme: Scheme, actor: Any = None) -> Scheme:
    _check_manages(scheme.unit, actor)
    if scheme.status == Scheme.Status.PUBLISHED:
        raise ValidationError(_("结果已公布"))
    pending = scheme.evaluations.exclude(step=Evaluation.Step.REVIEWED).count()
    if pending:
        raise ValidationError(_("还有%(n)s个对象未完成上级评审，不能公布") % {"n": pending})
    scheme_retotal(scheme=scheme)
    now = timezone.now()
    evaluations = list(scheme.evaluations.all())
    for evaluation in evaluations:
        evaluation.step = Evaluation.Step.PUBLISHED
    with audit.suppressed():
        Evaluation.objects.bulk_update(evaluations, ["step"], batch_size=1000)
    audit.record_bulk(
        "scheme_publish",
        AuditEvent.Action.UPDATE,
        evaluations,
        extra={"scheme": scheme.pk},
        summary_object_type="evaluation.evaluation",
        per_object=False,
    )
    scheme.status = Scheme.Status.PUBLISHED
    scheme.published_at = now
    scheme.save()
    return scheme


def evaluation_subject_id(evaluation: Evaluation) -> int:
    return evaluation.member_id if evaluation.member_id else evaluation.unit_id
