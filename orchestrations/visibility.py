"""Who sees what of a run later: its steps' answers, its comments, the names of the
staff who work on it. The one rule; the inbox's pages, the emails and the builder's
checks ask it.

- **Support staff** (the run view or the reassign permission) see everything.
- **Whoever gave an answer** sees it (the person who completed the item, or on whose
  behalf a delegate did); whoever wrote a comment reads it.
- A step says who sees its answers (`visibility`): `members` (the default, so staff
  notes stay private unless the designer shares them), `participants` (members and the
  run's participants) or `groups` (members of the teams named, and no one else). A form
  field may say otherwise for its one answer (an empty field visibility follows the step).
- The run's **participants** are the outside participants (`orchestrations.membership`)
  who were given work in it (assigned, claimed, completed, or done on their behalf),
  started it, or own its record (`orchestrations.records`).
- **Comments** are internal (members) or shared (members and the run's participants);
  an outside participant's comments are always shared.
- **Names**: members see who did what. An outside participant sees the staff by their
  team's name, except on a step shared with participants (`visibility: participants`):
  sharing a step's answers shares who holds and gave them.

Conditions, decisions and assignee expressions are the engine's, not a person's view:
they always read every answer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q

from .fields import FieldDef
from .membership import is_member, member_condition
from .models import Run, WorkItem
from .models.choices import Visibility
from .records import record_owner_id

if TYPE_CHECKING:
    from .engine.definition import StepDef, VersionDef

# Support staff: who may see every run (the inbox's run view) or act on any item.
SUPPORT_PERMISSIONS = ("orchestrations.view_run", "orchestrations.reassign_workitem")
WORK_ITEM_PEOPLE = ("assignee_user", "claimed_by", "completed_by", "on_behalf_of")


@dataclass(frozen=True)
class Viewer:
    """Somebody looking at one run, as the rule needs them (built once per page or
    email by `viewer_of` / `viewers_of`)."""

    user_id: int | None
    support: bool = False
    member: bool = False
    participant: bool = False  # an outside participant of this run
    group_ids: frozenset[int] = frozenset()

    @property
    def is_outside(self) -> bool:
        """An outside participant: sees only what is shared with them."""
        return not (self.member or self.support)


NOBODY = Viewer(None)


class HasVisibility(Protocol):
    @property
    def visibility(self) -> str: ...


def viewer_of(user: Any, run: Run | None = None) -> Viewer:
    """`user` looking at `run`; without a run (a list of their requests), only who they
    are: member, outside participant or support, enough for names. Queries: membership,
    then the user's teams (a member, when the run's version keeps answers for teams) or
    whether they take part in the run (an outside participant); permissions as Django
    caches them on the user."""
    from .engine.definition import version_definition

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    member = is_member(user)
    # Outside participants belong to no team, by definition: only members are asked.
    asks_teams = member and run is not None and version_definition(run.version).shares_with_teams()
    group_ids = frozenset(user.groups.values_list("pk", flat=True) if asks_teams else ())
    return Viewer(
        user_id=user.pk,
        support=any(user.has_perm(name) for name in SUPPORT_PERMISSIONS),
        member=member,
        participant=not member and run is not None and _takes_part(user.pk, run),
        group_ids=group_ids,
    )


def viewers_of(user_ids: Collection[int], run: Run) -> dict[int, Viewer]:
    """Several people looking at `run` at once (the recipients of an email): a fixed
    number of queries whatever their number. Permissions are read as Django's model
    backend grants them (directly, through a group, or as a superuser)."""
    ids = set(user_ids)
    if not ids:
        return {}
    users = get_user_model()._default_manager.filter(pk__in=ids, is_active=True)
    members = set(users.filter(member_condition()).values_list("pk", flat=True))
    granted = Permission.objects.filter(
        content_type__app_label="orchestrations",
        codename__in=[name.split(".", 1)[1] for name in SUPPORT_PERMISSIONS],
    )
    may = Q(user_permissions__in=granted) | Q(groups__permissions__in=granted)
    may |= Q(is_superuser=True)
    support = set(users.filter(may).values_list("pk", flat=True))
    groups: dict[int, set[int]] = {}
    memberships = get_user_model().groups.through.objects.filter(user_id__in=members)
    for user_id, group_id in memberships.values_list("user_id", "group_id"):
        groups.setdefault(user_id, set()).add(group_id)
    involved = involved_ids(run) if ids - members else set()
    active = set(users.values_list("pk", flat=True))
    return {
        pk: Viewer(
            user_id=pk,
            support=pk in support,
            member=pk in members,
            participant=pk not in members and pk in involved,
            group_ids=frozenset(groups.get(pk, ())),
        )
        for pk in active
    }


def involved_ids(run: Run) -> set[int]:
    """Everybody who started `run`, owns its record or was given work in it (members
    too: the participants are the outside participants among them)."""
    people: set[int | None] = {run.started_by_id, record_owner_id(run)}
    for row in WorkItem.objects.filter(run=run).values_list(*WORK_ITEM_PEOPLE):
        people.update(row)
    people.discard(None)
    return {pk for pk in people if pk is not None}


def participant_ids(run: Run) -> set[int]:
    """The run's participants: the outside participants involved in it."""
    involved = involved_ids(run)
    users = get_user_model()._default_manager.filter(pk__in=involved, is_active=True)
    return set(users.exclude(member_condition()).values_list("pk", flat=True))


