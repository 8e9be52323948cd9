"""Five years of generated history through the members services: admissions, transfers inside
and across the province, deaths, resignations, expulsions and a reinstatement."""

from __future__ import annotations

import datetime
import random

from grassroots.core.testing import SmallProvince
from grassroots.members.models import (
    ArrangementKind,
    ArrangementLevel,
    Education,
    Ethnicity,
    Member,
    MemberStatus,
    PoliticalArrangement,
    Sector,
    Title,
)
from grassroots.members.services import (
    member_set_status,
    transfer_accept,
    transfer_into_province,
    transfer_out_of_province,
    transfer_start,
)
from grassroots.members.tests.factories import create_member

YEARS = (2021, 2022, 2023, 2024, 2025)


def _day(rng: random.Random, year: int) -> datetime.date:
    return datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))


def build_history(tree: SmallProvince, *, seed: int = 7, per_year: int = 6) -> list[Member]:
    rng = random.Random(seed)
    leaves = [tree.branch_a1, tree.branch_a2, tree.branch_b1, tree.direct_branch, tree.city_a]
    sectors = list(Sector.objects.all())
    educations = list(Education.objects.all())
    titles = list(Title.objects.all())
    ethnicities = list(Ethnicity.objects.order_by("order")[:4])
    kind = ArrangementKind.objects.first()
    level = ArrangementLevel.objects.first()

    def attrs() -> dict:
        return {
            "sector": rng.choice([*sectors, None]),
            "education": rng.choice(educations),
            "title": rng.choice(titles),
            "ethnicity": rng.choice(ethnicities),
            "is_talent": rng.random() < 0.2,
            "sex": rng.choice("MF"),
            "birth_date": datetime.date(rng.randint(1950, 1998), rng.randint(1, 12), 15),
        }

    members: list[Member] = []
    for _ in range(8):  # members from before the period
        members.append(
            create_member(
                rng.choice(leaves), join_date=_day(rng, rng.randint(1995, 2020)), **attrs()
            )
        )
    for year in YEARS:
        for _ in range(per_year):
            members.append(create_member(rng.choice(leaves), join_date=_day(rng, year), **attrs()))
        data = {k: v for k, v in attrs().items() if k not in ("sex", "birth_date")}
        data["name"] = f"转入{year}"
        arrival = transfer_into_province(
            unit=rng.choice(leaves),
            data={**data, "sex": "F", "join_date": datetime.date(2005, 3, 1)},
            external_org="外省委会",
            letter_number=f"L{year}",
            letter_date=_day(rng, year),
        )
        members.append(arrival.member)
        for member in members:
            member.refresh_from_db()
        active = [m for m in members if m.status == MemberStatus.ACTIVE]
        rng.shuffle(active)
        for member in active[:3]:  # moves inside the province
            member.refresh_from_db()
            target = rng.choice([u for u in leaves if u.pk != member.unit_id])
            start = max(member.join_date or datetime.date(year, 1, 1), datetime.date(year, 1, 1))
            when = start + datetime.timedelta(days=rng.randint(1, 30))
            if when.year != year:
                continue
            transfer = transfer_start(member=member, to_unit=target)
            transfer_accept(transfer=transfer, date=when)
        leaving = [m for m in active[3:6] if m.join_date and m.join_date.year < year]
        for member, status in zip(
            leaving,
            (MemberStatus.DECEASED, MemberStatus.RESIGNED, MemberStatus.EXPELLED),
            strict=False,
        ):
            member.refresh_from_db()
            day = datetime.date(year, 11, 20)
            member_set_status(member=member, status=status, date=day, reason="生成")
        if len(active) > 6 and active[6].join_date and active[6].join_date.year < year:
            transfer_out_of_province(
                member=active[6],
                external_org="外省",
                letter_number=f"O{year}",
                letter_date=datetime.date(year, 12, 1),
            )
        if year == 2022:
            resigned = Member.objects.filter(status=MemberStatus.RESIGNED).first()
            if resigned is not None:
                member_set_status(
                    member=resigned,
                    status=MemberStatus.ACTIVE,
                    date=datetime.date(2023, 4, 2),
                    reason="恢复会籍",
                )
    for member in members[:10]:
        PoliticalArrangement.objects.create(
            member=member, kind=kind, level=level, start_date=datetime.date(2022, 1, 1)
        )
    return list(Member.objects.order_by("pk"))
