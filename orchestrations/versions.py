"""A version's life: checked, activated (retiring the active one), cloned into a
new draft. Runs stay on the version they started on."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .definition import (
    DefinitionError,
    Problem,
    errors_of,
    export_definition,
    validate_definition,
)
from .definition.importer import write_definition
from .engine.watch import forget_watched_models
from .exceptions import TransitionRefused
from .models import Orchestration, Run, Version
from .status import VersionStatus


def version_problems(version: Version) -> list[Problem]:
    """Every problem of `version` as stored (errors and warnings)."""
    return validate_definition(export_definition(version))


def version_activate(version: Version, *, by: Any = None) -> Version:
    """Make the draft `version` the one new runs start on.

    The draft is validated under the orchestration's row lock (so two admins
    activating at once take turns); any error raises `DefinitionError` and
    nothing changes. The active version, if any, becomes obsolete: its runs in
    flight stay on it (`runs_left_on` counts them)."""
    with transaction.atomic():
        Orchestration.objects.select_for_update().get(pk=version.orchestration_id)
        version = Version.objects.select_related("orchestration").get(pk=version.pk)
        if version.status != VersionStatus.DRAFT:
            raise TransitionRefused(
                f"{version} is {version.status}; only a draft can be activated."
            )
        problems = version_problems(version)
        if errors_of(problems):
            raise DefinitionError(problems)
        current = Version.objects.filter(
            orchestration_id=version.orchestration_id, status=VersionStatus.ACTIVE
        ).first()
        if current is not None:
            current.retire()
            current.save()
        version.activate(by=by if getattr(by, "pk", None) else None)
        version.save()
    # Record triggers of this process notice the change now, other processes
    # within a few seconds.
    forget_watched_models()
    return version


def version_new_draft(version: Version, *, by: Any = None) -> Version:
    """A new draft of the same orchestration, numbered after the latest version,
    with the definition of `version` copied as it is (problems included, so they
    can be fixed in the draft)."""
    return write_definition(
        export_definition(version), user=by, orchestration=version.orchestration
    )


def runs_left_on(version: Version) -> int:
    """How many runs of `version` may still move (in progress, suspended or in
    error): they finish on it even after another version is activated."""
    return Run.objects.filter(version=version).open().count()
