"""Background tasks of planning: counting the figures readers ask for ahead of them."""

from __future__ import annotations

from django_tasks import task


@task()
def figures_warm_task() -> int:
    from grassroots.planning import services

    return services.figures_warm()
