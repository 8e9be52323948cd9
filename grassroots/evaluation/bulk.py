"""Bulk writes of a recompute: one statement per table on PostgreSQL (array parameters), the ORM's
batched bulk operations elsewhere. The ORM path builds SQL expressions per row, which costs
seconds at 60,000 scores; the PostgreSQL path sends four arrays."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection

from grassroots.evaluation.models import Evaluation, Score

ScoreRow = tuple[int, int, Decimal, Decimal]  # evaluation id, indicator id, value, score
TotalRow = tuple[int, Decimal, str, int, int]  # evaluation id, total, grade, rank, peers


def upsert_scores(rows: list[ScoreRow]) -> None:
    """Insert or update (value, score) of computed indicators; entered fields stay untouched."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = Score._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (evaluation_id, indicator_id, value, score, evidence,
                                     evidence_file, entered_by)
                SELECT e, i, v, s, '', '', ''
                FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::numeric[])
                     AS t(e, i, v, s)
                ON CONFLICT (evaluation_id, indicator_id)
                DO UPDATE SET value = EXCLUDED.value, score = EXCLUDED.score
                WHERE {table}.value IS DISTINCT FROM EXCLUDED.value
                   OR {table}.score IS DISTINCT FROM EXCLUDED.score
                """,
                [
                    [r[0] for r in rows],
                    [r[1] for r in rows],
                    [r[2] for r in rows],
                    [r[3] for r in rows],
                ],
            )
        return
    Score.objects.bulk_create(
        [Score(evaluation_id=e, indicator_id=i, value=v, score=s) for e, i, v, s in rows],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["evaluation", "indicator"],
        update_fields=["value", "score"],
    )


def update_totals(rows: list[TotalRow], when: datetime.datetime) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = Evaluation._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {table} AS ev
                SET total = t.total, grade = t.grade, rank = t.rank, peers = t.peers,
                    computed_at = %s
                FROM unnest(%s::bigint[], %s::numeric[], %s::varchar[], %s::int[], %s::int[])
                     AS t(id, total, grade, rank, peers)
                WHERE ev.id = t.id
                """,
                [
                    when,
                    [r[0] for r in rows],
                    [r[1] for r in rows],
                    [r[2] for r in rows],
                    [r[3] for r in rows],
                    [r[4] for r in rows],
                ],
            )
        return
    evaluations = [
        Evaluation(pk=pk, total=total, grade=grade, rank=rank, peers=peers, computed_at=when)
        for pk, total, grade, rank, peers in rows
    ]
    Evaluation.objects.bulk_update(
        evaluations, ["total", "grade", "rank", "peers", "computed_at"], batch_size=500
    )
