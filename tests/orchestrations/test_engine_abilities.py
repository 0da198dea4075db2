"""Who may act on a work item, and to whom it may be handed: the engine's one rule book,
asked the way a script or an API would (no view involved).

The people of a small loan process: Lola (Loans) reviews applications and Leo is her
teammate; Uma and Ulrich underwrite (Underwriting); Ben is a member of another team
(Marketing) who has nothing to do with loans; Dana is an applicant, an outside
participant in no team; Sasha is support staff with the reassign permission.

Loan origination: Application (Dana, by expression) → Review (Lola) → Underwriting (the
Underwriting queue). Loans is no team of the process: no step names it.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from orchestrations.engine import (
    NotAllowed,
    TransitionRefused,
    Why,
    run_start,
    run_suspend,
    work_item_abilities,
    work_item_claim,
    work_item_complete,
    work_item_reassign,
    work_item_save_draft,
)
from orchestrations.engine.delegation import delegation_create
from orchestrations.engine.handover import reassign_refusal, reassign_targets
from orchestrations.models import Delegation, RunEvent, WorkItem
from orchestrations.models.choices import ReassignScope
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db

APPLICATION = {"income": "90000"}
REVIEW = {"notes": "Looks fine."}


@pytest.fixture
def bank():
    loans, underwriting = make_group("Loans"), make_group("Underwriting")
    marketing = make_group("Marketing")
    sasha = make_user("sasha", first_name="Sasha", last_name="Novak", is_staff=True)
    sasha.user_permissions.add(Permission.objects.get(codename="reassign_workitem"))
    return SimpleNamespace(
        loans=loans,
        underwriting=underwriting,
        marketing=marketing,
        lola=make_user("lola", loans, first_name="Lola", last_name="Martinez"),
        leo=make_user("leo", loans, first_name="Leo", last_name="Grant"),
        uma=make_user("uma", underwriting, first_name="Uma", last_name="Sharma"),
        ulrich=make_user("ulrich", underwriting, first_name="Ulrich", last_name="Weber"),
        ben=make_user("ben", marketing, first_name="Ben", last_name="Ortiz"),
        dana=make_user("dana", first_name="Dana", last_name="Whitfield"),
        sasha=sasha,
    )


def loan_process(bank, *, review_scope=ReassignScope.TEAM, underwriting_scope=ReassignScope.TEAM):
    b = VersionBuilder("loan_origination")
    b.input("applicant")
    form = b.form("f", [field("income"), field("notes")])
    b.step(b.stage("application"), "application", form=form, expression="vars.applicant")
    b.step(b.stage("review"), "review", form=form, user=bank.lola, reassign=review_scope)
    b.step(
        b.stage("underwriting"), "underwriting", form=form, group=bank.underwriting,
        reassign=underwriting_scope,
    )  # fmt: skip
    b.activate()
    return b.orchestration


def open_item(run, key):
    return WorkItem.objects.open().get(run=run, step_run__step__key=key)


def at_review(bank, **scopes):
    """A run whose application Dana has sent: Lola's review is open."""
    run = run_start(loan_process(bank, **scopes), variables={"applicant": "dana"})
    work_item_complete(open_item(run, "application"), by=bank.dana, data=APPLICATION)
    return run


def at_underwriting(bank, **scopes):
    run = at_review(bank, **scopes)
    work_item_complete(open_item(run, "review"), by=bank.lola, data=REVIEW)
    return run


def untouched(item):
    item.refresh_from_db()
    return item.status == "open" and not RunEvent.objects.filter(
        work_item=item, kind="work_item.reassign"
    )


# Outside participants ----------------------------------------------------------------------


def test_an_outside_participant_is_assigned_work_but_never_reassigns_it(bank):
    run = run_start(loan_process(bank), variables={"applicant": "dana"})
    application = open_item(run, "application")
    assert application.assignee_user == bank.dana  # the definition may assign her work

    abilities = work_item_abilities(bank.dana, application)
    assert abilities.can_submit
    assert abilities.can_save_draft
    assert abilities.can_comment
    assert not abilities.can_reassign
    assert abilities.why_not["reassign"].why == Why.OUTSIDE_PARTICIPANT
    assert not reassign_targets(bank.dana, application).people.exists()
    with pytest.raises(NotAllowed, match="Only members of a team reassign work"):
        work_item_reassign(application, by=bank.dana, to_user=bank.lola, reason="Busy")
    assert untouched(application)


