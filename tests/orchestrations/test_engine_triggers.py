"""Record-triggered runs: start conditions, changed(), and one open run per record."""

import pytest

from demo.models import Account
from orchestrations.engine import DuplicateRunError, HandoffError, run_cancel, run_start
from orchestrations.models import Run
from orchestrations.models.choices import TriggerOn, TriggerType
from tests.factories import VersionBuilder, field, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def onboarding():
    """Customer onboarding starts when an account reaches closed won."""
    ae = make_user("ae")
    b = VersionBuilder(
        "onboarding",
        trigger_type=TriggerType.RECORD,
        trigger_model="demo.Account",
        trigger_on=TriggerOn.BOTH,
        trigger_condition="record.stage == 'closed_won' and changed('stage')",
    )
    b.step(
        b.stage("welcome"), "kickoff", form=b.form("f", [field("notes")]), expression="record.owner"
    )
    b.activate()
    return b.orchestration, ae


def test_a_run_starts_when_the_account_reaches_closed_won(onboarding, after_commit):
    _orchestration, ae = onboarding
    with after_commit():
        account = Account.objects.create(name="Acme", owner=ae)
    assert not Run.objects.exists()

    with after_commit():
        account.stage = "negotiation"
        account.save()
    assert not Run.objects.exists()

    with after_commit():
        account.stage = "closed_won"
        account.save()
    run = Run.objects.get()
    assert run.record == account
    assert run.record_label == "Acme"
    assert run.work_items.get().assignee_user == ae


def test_an_update_that_does_not_change_the_stage_starts_nothing_new(onboarding, after_commit):
    _orchestration, ae = onboarding
    with after_commit():
        account = Account.objects.create(name="Acme", owner=ae, stage="closed_won")
    assert Run.objects.count() == 1  # on create every field counts as changed

    with after_commit():
        account.amount = 500
        account.save()
    assert Run.objects.count() == 1


def test_at_most_one_open_run_per_record(onboarding, after_commit):
    orchestration, ae = onboarding
    with after_commit():
        account = Account.objects.create(name="Acme", owner=ae, stage="closed_won")
    first = Run.objects.get()

    with pytest.raises(DuplicateRunError, match=f"#{first.pk}"):
        run_start(orchestration, record=account)
    with after_commit():  # a re-trigger is ignored quietly
        account.stage = "negotiation"
        account.save()
        account.stage = "closed_won"
        account.save()
    assert Run.objects.count() == 1

    run_cancel(first)
    second = run_start(orchestration, record=account)
    assert second.pk != first.pk


def test_an_orchestration_may_allow_several_runs_per_record(after_commit):
    ae = make_user("ae")
    b = VersionBuilder("many", allow_concurrent_runs=True)
    b.step(b.stage("s"), "t", form=b.form("f", [field("x")]), user=ae)
    b.activate()
    account = Account.objects.create(name="Acme")
    run_start(b.orchestration, record=account)
    run_start(b.orchestration, record=account)
    assert Run.objects.for_record(account).count() == 2


def test_renaming_the_record_renames_its_runs(onboarding, after_commit):
    _orchestration, ae = onboarding
    with after_commit():
        account = Account.objects.create(name="Acme", owner=ae, stage="closed_won")
    with after_commit():
        account.name = "Acme Corp"
        account.save()
    assert Run.objects.get().record_label == "Acme Corp"


def test_an_archived_orchestration_starts_no_runs(onboarding, after_commit):
    orchestration, ae = onboarding
    orchestration.archived = True
    orchestration.save()

    with after_commit():
        account = Account.objects.create(name="Acme", owner=ae, stage="closed_won")
    assert not Run.objects.exists()
    with pytest.raises(HandoffError, match="archived; unarchive it to start runs"):
        run_start(orchestration, record=account)

    orchestration.archived = False
    orchestration.save()
    assert run_start(orchestration, record=account).status == "in_progress"
