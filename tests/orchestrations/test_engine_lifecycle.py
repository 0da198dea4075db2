"""How a run moves: parallel and sequential steps, conditions, exits, loops, people."""

from datetime import timedelta

import pytest
from django.core import mail
from django.forms import ValidationError

from demo.models import Account
from orchestrations.engine import (
    AlreadyClaimedError,
    NotAllowed,
    TransitionRefused,
    WorkItemClosedError,
    run_start,
    work_item_claim,
    work_item_complete,
    work_item_reassign,
    work_item_release,
)
from orchestrations.models import RunEvent, StageRun, StepRun, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db


def item_for(run, step_key):
    return WorkItem.objects.get(
        run=run, step_run__step__key=step_key, status__in=["open", "claimed"]
    )


def statuses(run):
    return {s.step.key: s.status for s in StepRun.objects.filter(run=run).select_related("step")}


def test_parallel_steps_for_three_teams_complete_the_stage_only_when_all_are_done():
    sales, cs, impl = make_group("Sales"), make_group("CS"), make_group("Impl")
    ann, cat, ian = make_user("ann", sales), make_user("cat", cs), make_user("ian", impl)
    b = VersionBuilder("onboarding")
    done = b.form("done", [field("notes")])
    setup, golive = b.stage("setup"), b.stage("golive")
    for key, team in [("contract", sales), ("packet", cs), ("config", impl)]:
        b.step(setup, key, form=done, group=team)
    b.step(golive, "launch", form=done, user=ann)
    b.activate()

    # start: all three items appear at once, one in each team's queue
    run = run_start(b.orchestration, started_by=ann)
    assert statuses(run) == {
        "contract": "in_progress",
        "packet": "in_progress",
        "config": "in_progress",
    }
    queues = WorkItem.objects.filter(run=run).values_list("assignee_group__name", flat=True)
    assert set(queues) == {"Sales", "CS", "Impl"}

    # two of three done: the stage waits
    work_item_complete(item_for(run, "contract"), by=ann, data={})
    work_item_complete(item_for(run, "packet"), by=cat, data={"notes": "sent"})
    assert StageRun.objects.get(run=run, stage__key="setup").status == "in_progress"
    assert not StageRun.objects.filter(run=run, stage__key="golive").exists()

    # the third: Setup completes and Go-Live starts, exactly once
    work_item_complete(item_for(run, "config"), by=ian, data={})
    assert StageRun.objects.get(run=run, stage__key="setup").status == "completed"
    assert StageRun.objects.filter(run=run, stage__key="golive").count() == 1
    assert item_for(run, "launch").assignee_user == ann

    work_item_complete(item_for(run, "launch"), by=ann, data={})
    run.refresh_from_db()
    assert run.status == "completed"
    assert run.finished_at is not None


def test_sequential_steps_start_one_after_another():
    ae = make_user("ae")
    b = VersionBuilder("welcome")
    form = b.form("f", [field("ok", "yes_no", required=True)])
    welcome = b.stage("welcome")
    kickoff = b.step(welcome, "kickoff", form=form, user=ae)
    b.step(welcome, "packet", form=form, expression="steps.kickoff.completed_by", after=[kickoff])
    b.activate()

    run = run_start(b.orchestration)
    assert statuses(run) == {"kickoff": "in_progress", "packet": "not_started"}

    work_item_complete(item_for(run, "kickoff"), by=ae, data={"ok": True})
    # packet goes to whoever completed the kickoff (an assignee expression)
    assert statuses(run)["packet"] == "in_progress"
    assert item_for(run, "packet").assignee_user == ae