def test_nobody_hands_work_to_an_outside_participant_not_even_support(bank):
    review = open_item(at_review(bank), "review")

    for who in (bank.lola, bank.sasha):
        with pytest.raises(NotAllowed, match="Dana Whitfield is an outside participant"):
            work_item_reassign(review, by=who, to_user=bank.dana)
    assert untouched(review)
    # The system (an escalation, a script) may, as the definition may.
    work_item_reassign(review, by=None, to_user=bank.dana, reason="Ask the applicant.")
    assert WorkItem.objects.get(pk=review.pk).assignee_user == bank.dana


# A member reassigns (the default, reassign: "team") -------------------------------------------


def test_a_member_may_not_reassign_to_a_member_outside_their_teams(bank):
    review = open_item(at_review(bank), "review")

    refusal = reassign_refusal(bank.lola, review, to_user=bank.ben)
    assert refusal is not None
    assert refusal.why == Why.TARGET_NOT_TEAMMATE
    with pytest.raises(NotAllowed) as refused:
        work_item_reassign(review, by=bank.lola, to_user=bank.ben, reason="Help")
    assert str(refused.value) == (
        "Ben Ortiz is not in any of your teams; reassign to someone in Loans, "
        "or to the Underwriting queue."
    )
    assert untouched(review)


def test_a_member_reassigns_to_a_teammate(bank, after_commit):
    review = open_item(at_review(bank), "review")

    with after_commit():
        item = work_item_reassign(review, by=bank.lola, to_user=bank.leo, reason="Holiday")

    assert item.assignee_user == bank.leo
    assert work_item_abilities(bank.leo, item).can_submit


def test_a_member_reassigns_to_a_team_the_process_uses_not_to_any_team(bank):
    review = open_item(at_review(bank), "review")

    with pytest.raises(NotAllowed, match="Marketing has no part in this process"):
        work_item_reassign(review, by=bank.lola, to_group=bank.marketing)
    item = work_item_reassign(review, by=bank.lola, to_group=bank.underwriting, reason="Yours")

    assert (item.assignee_user, item.assignee_group) == (None, bank.underwriting)


def test_the_targets_a_member_may_pick_are_the_rule_as_a_query(bank):
    review = open_item(at_review(bank), "review")

    targets = reassign_targets(bank.lola, review)

    assert set(targets.people) == {bank.lola, bank.leo}
    assert list(targets.teams) == [bank.underwriting]
    assert not reassign_targets(bank.ben, review).people.exists()  # not his to reassign


def test_a_queue_member_reassigns_within_the_team_and_to_the_process_teams(bank):
    underwriting = open_item(at_underwriting(bank), "underwriting")

    assert set(reassign_targets(bank.uma, underwriting).people) == {bank.uma, bank.ulrich}
    with pytest.raises(NotAllowed, match="Lola Martinez is not in any of your teams"):
        work_item_reassign(underwriting, by=bank.uma, to_user=bank.lola)
    item = work_item_reassign(underwriting, by=bank.uma, to_user=bank.ulrich, reason="Big one")
    assert item.assignee_user == bank.ulrich


def test_reassign_orchestration_opens_the_process_teams_and_closes_other_teams(bank):
    review = open_item(at_review(bank, review_scope=ReassignScope.ORCHESTRATION), "review")

    assert set(reassign_targets(bank.lola, review).people) == {bank.uma, bank.ulrich}
    with pytest.raises(NotAllowed, match="Leo Grant is not in a team of this process"):
        work_item_reassign(review, by=bank.lola, to_user=bank.leo)
    item = work_item_reassign(review, by=bank.lola, to_user=bank.uma, reason="Second look")
    assert item.assignee_user == bank.uma


def test_reassign_nobody_refuses_members_while_support_may_still_reassign(bank):
    run = at_underwriting(bank, underwriting_scope=ReassignScope.NOBODY)
    underwriting = open_item(run, "underwriting")

    abilities = work_item_abilities(bank.uma, underwriting)
    assert abilities.can_submit
    assert abilities.can_claim
    assert abilities.why_not["reassign"].why == Why.STEP_NOT_REASSIGNABLE
    with pytest.raises(NotAllowed, match="can't be reassigned from the inbox"):
        work_item_reassign(underwriting, by=bank.uma, to_user=bank.ulrich)
    assert untouched(underwriting)

    assert work_item_abilities(bank.sasha, underwriting).can_reassign
    item = work_item_reassign(underwriting, by=bank.sasha, to_user=bank.ben, reason="Audit")
    assert item.assignee_user == bank.ben  # any member, any team


def test_somebody_who_does_not_work_the_item_may_not_reassign_it(bank):
    review = open_item(at_review(bank), "review")

    assert work_item_abilities(bank.leo, review).why_not["reassign"].why == Why.NOT_INVOLVED
    with pytest.raises(NotAllowed, match=r"You may not reassign this item\."):
        work_item_reassign(review, by=bank.leo, to_user=bank.leo)


