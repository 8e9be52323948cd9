"""The election procedure end to end, and each of its refusals."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grassroots.core.models import AuditEvent, Notification
from grassroots.elections import selectors, services
from grassroots.elections.models import Election, Term
from grassroots.elections.tests.factories import make_election
from grassroots.members.models import Officer
from grassroots.members.tests.factories import create_member

DAY = datetime.date(2026, 3, 1)


def _approve(election, actor, seats=3):
    return services.election_approve(
        election=election, approval_date=datetime.date(2026, 2, 1), seats=seats, actor=actor
    )


def _votes(election, numbers):
    ids = list(election.candidates.order_by("order").values_list("pk", flat=True))
    return dict(zip(ids, numbers, strict=True))


def test_full_procedure_installs_new_officers_and_ends_old_terms(province):
    branch, officer_user, city = (
        province.branch_a1,
        province.users["branch_a1"],
        province.users["city_a"],
    )
    old_chair = Officer.objects.create(
        unit=branch,
        member=create_member(branch),
        post="chair",
        start_date=datetime.date(2021, 3, 1),
    )
    services.term_create(unit=branch, number=3, start_date=datetime.date(2021, 3, 1), actor=city)
    election = make_election(branch, actor=officer_user)
    assert election.term_number == 4 and election.status == Election.Status.REQUESTED
    waiting = Notification.objects.get(recipient=city)
    assert "长沙第一支部报来换届请示" in waiting.title and str(election.pk) in waiting.url
    assert not Notification.objects.filter(recipient=province.users["city_b"]).exists()

    with pytest.raises(PermissionDenied, match="长沙市委会"):
        _approve(election, officer_user)  # the unit cannot approve its own request
    _approve(election, city)
    services.election_record_meeting(
        election=election,
        meeting_date=DAY,
        total_voters=30,
        present=25,
        votes=_votes(election, [24, 20, 13, 12]),
        actor=officer_user,
    )
    elected = set(election.candidates.filter(elected=True).values_list("votes", flat=True))
    assert elected == {24, 20, 13}  # 12 is not more than half of 25

    services.election_install(election=election, actor=officer_user)
    old_chair.refresh_from_db()
    assert old_chair.end_date == DAY
    new = Officer.objects.filter(unit=branch, start_date=DAY)
    assert new.count() == 3 and new.filter(post="chair").count() == 1
    terms = {t.number: t for t in Term.objects.filter(unit=branch)}
    assert terms[3].ended_on == DAY
    assert terms[4].start_date == DAY and terms[4].planned_end == datetime.date(2031, 3, 1)

    with pytest.raises(PermissionDenied):
        services.election_file(election=election, actor=officer_user)
    services.election_file(election=election, actor=city, filed_date=DAY)
    election.refresh_from_db()
    assert election.status == Election.Status.FILED
    assert [s.stage for s in election.steps.all()] == [
        "request",
        "approve",
        "meeting",
        "install",
        "file",
    ]
    assert AuditEvent.objects.filter(object_type="members.officer", action="create").exists()
    assert AuditEvent.objects.filter(
        object_type="members.officer", object_id=str(old_chair.pk), action="update"
    ).exists()


def test_meeting_validations_are_clear_and_store_nothing(province):
    city, branch_user = province.users["city_a"], province.users["branch_a1"]
    election = _approve(make_election(province.branch_a1, actor=branch_user), city)

    def meeting(total, present, numbers):
        services.election_record_meeting(
            election=election,
            meeting_date=DAY,
            total_voters=total,
            present=present,
            votes=_votes(election, numbers),
            actor=branch_user,
        )

    with pytest.raises(ValidationError, match="须超过应到人数（30）的一半"):
        meeting(30, 15, [10, 10, 10, 10])
    with pytest.raises(ValidationError, match=r"得票（21）超过实到人数（20）"):
        meeting(30, 20, [21, 10, 10, 10])
    with pytest.raises(ValidationError, match="不能多于应到人数"):
        meeting(30, 31, [10, 10, 10, 10])
    with pytest.raises(ValidationError, match="第3名与第4名得票相同"):
        meeting(30, 20, [18, 17, 15, 15])
    election.refresh_from_db()
    assert election.status == Election.Status.APPROVED and election.present is None
    assert not election.candidates.filter(votes__isnull=False).exists()


def test_approval_needs_enough_candidates_and_the_request_a_clean_slate(province):
    city, branch_user = province.users["city_a"], province.users["branch_a1"]
    election = make_election(province.branch_a1, actor=branch_user, candidates=2, seats=2)
    with pytest.raises(ValidationError, match="少于应选名额"):
        _approve(election, city, seats=3)
    with pytest.raises(ValidationError, match="已有正在办理的换届选举"):
        make_election(province.branch_a1, actor=branch_user)
    outsider = create_member(province.branch_a2)
    with pytest.raises(ValidationError, match="不属于长沙市委会"):
        services.election_request(
            unit=province.city_a,
            request_date=DAY,
            proposed_seats=1,
            candidates=[(create_member(province.branch_b1), "chair")],
            actor=city,
        )
    with pytest.raises(PermissionDenied, match="须由长沙第二支部的工作人员办理"):
        services.election_request(
            unit=province.branch_a2,
            request_date=DAY,
            proposed_seats=1,
            candidates=[(create_member(province.branch_a2), "chair")],
            actor=city,
        )
    with pytest.raises(PermissionDenied):
        services.election_request(
            unit=province.branch_b1,
            request_date=DAY,
            proposed_seats=1,
            candidates=[(outsider, "chair")],
            actor=city,
        )
    with pytest.raises(PermissionDenied, match="只能查看"):
        services.election_request(
            unit=province.province,
            request_date=DAY,
            proposed_seats=1,
            candidates=[(create_member(province.direct_branch), "chair")],
            actor=province.users["leader"],
        )


def test_rejection_closes_the_request_and_allows_a_new_one(province):
    city, branch_user = province.users["city_a"], province.users["branch_a1"]
    election = make_election(province.branch_a1, actor=branch_user)
    with pytest.raises(ValidationError, match="理由"):
        services.election_reject(election=election, reason=" ", actor=city)
    services.election_reject(election=election, reason="候选人结构不合理", actor=city)
    assert Election.objects.get(pk=election.pk).status == Election.Status.REJECTED
    assert make_election(province.branch_a1, actor=branch_user).term_number == 1


def test_term_warnings_use_recorded_terms_or_sitting_officers(province):
    city = province.users["city_a"]
    today = datetime.date(2026, 6, 1)
    services.term_create(
        unit=province.branch_a1, number=2, start_date=datetime.date(2021, 8, 1), actor=city
    )  # ends 2026-08-01: due
    Officer.objects.create(
        unit=province.branch_a2,
        member=create_member(province.branch_a2),
        post="chair",
        start_date=datetime.date(2020, 5, 1),
    )  # inferred end 2025-05-01: expired
    Officer.objects.create(
        unit=province.branch_b1,
        member=create_member(province.branch_b1),
        post="chair",
        start_date=datetime.date(2020, 5, 1),
    )  # expired, but in city B
    lines = selectors.terms_due(city, months=6, today=today)
    by_unit = {line.unit.pk: line for line in lines}
    assert set(by_unit) == {province.branch_a1.pk, province.branch_a2.pk}
    assert by_unit[province.branch_a2.pk].expired and by_unit[province.branch_a2.pk].inferred
    assert not by_unit[province.branch_a1.pk].expired
    assert by_unit[province.branch_a1.pk].days_left == 61
    assert selectors.terms_due(city, months=1, today=today) == [by_unit[province.branch_a2.pk]]
    with pytest.raises(ValidationError, match="已有记录"):
        services.term_create(
            unit=province.branch_a1, number=2, start_date=datetime.date(2022, 1, 1), actor=city
        )


def test_count_result_ranks_by_votes_and_respects_seats():
    elected, errors = services.count_result(seats=2, present=10, votes={1: 6, 2: 9, 3: 8, 4: 5})
    assert elected == [2, 3] and errors == []
    elected, errors = services.count_result(seats=3, present=10, votes={1: 6, 2: 9, 3: 4})
    assert elected == [2, 1] and errors == []


def test_province_election_is_approved_by_its_own_staff(province):
    prov = province.users["province"]
    election = make_election(province.province, actor=prov, candidates=3, seats=3)
    _approve(election, prov)
    assert Election.objects.get(pk=election.pk).approved_by_unit == province.province