def test_a_condition_started_step_starts_when_the_record_is_edited_to_match(after_commit):
    csm = make_user("csm")
    b = VersionBuilder("accounts")
    form = b.form("f", [field("notes")])
    stage = b.stage("care")
    b.step(stage, "call", form=form, user=csm)
    b.step(stage, "vip_gift", form=form, user=csm, when="record.tier == 'gold'")
    b.activate()
    account = Account.objects.create(name="Acme", tier="standard")

    run = run_start(b.orchestration, record=account)
    assert statuses(run)["vip_gift"] == "not_started"

    with after_commit():
        account.tier = "gold"
        account.save()
    assert statuses(run)["vip_gift"] == "in_progress"
    assert item_for(run, "vip_gift").assignee_user == csm


def test_a_condition_started_step_waits_for_a_record_edit_in_a_stage_with_an_exit_condition(
    after_commit,
):
    csm = make_user("csm")
    b = VersionBuilder("care")
    form = b.form("f", [field("notes")])
    care = b.stage("care", exit_condition="record.go_live_ready")
    b.step(care, "call", form=form, user=csm)
    b.step(care, "vip_gift", form=form, user=csm, when="record.tier == 'gold'")
    b.step(b.stage("after"), "survey", form=form, user=csm)
    b.activate()
    account = Account.objects.create(name="Acme", tier="standard")
    run = run_start(b.orchestration, record=account)

    # the call is done: nothing runs, yet the stage waits for its exit condition
    work_item_complete(item_for(run, "call"), by=csm, data={})
    assert statuses(run) == {"call": "completed", "vip_gift": "not_started"}
    # the account turns gold: the gift step starts
    with after_commit():
        account.tier = "gold"
        account.save()
    assert statuses(run)["vip_gift"] == "in_progress"
    assert item_for(run, "vip_gift").assignee_user == csm
    # go-live: the stage ends even though the gift step runs
    with after_commit():
        account.go_live_ready = True
        account.save()
    assert statuses(run) == {
        "call": "completed",
        "vip_gift": "discontinued",
        "survey": "in_progress",
    }


def test_a_stage_with_an_exit_condition_also_ends_when_every_step_is_complete():
    csm = make_user("csm")
    b = VersionBuilder("care")
    form = b.form("f", [field("notes")])
    b.step(b.stage("care", exit_condition="record.go_live_ready"), "call", form=form, user=csm)
    b.step(b.stage("after"), "survey", form=form, user=csm)
    b.activate()
    run = run_start(b.orchestration, record=Account.objects.create(name="Acme"))

    work_item_complete(item_for(run, "call"), by=csm, data={})
    assert statuses(run) == {"call": "completed", "survey": "in_progress"}


def test_an_exit_condition_ends_the_stage_and_discontinues_running_steps(after_commit):
    ops = make_user("ops")
    b = VersionBuilder("golive")
    form = b.form("f", [field("notes")])
    stage = b.stage("golive", exit_condition="record.go_live_ready")
    b.step(stage, "checklist", form=form, user=ops)
    b.step(stage, "training", form=form, user=ops)
    b.stage("after")
    b.step(b.version.stages.get(key="after"), "survey", form=form, user=ops)
    b.activate()
    account = Account.objects.create(name="Acme")
    run = run_start(b.orchestration, record=account)
    work_item_complete(item_for(run, "checklist"), by=ops, data={})

    with after_commit():
        account.go_live_ready = True
        account.save()

    assert statuses(run) == {
        "checklist": "completed",
        "training": "discontinued",
        "survey": "in_progress",
    }
    training_item = WorkItem.objects.get(run=run, step_run__step__key="training")
    assert training_item.status == "canceled"
    with pytest.raises(WorkItemClosedError, match="canceled because its step no longer runs"):
        work_item_complete(training_item, by=ops, data={})


