"""Member factories (Faker zh_CN) that go through the service, so rules and audit apply."""

import datetime
import random

from faker import Faker

from grassroots.core.testing import unique_id_number
from grassroots.members.models import Member
from grassroots.members.services import member_create

fake = Faker("zh_CN")


def create_member(unit, actor=None, **data) -> Member:
    sex = data.pop("sex", random.choice("MF"))
    birth = data.pop(
        "birth_date", datetime.date(1960, 1, 1) + datetime.timedelta(days=random.randint(0, 12000))
    )
    payload = {
        "name": data.pop("name", fake.name_male() if sex == "M" else fake.name_female()),
        "id_number": data.pop("id_number", unique_id_number(birth=birth, sex=sex)),
        "join_date": data.pop("join_date", datetime.date(2015, 6, 1)),
        **data,
    }
    return member_create(unit=unit, data=payload, actor=actor)
