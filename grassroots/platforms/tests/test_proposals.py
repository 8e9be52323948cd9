"""The proposal lifecycle: every legal step, illegal jumps refused, codes, duplicates, scope."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grassroots.core.models import AuditEvent
from grassroots.platforms.models import Proposal, ProposalAuthor, ProposalStatus
from grassroots.platforms.services import proposals as svc
from grassroots.platforms.services.similarity import bigrams, jaccard
from grassroots.platforms.tests.factories import advance, kind, level, make_proposal

pytestmark = pytest.mark.django_db
S = ProposalStatus


def test_full_lifecycle_to_archive(province, people):
    staff = province.users["city_a"]
    p = make_proposal(staff, people["a1"], people["b1"])
    assert p.status == S.DRAFT and p.unit == province.branch_a1
    assert [a.member for a in p.authors.all()] == [people["a1"], people["b1"]]
    credit_events = AuditEvent.objects.filter(object_type="platforms.proposalauthor")
    assert credit_events.count() == 2
    assert {e.unit_path for e in credit_events} == {province.branch_a1.path}
    p = advance(staff, p, "submit", "receive")
    year = timezone.localdate().year
    assert p.reference_code == f"TA-{year}-0001"
    p = advance(
        staff,
        p,
        "review",
        "select",
        "forward",
        review={"reviewers": [staff.pk]},
        forward={"target": "cppcc", "organization": "长沙市政协"},
    )
    assert p.status == S.FORWARDED and p.reviewers.count() == 1
    svc.proposal_note_add(actor=staff, proposal=p, text="建议并入教育组提案")
    p = advance(
        staff,
        p,
        "instruction",
        "outcome",
        "archive",
        instruction={"leader": "张市长", "level": "city", "text": "请教育局研究落实"},
        outcome={
            "filed_as_case": True,
            "adopted": True,
            "level": "city",
            "handling_unit": "长沙市教育局",
            "reply": "已纳入明年工作计划",
            "satisfaction": "satisfied",
        },
    )
    p.refresh_from_db()
    assert p.status == S.ARCHIVED
    assert p.filed_as_case and p.adopted and p.adoption_level.code == "city"
    assert p.instructions.get().level.code == "city"
    assert p.satisfaction == "satisfied"
    assert (
        AuditEvent.objects.filter(object_type="platforms.proposal", object_id=str(p.pk)).count()
        >= 8
    )


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [
        ([], "receive"),
        ([], "forward"),
        (["submit"], "review"),
        (["submit"], "archive"),
        (["submit", "receive"], "select"),
        (["submit", "receive", "review"], "forward"),
        (["submit", "receive", "review"], "withdraw"),
        (["submit", "receive", "review", "select"], "outcome"),
        (["submit", "receive", "review", "select"], "archive"),
    ],
)
def test_no_skipping_with_a_chinese_error(province, people, steps, illegal):
    staff = province.users["city_a"]
    p = advance(staff, make_proposal(staff, people["a1"]), *steps, review={"reviewers": [staff.pk]})
    before = p.status
    with pytest.raises(ValidationError) as err:
        svc.proposal_transition(
            actor=staff,
            proposal=p,
            action=illegal,
            params={"target": "cppcc", "organization": "市政协", "reason": "x"},
        )
    message = " ".join(err.value.message_dict["status"])
    assert "当前状态为" in message and "不能" in message
    p.refresh_from_db()
    assert p.status == before


def test_reference_codes_count_per_prefix_and_year(province, people):
    staff = province.users["province"]
    codes = [
        advance(
            staff, make_proposal(staff, people["a1"], title=f"题目{i}甲乙丙丁"), "submit", "receive"
        ).reference_code
        for i in range(3)
    ]
    year = timezone.localdate().year
    assert codes == [f"TA-{year}-0001", f"TA-{year}-0002", f"TA-{year}-0003"]
    suggestion = advance(
        staff,
        make_proposal(staff, people["a2"], kind=kind("suggestion"), title="完全不同的题目"),
        "submit",
        "receive",
    )
    assert suggestion.reference_code == f"JY-{year}-0001"
    assert svc.reference_code_next(kind=kind(), year=year + 1) == f"TA-{year + 1}-0001"
    assert svc.reference_code_next(kind=kind(), year=year) == f"TA-{year}-0004"


def test_returned_proposal_keeps_its_code_when_resubmitted(province, people):
    staff = province.users["city_a"]
    p = advance(staff, make_proposal(staff, people["a1"]), "submit", "receive")
    code = p.reference_code
    with pytest.raises(ValidationError) as err:
        svc.proposal_return(actor=staff, proposal=p, reason="  ")
    assert "理由" in err.value.message_dict["reason"][0]
    p = svc.proposal_return(actor=staff, proposal=p, reason="论据不足，请补充数据")
    assert p.status == S.RETURNED
    p = svc.proposal_update(actor=staff, proposal=p, body="补充了全省数据。")
    p = advance(staff, p, "submit", "receive")
    assert p.reference_code == code


def test_withdraw_by_author_before_review_only(province, people):
    author = people["a1"]
    author_user = province.users["branch_a1"]  # a branch officer is read-only staff
    author.user = author_user
    author.save()
    staff = province.users["city_a"]
    p = advance(staff, make_proposal(staff, author), "submit", "receive")
    p = svc.proposal_withdraw(actor=author_user, proposal=p)
    assert p.status == S.WITHDRAWN
    other = advance(staff, make_proposal(staff, people["a2"], title="另一件"), "submit")
    with pytest.raises(PermissionDenied):
        svc.proposal_withdraw(actor=province.users["leader"], proposal=other)


def test_similar_proposals_are_flagged_on_submission(province, people):
    staff = province.users["province"]
    first = advance(
        staff,
        make_proposal(
            staff,
            people["a1"],
            title="关于加强乡村教师队伍建设的建议",
            body="乡村教师待遇偏低，流失严重。",
        ),
        "submit",
    )
    assert not first.possible_duplicate
    near = advance(
        staff,
        make_proposal(
            staff, people["b1"], title="关于加强农村教师队伍建设的建议", body="农村教师流失严重。"
        ),
        "submit",
    )
    assert near.possible_duplicate
    similar = near.similar.get()
    assert similar.other == first and similar.title_score >= 0.5
    unrelated = advance(
        staff,
        make_proposal(staff, people["a2"], title="推进老旧小区加装电梯", body="电梯加装资金分摊。"),
        "submit",
    )
    assert not unrelated.possible_duplicate
    # City B's staff sees the flag but not city A's similar proposal.
    visible = Proposal.objects.visible_to(province.users["city_b"])
    assert not near.similar.filter(other__in=visible).exists()


def test_bigram_jaccard_by_hand():
    a, b = bigrams("教师队伍"), bigrams("教师 队 伍！")
    assert a == b == {"教师", "师队", "队伍"}
    assert jaccard(bigrams("乡村教师"), bigrams("农村教师")) == pytest.approx(2 / 4)
    assert jaccard(bigrams(""), bigrams("教师")) == 0


def test_merge_credits_authors_on_the_kept_proposal(province, people):
    staff = province.users["province"]
    kept = advance(
        staff,
        make_proposal(staff, people["a1"]),
        "submit",
        "receive",
        "review",
        review={"reviewers": [staff.pk]},
    )
    dup = advance(
        staff,
        make_proposal(staff, people["b1"], people["a1"]),
        "submit",
        "receive",
        "review",
        review={"reviewers": [staff.pk]},
    )
    with pytest.raises(ValidationError):
        svc.proposal_merge(actor=staff, proposal=dup, into=dup)
    dup = svc.proposal_merge(actor=staff, proposal=dup, into=kept)
    assert dup.status == S.MERGED and dup.merged_into == kept
    assert list(kept.authors.values_list("member__name", "order")) == [("汪涵", 1), ("王维", 2)]
    assert svc.proposal_archive(actor=staff, proposal=dup).status == S.ARCHIVED


def test_outcome_rules(province, people):
    staff = province.users["city_a"]
    p = advance(
        staff,
        make_proposal(staff, people["a1"]),
        "submit",
        "receive",
        "review",
        "select",
        "forward",
        review={"reviewers": [staff.pk]},
        forward={
            "target": "government",
            "organization": "市教育局",
            "date": datetime.date(2026, 3, 1),
        },
    )
    with pytest.raises(ValidationError) as err:
        svc.proposal_record_outcome(actor=staff, proposal=p, adopted=True)
    assert "采纳级别" in err.value.message_dict["adoption_level"][0]
    with pytest.raises(ValidationError) as err:
        svc.proposal_record_outcome(actor=staff, proposal=p, satisfaction="satisfied")
    assert "satisfaction" in err.value.message_dict
    p = svc.proposal_record_outcome(
        actor=staff,
        proposal=p,
        filed_as_case=False,
        adopted=True,
        adoption_level=level("provincial"),
    )
    assert p.status == S.CONCLUDED and p.filed_as_case is False


def test_forward_target_must_be_known(province, people):
    staff = province.users["city_a"]
    p = advance(
        staff,
        make_proposal(staff, people["a1"]),
        "submit",
        "receive",
        "review",
        "select",
        review={"reviewers": [staff.pk]},
    )
    with pytest.raises(ValidationError) as err:
        svc.proposal_forward(actor=staff, proposal=p, target="moon", organization="x")
    assert "报送对象" in err.value.message_dict["target"][0]


def test_first_author_outside_scope_is_refused_but_coauthors_are_credited(province, people):
    staff = province.users["city_a"]
    with pytest.raises(ValidationError) as err:
        make_proposal(staff, people["b1"], people["a1"])
    assert "不在您的管理范围内" in err.value.message_dict["authors"][0]
    assert province.branch_b1.name not in err.value.message_dict["authors"][0]
    p = make_proposal(staff, people["a1"], people["b1"])
    assert p.unit == province.branch_a1
    # The co-author's city does not see it: co-authors do not widen scope.
    assert not Proposal.objects.visible_to(province.users["city_b"]).filter(pk=p.pk).exists()
    assert Proposal.objects.visible_to(province.users["city_a"]).filter(pk=p.pk).exists()


def test_unit_as_author_and_duplicate_authors(province, people):
    staff = province.users["city_a"]
    p = make_proposal(staff, province.city_a, kind=kind("collective"))
    assert p.unit == province.city_a
    assert ProposalAuthor.objects.get(proposal=p).author_unit == province.city_a
    with pytest.raises(ValidationError):
        make_proposal(staff, people["a1"], people["a1"])
    with pytest.raises(ValidationError):
        make_proposal(staff)


def test_leader_is_read_only_and_reviewers_must_see_the_proposal(province, people):
    staff = province.users["city_a"]
    p = advance(staff, make_proposal(staff, people["a1"]), "submit")
    with pytest.raises(PermissionDenied):
        svc.proposal_receive(actor=province.users["leader"], proposal=p)
    with pytest.raises(PermissionDenied):
        svc.proposal_receive(actor=province.users["city_b"], proposal=p)
    p = svc.proposal_receive(actor=staff, proposal=p)
    with pytest.raises(ValidationError) as err:
        svc.proposal_review_start(actor=staff, proposal=p, reviewers=[province.users["city_b"]])
    assert "无权查看" in err.value.message_dict["reviewers"][0]


def test_a_member_submits_and_withdraws_their_own_proposal(province, people):
    from grassroots.accounts.models import Role
    from grassroots.accounts.services import user_create

    me = people["a1"]
    me.user = user_create(
        username="wanghan", password=None, unit=me.unit, role=Role.MEMBER, validate=False
    )
    me.save()
    p = make_proposal(me.user, me, people["b1"], submit=True)
    assert p.status == S.SUBMITTED and p.unit == province.branch_a1
    with pytest.raises(ValidationError) as err:
        make_proposal(me.user, people["a2"], me)
    assert "第一作者须为您本人" in err.value.message_dict["authors"][0]
    with pytest.raises(PermissionDenied):
        svc.proposal_receive(actor=me.user, proposal=p)
    assert svc.proposal_withdraw(actor=me.user, proposal=p).status == S.WITHDRAWN
