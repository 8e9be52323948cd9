"""Planning reads used by other apps (recruitment reads quotas here)."""

from __future__ import annotations

from grassroots.organizations.models import Unit
from grassroots.planning.models import YearlyQuota


def quota_for(unit: Unit, year: int) -> int | None:
    """The unit's new-member quota for the year, or None when no quota is set."""
    row = (
        YearlyQuota.objects.filter(unit=unit, year=year)
        .values_list("new_members", flat=True)
        .first()
    )
    return row
