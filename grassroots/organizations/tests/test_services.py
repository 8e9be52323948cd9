import pytest
from django.core.exceptions import ValidationError

from grassroots.organizations.models import Unit
from grassroots.organizations.services import unit_move

pytestmark = pytest.mark.django_db


def test_paths_and_subtree(province):
    assert province.branch_a1.path.startswith(province.city_a.path)
    codes = set(province.city_a.descendants().values_list("code", flat=True))
    assert codes == {"4301", "430101", "430102"}


def test_move_subtree_updates_every_path(province):
    unit_move(unit=province.city_a, new_parent=province.city_b)
    a1 = Unit.objects.get(pk=province.branch_a1.pk)
    city_b = Unit.objects.get(pk=province.city_b.pk)
    assert a1.path.startswith(city_b.path)
    assert a1.depth == 3
    assert {u.code for u in a1.ancestors()} == {"43", "4302", "4301"}


def test_cannot_move_below_itself(province):
    with pytest.raises(ValidationError):
        unit_move(unit=province.city_a, new_parent=province.branch_a1)