def test_a_decision_loop_creates_new_records_and_keeps_history():
    officer, underwriter = make_user("officer"), make_user("uw")
    b = VersionBuilder("loan", max_stage_visits=5)
    app_form = b.form("application", [field("income", "number", required=True)])
    review_form = b.form(
        "review", [field("decision", "choice", required=True, choices=["approve", "more_info"])]
    )
    intake, review, funding = b.stage("intake"), b.stage("review"), b.stage("funding")
    b.step(intake, "collect", form=app_form, user=officer)
    b.step(review, "underwrite", form=review_form, user=underwriter)
    b.step(funding, "fund", form=app_form, user=officer)
    b.outcome(review, "steps.underwrite.decision == 'more_info'", intake, label="Needs info")
    b.activate()
    run = run_start(b.orchestration)

    # first pass, sent back for more information
    work_item_complete(item_for(run, "collect"), by=officer, data={"income": 50_000})
    work_item_complete(item_for(run, "underwrite"), by=underwriter, data={"decision": "more_info"})
    intake_visits = StageRun.objects.filter(run=run, stage__key="intake").order_by("visit")
    assert [(s.visit, s.status) for s in intake_visits] == [(1, "completed"), (2, "in_progress")]
    review_run = StageRun.objects.get(run=run, stage__key="review")
    assert "Needs info" in review_run.decision

    # the first pass keeps its records; the second pass gets new ones
    old_items = WorkItem.objects.filter(run=run, step_run__step__key="collect", status="completed")
    assert old_items.count() == 1
    assert old_items.get().data == {"income": 50_000}

    # second pass approved: on to funding
    work_item_complete(item_for(run, "collect"), by=officer, data={"income": 80_000})
    work_item_complete(item_for(run, "underwrite"), by=underwriter, data={"decision": "approve"})
    assert StageRun.objects.get(run=run, stage__key="funding").status == "in_progress"
    assert StepRun.objects.filter(run=run, step__key="collect").count() == 2


def test_a_loop_that_never_ends_stops_the_run_with_a_clear_message():
    rev = make_user("rev")
    b = VersionBuilder("loop", max_stage_visits=3)
    form = b.form("f", [field("notes")])
    only = b.stage("again")
    b.step(only, "look", form=form, user=rev)
    b.outcome(only, "True", only)
    b.activate()
    run = run_start(b.orchestration)
    for _ in range(3):
        work_item_complete(item_for(run, "look"), by=rev, data={})
    run.refresh_from_db()
    assert run.status == "error"
    assert "more than 3 times" in run.error_message
    assert StageRun.objects.filter(run=run).count() == 3


def test_form_errors_come_back_per_field_and_nothing_changes():
    officer = make_user("officer")
    b = VersionBuilder("v")
    form = b.form("f", [field("income", "number", required=True), field("email", "email")])
    b.step(b.stage("s"), "collect", form=form, user=officer)
    b.activate()
    run = run_start(b.orchestration)
    item = item_for(run, "collect")

    with pytest.raises(ValidationError) as caught:
        work_item_complete(item, by=officer, data={"income": "lots", "email": "nope"})
    assert set(caught.value.error_dict) == {"income", "email"}
    item.refresh_from_db()
    assert item.status == "open"


def test_claim_release_and_a_lost_claim_race_says_who_won():
    queue = make_group("Queue")
    ann, bob, outsider = make_user("ann", queue), make_user("bob", queue), make_user("eve")
    b = VersionBuilder("q")
    form = b.form("f", [field("notes")])
    b.step(b.stage("s"), "triage", form=form, group=queue)
    b.activate()
    item = item_for(run_start(b.orchestration), "triage")

    with pytest.raises(NotAllowed):
        work_item_claim(item, by=outsider)
    work_item_claim(item, by=ann)
    with pytest.raises(AlreadyClaimedError, match=r"Ann claimed this first, today at \d\d:\d\d\."):
        work_item_claim(item, by=bob)
    with pytest.raises(AlreadyClaimedError, match="Ann is working on this"):
        work_item_complete(item, by=bob, data={})
    with pytest.raises(NotAllowed):
        work_item_release(item, by=bob)

    work_item_release(item, by=ann)
    item.refresh_from_db()
    assert item.status == "open"
    assert item.claimed_by is None
    work_item_complete(item, by=bob, data={"notes": "done"})
    with pytest.raises(WorkItemClosedError, match="Already completed by Bob") as closed:
        work_item_complete(item, by=ann, data={"notes": "me too"})
    assert closed.value.closed_by == "Bob"
    kinds = list(RunEvent.objects.filter(work_item=item).values_list("kind", flat=True))
    assert kinds == [
        "work_item.create",
        "work_item.claim",
        "work_item.release",
        "work_item.complete",
    ]


