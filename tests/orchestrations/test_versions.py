"""A version's life: activation retires the active one and leaves its runs on it,
active versions are frozen, a clone is the next draft with the same definition."""

import pytest
from django.utils import timezone

from demo.models import Account
from orchestrations.definition import DefinitionError, export_definition, import_definition
from orchestrations.engine import TransitionRefused, run_start
from orchestrations.engine.watch import has_trigger
from orchestrations.exceptions import VersionLockedError
from orchestrations.models import Form, Stage, Step, Version
from orchestrations.versions import (
    runs_left_on,
    version_activate,
    version_new_draft,
    version_problems,
)
from tests.orchestrations.definitions import make_people, rich_definition, small_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return make_people()


def test_activation_retires_the_active_version_and_leaves_its_runs_on_it(people):
    alice, _ = people
    v1 = version_activate(import_definition(small_definition()), by=alice)
    assert (v1.status, v1.activated_by) == ("active", alice)

    # a run starts on v1
    run = run_start(v1.orchestration, started_by=alice)
    assert run.version == v1

    # v2 is activated while the run is in flight
    v2 = version_activate(import_definition(small_definition(description="v2")))
    v1.refresh_from_db()
    run.refresh_from_db()
    assert (v1.status, v2.status) == ("obsolete", "active")
    assert v2.activated_at is not None
    assert v2.activated_at <= timezone.now()
    assert v1.orchestration.active_version == v2

    # the run stays on v1; new runs start on v2
    assert (run.version, run.status) == (v1, "in_progress")
    assert (runs_left_on(v1), runs_left_on(v2)) == (1, 0)
    assert run_start(v1.orchestration, started_by=alice).version == v2


def test_a_version_with_errors_is_not_activated(people):
    v1 = version_activate(import_definition(small_definition()))
    draft = import_definition(small_definition())
    Step.objects.filter(version=draft).update(form=None)

    with pytest.raises(DefinitionError) as raised:
        version_activate(draft)

    assert [p.path for p in raised.value.problems] == ["$.stages[0].steps[0].form"]
    draft.refresh_from_db()
    v1.refresh_from_db()
    assert (draft.status, v1.status) == ("draft", "active")


def test_warnings_do_not_block_activation(people):
    data = small_definition()
    del data["stages"][0]["steps"][0]["due_in"]
    version = import_definition(data)
    assert [p.severity for p in version_problems(version)] == ["warning"]
    assert version_activate(version).status == "active"


def test_only_a_draft_can_be_activated(people):
    v1 = version_activate(import_definition(small_definition()))
    with pytest.raises(TransitionRefused, match="only a draft can be activated"):
        version_activate(v1)


def test_active_and_obsolete_versions_refuse_edits(people):
    v1 = version_activate(import_definition(rich_definition()))
    stage = Stage.objects.filter(version=v1).get(key="welcome")
    step = Step.objects.filter(version=v1).get(key="kickoff")

    step.name = "Renamed"
    with pytest.raises(VersionLockedError):
        step.save()
    with pytest.raises(VersionLockedError):
        stage.delete()
    with pytest.raises(VersionLockedError):
        Form.objects.create(version=v1, key="late", name="Late")
    v1.trigger_condition = "True"
    with pytest.raises(VersionLockedError):
        v1.save()

    version_activate(version_new_draft(v1))
    v1 = Version.objects.get(pk=v1.pk)
    assert v1.status == "obsolete"
    with pytest.raises(VersionLockedError):
        v1.delete()


def test_a_clone_is_the_next_draft_with_an_identical_definition(people):
    alice, _ = people
    v1 = version_activate(import_definition(rich_definition()))
    v2 = version_new_draft(v1, by=alice)

    assert (v2.orchestration, v2.number, v2.status, v2.created_by) == (
        v1.orchestration,
        2,
        "draft",
        alice,
    )
    assert export_definition(v2) == export_definition(v1) == rich_definition()
    # the draft is independent: editing it leaves v1 alone
    Step.objects.filter(version=v2, key="kickoff").update(name="Kick-off")
    assert export_definition(v1) == rich_definition()


def test_a_draft_with_problems_can_be_cloned_to_fix_them(people):
    draft = import_definition(small_definition())
    Step.objects.filter(version=draft).update(form=None)
    clone = version_new_draft(draft)
    assert clone.number == 2
    assert version_problems(clone) == version_problems(draft) != []


def test_activation_makes_record_triggers_notice_at_once(people):
    version = import_definition(rich_definition())
    assert not has_trigger(Account)  # read now, and remembered for a few seconds
    version_activate(version)
    assert has_trigger(Account)
