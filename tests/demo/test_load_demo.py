"""`load_demo` on an empty database: people, processes, and runs left at different
points, built only through the engine."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.utils import timezone

from demo.models import Account, LoanApplication
from demo.people import DEFINITION_MODELS, DEMO_PASSWORD, TEAMS, create_people
from demo.processes import PROCESS_KEYS, install_processes, read_definition
from demo.stories import Driver, run_background_work
from orchestrations.definition import validate_definition
from orchestrations.models import Delegation, Orchestration, Run, StageRun, StepRun, WorkItem
from orchestrations.status import RunStatus, StageRunStatus, StepRunStatus

SUPPORT_CAN = [
    "view_run",
    "change_run",
    "view_workitem",
    "change_workitem",
    "view_stagerun",
    "view_steprun",
    "view_runevent",
    "reassign_workitem",
]
# load_demo commits as it goes (record triggers and background steps run after each
# commit), so these tests use real transactions.
loads_demo = pytest.mark.django_db(transaction=True)


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def current_stages(key: str) -> list[str]:
    return list(
        StageRun.objects.filter(
            run__orchestration__key=key, status=StageRunStatus.IN_PROGRESS
        ).values_list("stage__name", flat=True)
    )


@loads_demo
def test_load_demo_creates_teams_people_and_permissions(settings):
    output = load_demo()

    assert set(Group.objects.values_list("name", flat=True)) == set(TEAMS)
    for team in TEAMS:
        assert Group.objects.get(name=team).user_set.count() >= 2, team
    ava = User.objects.get(username="ava")
    assert (ava.get_full_name(), ava.email) == ("Ava Thompson", "ava.thompson@example.com")
    assert ava.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser

    designer = User.objects.get(username="designer")
    assert designer.is_staff
    for model in DEFINITION_MODELS:
        for action in ("add", "change", "delete", "view"):
            assert designer.has_perm(f"orchestrations.{action}_{model}"), (action, model)
    assert not designer.has_perm("orchestrations.change_run")

    support = User.objects.get(username="support")
    assert support.is_staff
    assert support.groups.filter(name="Support").exists()
    for permission in SUPPORT_CAN:
        assert support.has_perm(f"orchestrations.{permission}"), permission
    assert support.has_perm("demo.change_account")
    assert not support.has_perm("orchestrations.change_step")
    # The loan officer starts loan applications, without the right to change processes.
    lola = User.objects.get(username="lola")
    assert lola.has_perm("orchestrations.add_run")
    assert not lola.has_perm("orchestrations.change_orchestration")

    logins = (settings.DATA_DIR / "demo-logins.txt").read_text()
    assert DEMO_PASSWORD in logins
    assert "Ava Thompson" in logins
    assert logins in output


@loads_demo
def test_load_demo_leaves_runs_at_different_stages(mailoutbox):
    output = load_demo()

    for key in PROCESS_KEYS:
        orchestration = Orchestration.objects.get(key=key)
        assert orchestration.active_version is not None, key
        assert orchestration.runs.exists(), key
    # Customer onboarding: spread over the stages, one finished, one deal still open.
    assert len(set(current_stages("customer_onboarding"))) >= 3
    assert Run.objects.filter(status=RunStatus.COMPLETED).count() >= 4
    assert not Run.objects.filter(record_label="Wayne Biotech").exists()
    # The loan sent back for more information is in its second application visit.
    dana = Run.objects.get(record_label__startswith="Loan for Dana Whitfield")
    assert dana.stage_runs.filter(stage__key="application").count() == 2
    assert WorkItem.objects.open().get(run=dana).assignee_user == User.objects.get(username="dana")
    # Loans are about their application and named by it; one waits for lola to start it.
    assert dana.record is not None
    assert dana.record.applicant.username == "dana"
    assert dana.label == "Home purchase loan for Dana Whitfield ($350000)"
    started = Run.objects.filter(orchestration__key="loan_origination").values("record_id")
    waiting = LoanApplication.objects.exclude(pk__in=[int(r["record_id"]) for r in started])
    assert [str(application) for application in waiting] == ["Loan for Dana Whitfield ($18,000)"]
    # Every process names its runs.
    assert not Run.objects.filter(label="").exists()
    # Nothing broke, and no background step waits for a worker.
    assert not Run.objects.filter(status=RunStatus.ERROR).exists()
    assert not StepRun.objects.filter(
        status=StepRunStatus.IN_PROGRESS, step__kind="background"
    ).exists()
    # Background steps did their work: the CSM recorded on the account, the tenant set.
    northwind = Account.objects.get(name="Northwind Traders")
    assert northwind.csm == User.objects.get(username="carla")
    assert northwind.go_live_ready
    assert Run.objects.get(record_label="Northwind Traders").variables["tenant_id"] == (
        f"mc-{northwind.pk}"
    )
    # Some items are held, some are overdue.
    open_items = WorkItem.objects.open()
    assert open_items.filter(status="claimed").count() >= 3
    assert sum(item.is_overdue for item in open_items) >= 3
    # Around the runs: comments, and Sam away this week with Ava covering for him.
    acme = Run.objects.get(record_label="Acme Robotics")
    assert [c.author_id for c in acme.comments.all()] == [
        User.objects.get(username=name).pk for name in ("sam", "carla")
    ]
    assert acme.events.filter(kind="comment.add").count() == 2
    away = Delegation.objects.active_on(timezone.localdate()).get()
    assert (away.user.username, away.delegate.username) == ("sam", "ava")

    assert "Customer onboarding (v1, when a demo.Account is updated)" in output
    assert "Wayne Biotech" in output

    # The runs go on from there: Fay wires Ben's loan, and a worker emails him.
    ben = Run.objects.get(record_label__startswith="Loan for Ben Carter")
    driver = Driver({user.username: user for user in User.objects.all()})
    driver.complete(
        ben, "disbursement", "fay",
        disbursed_amount="25000", disbursed_on="2026-11-24", wire_reference="WR-000042",
    )  # fmt: skip
    ben.refresh_from_db()
    assert ben.status == RunStatus.COMPLETED
    notice = next(m for m in mailoutbox if m.subject == "Your loan has been funded")
    assert notice.to == ["ben.carter@example.com"]
    assert "WR-000042" in notice.body


@loads_demo
def test_if_empty_loads_once_and_a_second_load_is_refused():
    assert "Loaded the Handoff demo." in load_demo("--if-empty")
    runs = Run.objects.count()

    assert load_demo("--if-empty").strip() == (
        "The database already has users: not loading the demo."
    )
    with pytest.raises(CommandError, match="The demo users already exist"):
        load_demo()
    assert Run.objects.count() == runs


@pytest.mark.django_db
@pytest.mark.parametrize("key", PROCESS_KEYS)
def test_definition_files_have_no_problems(key):
    create_people()  # the files name users and teams

    assert [str(problem) for problem in validate_definition(read_definition(key))] == []


@pytest.mark.django_db
def test_winning_an_account_starts_onboarding_with_a_kickoff_for_its_owner(
    django_capture_on_commit_callbacks,
):
    users = create_people()
    install_processes(by=users["designer"])
    account = Account.objects.create(name="Wayne Biotech", amount=300_000, owner=users["sam"])
    assert not Run.objects.exists()

    # The deal is won: the trigger starts the run after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        account.stage = Account.Stage.CLOSED_WON
        account.save()

    run = Run.objects.get()
    assert (run.orchestration.key, run.record) == ("customer_onboarding", account)
    item = WorkItem.objects.get(run=run)
    assert item.step_run.step.key == "kickoff"
    assert item.assignee_user == users["sam"]
    assert item.due_at is not None

    # Saving the won account again changes nothing: the stage did not change.
    with django_capture_on_commit_callbacks(execute=True):
        account.tier = "enterprise"
        account.save()
    assert Run.objects.count() == 1
    assert run_background_work() == 0