def test_reassign_notifies_the_new_assignee_and_the_old_one_loses_it(after_commit):
    team = make_group("Team")
    ann, bob = make_user("ann", team), make_user("bob", team)
    support = make_user("support", team)
    b = VersionBuilder("r")
    form = b.form("f", [field("notes")])
    b.step(b.stage("s"), "task", form=form, user=ann, due_in=timedelta(days=2))
    b.activate()
    with after_commit():
        item = item_for(run_start(b.orchestration), "task")
    assert mail.outbox[-1].to == ["ann@example.com"]

    with pytest.raises(NotAllowed):
        work_item_reassign(item, by=bob, to_user=bob, reason="mine now")
    with after_commit():
        work_item_reassign(item, by=ann, to_user=bob, reason="on holiday")
    item.refresh_from_db()
    assert item.assignee_user == bob
    assert mail.outbox[-1].to == ["bob@example.com"]
    assert "on holiday" in mail.outbox[-1].body
    with pytest.raises(NotAllowed, match="assigned to Bob, not to you"):
        work_item_complete(item, by=ann, data={})  # Ann's page went stale
    event = RunEvent.objects.filter(work_item=item, kind="work_item.reassign").get()
    assert event.actor == ann
    assert "on holiday" in event.message

    work_item_complete(item, by=bob, data={})
    with pytest.raises(WorkItemClosedError):
        work_item_reassign(item, by=support, to_user=ann)


def test_group_work_notifies_every_member_with_the_step_email_text(after_commit):
    team = make_group("Team")
    make_user("a1", team), make_user("a2", team)
    b = VersionBuilder("mail")
    form = b.form("f", [field("notes")])
    b.step(
        b.stage("s"), "task", form=form, group=team,
        email_subject="Please handle {{ vars.customer }}",
        email_body="Customer: {{ vars.customer }}",
    )  # fmt: skip
    b.input("customer", required=True)
    b.activate()
    with after_commit():
        run_start(b.orchestration, variables={"customer": "Acme"})
    assert mail.outbox[-1].subject == "Please handle Acme"
    assert sorted(mail.outbox[-1].to) == ["a1@example.com", "a2@example.com"]
    assert "Customer: Acme" in mail.outbox[-1].body


def test_run_inputs_are_validated():
    b = VersionBuilder("inputs")
    b.input("amount", "number", required=True)
    b.step(b.stage("s"), "t", form=b.form("f", [field("x")]), user=make_user("u"))
    b.activate()
    with pytest.raises(ValidationError) as caught:
        run_start(b.orchestration, variables={"amount": "many"})
    assert "amount" in caught.value.error_dict
    run = run_start(b.orchestration, variables={"amount": "12"})
    assert run.variables == {"amount": 12}


def test_an_unresolvable_assignee_puts_the_run_in_error():
    # A manual start refuses an assignee expression that names nobody (see
    # test_engine_start.py); a user deactivated after the activation still fails.
    ann = make_user("ann")
    b = VersionBuilder("bad")
    b.step(b.stage("s"), "t", form=b.form("f", [field("x")]), user=ann)
    b.activate()
    ann.is_active = False
    ann.save()
    run = run_start(b.orchestration)
    run.refresh_from_db()
    assert run.status == "error"
    assert "no longer an active user" in run.error_message
    assert statuses(run) == {"t": "error"}


