"""Random submits/advances/returns/rejects/withdrawals/filings by random users; after every
step the procedure's invariants must hold for every application."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from grassroots.accounts.models import Role
from grassroots.core.testing import build_small_province, make_user, unique_id_number
from grassroots.members.models import Member
from grassroots.members.tests.factories import create_member
from grassroots.recruitment import procedure, services
from grassroots.recruitment.models import Application, Stage, Step
from grassroots.recruitment.tests.factories import STAGE_DATA, actor_for, past, person

_batch_numbers = itertools.count(1)
# Half the time the right actor for the stage, otherwise anyone from the pool.
WHO = st.one_of(st.just(99), st.integers(0, 10))


class ProcedureMachine(RuleBasedStateMachine):
    tree = None  # built once per test (outside the per-example savepoint)
    pool: list = []
    admitted_seen = 0

    apps = Bundle("apps")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize(branch=st.sampled_from(["branch_a1", "direct_branch"]))
    def start(self, branch):
        """Every example starts with one application taken all the way to admission, so the
        invariants always see a finished procedure next to the random ones."""
        self.insider_member = Member.objects.get(user__username="insider")
        pk = self.submit(branch, applicant_has_account=False)
        self.push(pk, 12)

    def _actor(self, app, who):
        return actor_for(self.tree, app) if who >= len(self.pool) else self.pool[who]

    def _attempt(self, app, fn, **kwargs):
        before = Application.objects.get(pk=app.pk)
        try:
            fn(**kwargs)
        except (PermissionDenied, ValidationError, services.ApplicationConflict):
            after = Application.objects.get(pk=app.pk)
            assert (after.version, after.stage_id, after.state) == (
                before.version,
                before.stage_id,
                before.state,
            ), "a refused action changed the application"

    @rule(
        target=apps,
        branch=st.sampled_from(["branch_a1", "branch_a2", "branch_b1", "direct_branch"]),
        applicant_has_account=st.booleans(),
    )
    def submit(self, branch, applicant_has_account):
        unit = getattr(self.tree, branch)
        officer = actor_for(self.tree, Application(unit=unit, stage=Stage.objects.get(order=1)))
        app = services.application_create(unit=unit, data=person(), actor=officer)
        if applicant_has_account:
            # The applicant happens to hold a staff account in another branch of the same city.
            Application.objects.filter(pk=app.pk).update(applicant_user=self.pool[-1])
        return app.pk

    @rule(pk=apps, who=WHO, stale=st.booleans())
    def advance(self, pk, who, stale):
        app = Application.objects.select_related("stage", "unit").get(pk=pk)
        if app.is_open and app.stage.kind == Stage.Kind.INTRODUCERS:
            self._introduce(app)
            app.refresh_from_db()
        if stale:
            app.version -= 1
        self._attempt(
            app,
            services.application_advance,
            application=app,
            actor=self._actor(app, who),
            data=STAGE_DATA.get(app.stage.code),
        )

    @rule(pk=apps, n=st.integers(1, 10))
    def push(self, pk, n):
        """Several correct advances in a row, so that random walks also reach the end."""
        for _i in range(n):
            app = Application.objects.select_related("stage", "unit").get(pk=pk)
            if not app.is_open:
                return
            if app.stage.kind == Stage.Kind.FILING:
                self.file_batch(refuse_one=False)
            else:
                self.advance(pk, 99, False)

    def _introduce(self, app):
        if app.introducers.exists():
            return
        officer = actor_for(self.tree, app)
        first = self.insider_member if app.unit == self.tree.branch_a1 else None
        first = first or create_member(app.unit, id_number=unique_id_number())
        for member in (first, create_member(app.unit, id_number=unique_id_number())):
            intro = services.introducer_add(application=app, member=member, actor=officer)
            services.introducer_confirm(introducer=intro, actor=officer)

    @rule(pk=apps, who=WHO)
    def go_back(self, pk, who):
        app = Application.objects.select_related("stage", "unit").get(pk=pk)
        self._attempt(
            app,
            services.application_return,
            application=app,
            actor=self._actor(app, who),
            comment="退回补充",
        )

    @rule(pk=apps, who=WHO)
    def reject(self, pk, who):
        app = Application.objects.select_related("stage", "unit").get(pk=pk)
        self._attempt(
            app,
            services.application_reject,
            application=app,
            actor=self._actor(app, who),
            comment="不予通过",
        )

    @rule(pk=apps, who=WHO)
    def withdraw(self, pk, who):
        app = Application.objects.select_related("stage", "unit").get(pk=pk)
        actor = (
            self.pool[who]
            if who < len(self.pool)
            else actor_for(self.tree, Application(unit=app.unit, stage=Stage.objects.get(order=1)))
        )
        self._attempt(
            app, services.application_withdraw, application=app, actor=actor, comment="撤回"
        )

    @rule(refuse_one=st.booleans())
    def file_batch(self, refuse_one):
        waiting = list(
            Application.objects.filter(
                state="open", stage__kind=Stage.Kind.FILING, filing_batch=None
            )
        )
        if not waiting:
            return
        prov = self.tree.users["province"]
        batch = services.filing_batch_create(
            applications=waiting,
            number=f"M-{next(_batch_numbers)}",
            sent_on=past(2, 1),
            actor=prov,
        )
        rejected = {waiting[0].pk: "材料不全"} if refuse_one else {}
        services.filing_batch_record_reply(
            batch=batch,
            reply_on=past(2, 5),
            reply="同意",
            actor=prov,
            rejected=rejected,
        )

    @invariant()
    def procedure_holds(self):
        for app in Application.objects.select_related("unit", "stage", "applicant_user"):
            self._check(app)

    def _check(self, app):
        stages = procedure.applicable_stages(app.unit)
        order = [s.pk for s in stages]
        introducer_users = set(
            app.introducers.exclude(member__user=None).values_list("member__user_id", flat=True)
        )
        current = order[0]
        finished = False
        for step in app.steps.select_related("actor__unit__kind", "stage").order_by("id"):
            if step.action in (
                Step.Action.CREATE,
                Step.Action.INTRODUCER,
                Step.Action.OVERRIDE,
                Step.Action.FILING,
            ):
                continue
            assert step.stage_id == current, "a step acted on a stage the application was not at"
            actor = step.actor
            if step.action == Step.Action.WITHDRAW:
                assert actor.unit_id == app.unit_id or actor.pk == app.applicant_user_id
                continue
            stage = step.stage
            assert actor.role in stage.actor_roles, "actor's role may not act on this stage"
            assert actor.unit.kind.level == stage.actor_level, "actor acted at the wrong level"
            assert app.unit.path.startswith(actor.unit.path), "actor acted outside their scope"
            if stage.kind != Stage.Kind.FORM:
                assert actor.pk not in introducer_users, "an introducer approved"
                assert actor.pk != app.applicant_user_id, "the applicant approved"
            i = order.index(current)
            if step.action == Step.Action.ADVANCE:
                expected = order[i + 1] if i + 1 < len(order) else None
                assert step.to_stage_id == expected, "a stage was skipped"
                if expected is None:
                    finished = True
                else:
                    current = expected
            elif step.action == Step.Action.RETURN:
                assert step.to_stage_id == order[i - 1]
                current = order[i - 1]
        assert app.stage_id == current
        assert (app.member_id is not None) == finished == (app.state == Application.State.ADMITTED)
        if finished:
            ProcedureMachine.admitted_seen += 1


@pytest.mark.django_db
def test_procedure_state_machine():
    tree = build_small_province()
    insider = make_user("insider", tree.branch_a1, Role.BRANCH_OFFICER)
    member = create_member(tree.branch_a1, id_number=unique_id_number())
    Member.objects.filter(pk=member.pk).update(user=insider)
    pool = [
        tree.users["province"],
        tree.users["city_a"],
        tree.users["city_b"],
        tree.users["branch_a1"],
        tree.users["leader"],
        tree.users["admin"],
        insider,
        make_user("officer_b1", tree.branch_b1, Role.BRANCH_OFFICER),
        make_user("officer_direct", tree.direct_branch, Role.BRANCH_OFFICER),
        make_user("city_a_officer", tree.city_a, Role.BRANCH_OFFICER),
        make_user("applicant_account", tree.branch_a2, Role.BRANCH_OFFICER),
    ]
    ProcedureMachine.tree = tree
    ProcedureMachine.pool = pool
    run_state_machine_as_test(
        ProcedureMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The random walks must have reached the end of the procedure at least once.
    assert ProcedureMachine.admitted_seen > 0