def _takes_part(user_id: int, run: Run) -> bool:
    if run.started_by_id == user_id:
        return True
    given_work = Q()
    for name in WORK_ITEM_PEOPLE:
        given_work |= Q(**{f"{name}_id": user_id})
    return WorkItem.objects.filter(run=run).filter(given_work).exists() or (
        record_owner_id(run) == user_id
    )


# Answers ----------------------------------------------------------------------------


def effective_visibility(step_visibility: str, field_visibility: str | None = None) -> str:
    """The visibility of one answer: its field's, unless that is empty (as its step)."""
    return field_visibility or step_visibility or Visibility.MEMBERS


def answer_visibility(step: StepDef, field: FieldDef | None = None) -> tuple[str, frozenset[int]]:
    """Who sees one answer of `step` (the field's, unless it follows its step): the
    visibility and, for `groups`, the teams' ids."""
    own = field is not None and bool(field.visibility)
    visibility = effective_visibility(step.visibility, field.visibility if field else None)
    groups = field.visibility_group_ids if field is not None and own else step.visibility_group_ids
    return visibility, groups


def sees_answer(
    viewer: Viewer,
    step: StepDef,
    field: FieldDef | None = None,
    *,
    given_by: Iterable[int | None] = (),
) -> bool:
    """Whether `viewer` may see the answer to `field` of `step` (the step's other
    outputs: `field=None`), given by the people `given_by`."""
    if viewer.support:
        return True
    if viewer.user_id is not None and viewer.user_id in set(given_by):
        return True
    visibility, group_ids = answer_visibility(step, field)
    if visibility == Visibility.PARTICIPANTS:
        return viewer.member or viewer.participant
    if visibility == Visibility.GROUPS:
        return bool(group_ids & viewer.group_ids)
    return viewer.member


def answers_visible_to(
    user: Any,
    run: Run,
    step: StepDef,
    field: FieldDef | None = None,
    *,
    given_by: Iterable[int | None] = (),
) -> bool:
    """`sees_answer` for one person and one answer (a page asking about many answers
    builds the viewer once with `viewer_of`)."""
    return sees_answer(viewer_of(user, run), step, field, given_by=given_by)


def visible_answers(
    viewer: Viewer,
    step: StepDef,
    values: Mapping[str, Any],
    *,
    given_by: Iterable[int | None] = (),
) -> dict[str, Any]:
    """The answers of `values` (a step's outputs, an item's submitted data) that
    `viewer` may see."""
    given = set(given_by)
    fields = {spec.key: spec for spec in step.fields}
    return {
        key: value
        for key, value in values.items()
        if sees_answer(viewer, step, fields.get(key), given_by=given)
    }


def names_shared(viewer: Viewer, step: HasVisibility | None) -> bool:
    """Whether `viewer` sees who holds and completed `step`'s work by name (else by
    their team's name)."""
    if not viewer.is_outside:
        return True
    return step is not None and step.visibility == Visibility.PARTICIPANTS


def seen_steps(
    viewer: Viewer,
    definition: VersionDef,
    steps: Mapping[str, Mapping[str, Any]],
    *,
    only: Collection[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """The `steps` namespace of a run's context (conditions' and templates' names) as
    `viewer` may read it: answers they may not see read as None, and so does
    `completed_by` where they don't see names. `only`: just these step keys."""
    seen: dict[str, dict[str, Any]] = {}
    for key, outputs in steps.items():
        step = definition.step_by_key.get(key)
        if (only is not None and key not in only) or step is None:
            continue
        completer = outputs.get("completed_by")
        given_by = (getattr(completer, "pk", None),)
        fields = {spec.key: spec for spec in step.fields}
        shown = {}
        for name, value in outputs.items():
            if name == "completed_by":
                visible = names_shared(viewer, step) or viewer.user_id in given_by
            elif name == "completed_at":
                visible = True
            else:
                visible = sees_answer(viewer, step, fields.get(name), given_by=given_by)
            shown[name] = value if visible else None
        seen[key] = shown
    return seen


# Comments ---------------------------------------------------------------------------


class CommentLike(Protocol):
    @property
    def author_id(self) -> int | None: ...

    @property
    def shared(self) -> bool: ...


def comment_shared(author: Any, shared: bool) -> bool:
    """Whether a comment `author` writes is shared with the run's participants: as they
    choose for a member (internal by default), always for an outside participant."""
    return shared or not is_member(author)


def sees_comment(viewer: Viewer, comment: CommentLike) -> bool:
    if viewer.support or viewer.member:
        return True
    if viewer.user_id is not None and comment.author_id == viewer.user_id:
        return True
    return comment.shared and viewer.participant


__all__ = [
    "NOBODY",
    "SUPPORT_PERMISSIONS",
    "Viewer",
    "answer_visibility",
    "answers_visible_to",
    "comment_shared",
    "effective_visibility",
    "involved_ids",
    "names_shared",
    "participant_ids",
    "seen_steps",
    "sees_answer",
    "sees_comment",
    "viewer_of",
    "viewers_of",
    "visible_answers",
]
