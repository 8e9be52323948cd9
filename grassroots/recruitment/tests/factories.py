"""Recruitment test helpers: a valid application, the data each stage needs, run to a stage."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from grassroots.accounts.models import Role, User
from grassroots.core.testing import SmallProvince, make_user, unique_id_number
from grassroots.members.models import Education, Sector
from grassroots.members.tests.factories import create_member
from grassroots.recruitment import services
from grassroots.recruitment.models import Application, Stage


def past(month: int, day: int) -> datetime.date:
    """A fixed-looking date that is always in the past (stage dates may not lie ahead)."""
    return timezone.localdate() - datetime.timedelta(days=400 - (month * 31 + day))


STAGE_DATA: dict[str, dict[str, Any]] = {
    "talk": {
        "talker": "王主委",
        "talk_date": past(1, 5).isoformat(),
        "conclusion": "政治坚定，同意发展",
    },
    "employer-opinion": {
        "employer_org": "湖南大学党委",
        "letter_sent_on": past(1, 6).isoformat(),
        "reply": "同意",
        "reply_on": past(1, 10).isoformat(),
    },
    "branch-meeting": {
        "meeting_date": past(1, 12).isoformat(),
        "total": 10,
        "present": 8,
        "votes_for": 7,
        "votes_against": 1,
        "votes_abstain": 0,
        "minutes": "会议讨论同意",
    },
}


_births = itertools.count(1)


def person(**overrides: Any) -> dict[str, Any]:
    # Births vary so that generated ID numbers never repeat (the ID's sequence part only has
    # a few hundred values per birth date); ages stay between 30 and 45.
    default_birth = timezone.localdate().replace(month=1, day=1) - datetime.timedelta(
        days=365 * 30 + (next(_births) * 37) % 5400
    )
    birth = overrides.pop("birth_date", default_birth)
    sex = overrides.pop("sex", "F")
    data = {
        "name": "林晓",
        "id_number": unique_id_number(birth=birth, sex=sex),
        "education": Education.objects.get(code="masters"),
        "sector": Sector.objects.get(code="education"),
        "employer": "湖南大学",
        "post": "副教授",
        "phone": "13800138000",
        "resume": "2003-2007 湖南大学 本科\n2007-今 湖南大学 教师",
        "reasons": "认同本会章程，愿意履行会员义务",
        "family_relations": "配偶 李明 工程师",
        "social_relations": "无",
    }
    data.update(overrides)
    return data


def branch_user(tree: SmallProvince, unit) -> User:
    if unit == tree.branch_a1:
        return tree.users["branch_a1"]
    username = f"officer_{unit.code}"
    existing = User.objects.filter(username=username).first()
    return existing or make_user(username, unit, Role.BRANCH_OFFICER)


def actor_for(tree: SmallProvince, app: Application) -> User:
    stage = app.stage
    if stage.actor_level == 1:
        return tree.users["province"]
    if stage.actor_level == 2:
        return tree.users["city_a"] if app.unit.is_within(tree.city_a) else tree.users["city_b"]
    return branch_user(tree, app.unit)


def add_confirmed_introducers(tree: SmallProvince, app: Application) -> None:
    actor = branch_user(tree, app.unit)
    for _i in range(2):
        member = create_member(app.unit, id_number=unique_id_number())
        intro = services.introducer_add(application=app, member=member, actor=actor)
        services.introducer_confirm(introducer=intro, actor=actor)


def advance_once(tree: SmallProvince, app: Application, **kwargs: Any) -> Application:
    app.refresh_from_db()
    actor = actor_for(tree, app)
    if app.stage.kind == Stage.Kind.INTRODUCERS and app.introducers.count() == 0:
        add_confirmed_introducers(tree, app)
        app.refresh_from_db()
    if app.stage.kind == Stage.Kind.FILING:
        batch = services.filing_batch_create(
            applications=[app],
            number=f"BA-{app.pk}-{app.version}",
            sent_on=past(1, 20),
            actor=actor,
        )
        services.filing_batch_record_reply(
            batch=batch, reply_on=past(1, 25), reply="同意备案", actor=actor
        )
        app.refresh_from_db()
        return app
    services.application_advance(
        application=app, actor=actor, data=STAGE_DATA.get(app.stage.code), **kwargs
    )
    app.refresh_from_db()
    return app


def create_application(tree: SmallProvince, unit=None, **overrides: Any) -> Application:
    unit = unit or tree.branch_a1
    return services.application_create(
        unit=unit, data=person(**overrides), actor=branch_user(tree, unit)
    )


def run_to(tree: SmallProvince, app: Application, code: str | None) -> Application:
    """Advance until the application sits at stage ``code`` (None: until admitted)."""
    for _i in range(20):
        app.refresh_from_db()
        if app.state != Application.State.OPEN or app.stage.code == code:
            return app
        advance_once(tree, app)
    raise AssertionError("procedure did not finish")