# On whose behalf -------------------------------------------------------------------------------


def test_a_forged_on_behalf_of_is_refused(bank):
    review = open_item(at_review(bank), "review")

    with pytest.raises(NotAllowed, match="This item is assigned to Lola Martinez"):
        work_item_complete(review, by=bank.ben, data=REVIEW, on_behalf_of=bank.lola)
    with pytest.raises(NotAllowed, match="You are not covering for Uma Sharma"):
        work_item_complete(review, by=bank.lola, data=REVIEW, on_behalf_of=bank.uma)
    assert untouched(review)


def test_the_engine_works_out_whom_a_delegate_acts_for(bank):
    review = open_item(at_review(bank), "review")
    today = timezone.localdate()
    Delegation.objects.create(user=bank.lola, delegate=bank.leo, starts_on=today, ends_on=today)

    abilities = work_item_abilities(bank.leo, review)
    assert abilities.acting_for == bank.lola
    assert abilities.can_submit
    assert not abilities.can_reassign
    item = work_item_complete(review, by=bank.leo, data=REVIEW)  # nobody needs to say so

    assert (item.completed_by, item.on_behalf_of) == (bank.leo, bank.lola)


# Out of office -------------------------------------------------------------------------------


def test_an_outside_participant_cannot_delegate(bank):
    today = timezone.localdate()
    with pytest.raises(NotAllowed, match="Only members of a team can hand their work"):
        delegation_create(user=bank.dana, delegate=bank.lola, starts_on=today, ends_on=today)
    assert not Delegation.objects.exists()


def test_a_delegate_is_a_member_who_shares_a_team(bank):
    today, later = timezone.localdate(), timezone.localdate() + timedelta(days=3)

    with pytest.raises(NotAllowed, match="Ben Ortiz is not in any of your teams"):
        delegation_create(user=bank.lola, delegate=bank.ben, starts_on=today, ends_on=later)
    with pytest.raises(NotAllowed, match="Dana Whitfield is an outside participant"):
        delegation_create(user=bank.lola, delegate=bank.dana, starts_on=today, ends_on=later)
    delegation = delegation_create(
        user=bank.lola, delegate=bank.leo, starts_on=today, ends_on=later
    )

    assert Delegation.objects.get() == delegation


# The engine refuses through the same rules the pages show ------------------------------------


def test_every_refusal_the_engine_raises_is_the_one_abilities_announced(bank):
    run = at_underwriting(bank)
    underwriting = open_item(run, "underwriting")
    work_item_claim(underwriting, by=bank.uma)
    underwriting.refresh_from_db()

    held = work_item_abilities(bank.ulrich, underwriting).why_not
    assert held["submit"].why == held["save_draft"].why == Why.HELD_BY_OTHER
    assert held["claim"].why == Why.HELD_BY_OTHER
    for call, ability in (
        (lambda: work_item_complete(underwriting, by=bank.ulrich, data=REVIEW), "submit"),
        (lambda: work_item_save_draft(underwriting, by=bank.ulrich, data=REVIEW), "save_draft"),
        (lambda: work_item_claim(underwriting, by=bank.ulrich), "claim"),
    ):
        with pytest.raises(TransitionRefused) as refused:
            call()
        assert str(refused.value) == held[ability].message

    run_suspend(run, by=bank.sasha)
    underwriting = WorkItem.objects.select_related("run", "step_run").get(pk=underwriting.pk)
    suspended = work_item_abilities(bank.uma, underwriting)
    assert suspended.why_not["submit"].why == Why.RUN_SUSPENDED
    assert suspended.why_not["submit"].passes  # the page keeps Submit: it may work later
    assert suspended.can_save_draft
    with pytest.raises(TransitionRefused) as refused:
        work_item_complete(underwriting, by=bank.uma, data=REVIEW)
    assert str(refused.value) == suspended.why_not["submit"].message


def test_nobody_and_anonymous_may_do_nothing(bank):
    from django.contrib.auth.models import AnonymousUser

    review = open_item(at_review(bank), "review")
    for who in (None, AnonymousUser()):
        abilities = work_item_abilities(who, review)
        assert not any(
            (abilities.can_submit, abilities.can_save_draft, abilities.can_claim,
             abilities.can_release, abilities.can_reassign, abilities.can_comment)
        )  # fmt: skip
        assert {refusal.why for refusal in abilities.why_not.values()} == {Why.SIGNED_OUT}
