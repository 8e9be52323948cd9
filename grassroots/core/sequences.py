"""Named counters incremented under a row lock (works on SQLite's immediate transactions too)."""

from django.db import IntegrityError, transaction
from django.db.models import F

from grassroots.core.models import Sequence


@transaction.atomic
def next_value(name: str, count: int = 1) -> int:
    """Reserve ``count`` numbers and return the first."""
    try:
        with transaction.atomic():
            Sequence.objects.get_or_create(name=name)
    except IntegrityError:
        pass
    Sequence.objects.filter(name=name).update(value=F("value") + count)
    value = Sequence.objects.select_for_update().get(name=name).value
    return value - count + 1
