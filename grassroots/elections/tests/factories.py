"""Election factories that go through the services, so rules, steps and audit apply."""

from __future__ import annotations

import datetime
from typing import Any

from grassroots.elections import services
from grassroots.elections.models import Election
from grassroots.members.tests.factories import create_member
from grassroots.organizations.models import Unit

REQUEST_DAY = datetime.date(2026, 1, 10)


def make_election(
    unit: Unit, *, actor: Any = None, candidates: int = 4, seats: int = 3
) -> Election:
    """A requested election of ``unit`` with ``candidates`` new members as committee candidates
    (the first proposed as chair); acts as a superuser when no actor is given."""
    from grassroots.accounts.models import User

    actor = actor or User.objects.filter(is_superuser=True).first()
    slate = [(create_member(unit), "chair" if i == 0 else "committee") for i in range(candidates)]
    return services.election_request(
        unit=unit,
        request_date=REQUEST_DAY,
        proposed_seats=seats,
        candidates=slate,
        actor=actor,
    )