def test_every_transition_is_on_the_timeline():
    ann = make_user("ann")
    b = VersionBuilder("timeline")
    b.step(b.stage("s"), "t", form=b.form("f", [field("x")]), user=ann)
    b.activate()
    run = run_start(b.orchestration, started_by=ann)
    work_item_complete(item_for(run, "t"), by=ann, data={"x": "1"})
    kinds = list(run.events.values_list("kind", flat=True))
    assert kinds == [
        "run.start",
        "stage.start",
        "step.start",
        "work_item.create",
        "work_item.complete",
        "step.complete",
        "stage.complete",
        "run.complete",
    ]
    with pytest.raises(TransitionRefused, match="completed"):
        work_item_complete(WorkItem.objects.get(run=run), by=ann, data={})


def test_an_optional_step_whose_condition_does_not_hold_is_skipped(after_commit):
    csm = make_user("csm")
    b = VersionBuilder("optional")
    form = b.form("f", [field("notes")])
    training = b.stage("training")
    b.step(training, "sessions", form=form, user=csm)
    b.step(training, "exec_briefing", form=form, user=csm, when="record.amount > 100000")
    b.step(b.stage("golive"), "launch", form=form, user=csm)
    b.activate()
    run = run_start(b.orchestration, record=Account.objects.create(name="Small", amount=500))

    work_item_complete(item_for(run, "sessions"), by=csm, data={})
    assert statuses(run) == {
        "sessions": "completed",
        "exec_briefing": "discontinued",
        "launch": "in_progress",
    }


def test_after_a_loop_back_the_redone_steps_read_as_not_yet_done():
    officer = make_user("officer")
    b = VersionBuilder("redo", max_stage_visits=3)
    form = b.form("f", [field("answer", "choice", choices=["again", "done"])])
    ask = b.stage("ask")
    b.step(ask, "question", form=form, user=officer)
    b.step(ask, "follow_up", form=form, user=officer, when="steps.question.answer == 'again'")
    b.outcome(ask, "steps.question.answer == 'again'", ask)
    b.activate()
    run = run_start(b.orchestration)

    work_item_complete(item_for(run, "question"), by=officer, data={"answer": "again"})
    work_item_complete(item_for(run, "follow_up"), by=officer, data={})
    # second visit: `steps.question.answer` is None again, so follow_up waits
    second = StageRun.objects.get(run=run, visit=2)
    assert {s.step.key: s.status for s in second.step_runs.select_related("step")} == {
        "question": "in_progress",
        "follow_up": "not_started",
    }
    work_item_complete(item_for(run, "question"), by=officer, data={"answer": "done"})
    run.refresh_from_db()
    assert run.status == "completed"


def test_variables_set_by_a_later_step_read_as_none_until_then():
    ops = make_user("ops")
    b = VersionBuilder("vars")
    form = b.form("f", [field("notes")])
    stage = b.stage("s")
    b.step(stage, "first", form=form, user=ops)
    b.step(stage, "second", form=form, user=ops, when="vars.tenant_id != None")
    b.step(stage, "provision", action="set_variables", action_inputs={"values": {"tenant_id": 7}})
    b.activate()
    run = run_start(b.orchestration)
    assert statuses(run)["second"] == "not_started"
    assert run.status == "in_progress"


def test_notification_emails_carry_one_link(after_commit):
    ann = make_user("ann")
    b = VersionBuilder("links")
    form = b.form("f", [field("notes")])
    stage = b.stage("s")
    b.step(stage, "custom", form=form, user=ann, email_body="Hello {{ record.name }}")
    b.step(stage, "broken", form=form, user=ann, email_body="Hello {{ vars.nope }}")
    b.activate()
    with after_commit():
        run_start(b.orchestration, record=Account.objects.create(name="Acme"))
    bodies = sorted(message.body for message in mail.outbox)
    assert bodies[0].startswith("Broken is waiting for you")  # the default text
    assert bodies[1].startswith("Hello Acme")
    assert all(body.count("Open it: http") == 1 for body in bodies)
