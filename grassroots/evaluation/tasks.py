"""Background tasks for evaluation: recomputing a scheme (progress is kept on the scheme)."""

from __future__ import annotations

from django_tasks import task

from grassroots.core import context


@task()
def recompute_scheme(scheme_id: int, actor_id: int | None = None) -> dict:
    from grassroots.accounts.models import User
    from grassroots.evaluation import services
    from grassroots.evaluation.models import Scheme

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    scheme = Scheme.objects.get(pk=scheme_id)
    with context.acting(actor, source="task"):
        result = services.scheme_recompute(scheme=scheme, actor=actor)
    return {"subjects": result.subjects, "indicators": result.indicators, "scores": result.scores}
