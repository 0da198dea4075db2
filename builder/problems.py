"""Validation problems placed on the canvas: each JSON path (`$.stages[1].steps[0].form`)
mapped to what it is about (this step, that stage, a form, an input, the trigger),
with words for where it is and a link to the editor that fixes it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse

from orchestrations.definition import Problem
from orchestrations.models import Version
from orchestrations.versions import version_problems

SEP = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "  # between the parts of a place
PATH_RE = re.compile(
    r"^\$\.(?P<part>stages|forms|inputs)(?:\[(?P<i>\d+)\])?"
    r"(?:\.(?:steps|fields)\[(?P<j>\d+)\])?(?P<rest>.*)$"
)
# What the end of a path is about, in words ("decision.outcomes[0].goto" → "decision").
FIELD_WORDS = {
    "form": "form",
    "assignee": "assignee",
    "due_in": "due date",
    "start": "start",
    "exit_condition": "exit condition",
    "decision": "decision",
    "on_error": "fault path",
    "email": "email",
    "action": "action",
    "inputs": "action inputs",
    "retry": "retry policy",
    "key": "key",
    "name": "name",
    "instructions": "instructions",
    "default": "default",
    "min": "smallest value",
    "max": "largest value",
    "choices": "choices",
    "type": "type",
    "visibility": "who sees the answers",
    "visibility_groups": "who sees the answers",
}
# File-format words in messages, as the builder names them.
PLAIN_WORDS = [
    ("No due_in:", "No due date:"),
    ("(or set max_stage_visits)", "(or set a limit on stage visits)"),
]


@dataclass(frozen=True)
class PlacedProblem:
    problem: Problem
    where: str  # e.g. Stage “Welcome”, step “Kickoff call”, form
    url: str | None = None  # the editor that fixes it
    card_id: str | None = None  # the canvas element it concerns: "step-12", "stage-3"

    @property
    def is_error(self) -> bool:
        return self.problem.is_error

    @property
    def message(self) -> str:
        text = self.problem.message
        for file_words, plain in PLAIN_WORDS:
            text = text.replace(file_words, plain)
        return text


@dataclass
class ProblemsReport:
    version: Version
    problems: list[PlacedProblem]

    @property
    def errors(self) -> list[PlacedProblem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[PlacedProblem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def summary(self) -> str:
        errors, warnings = len(self.errors), len(self.warnings)
        parts = []
        if errors:
            noun = "error" if errors == 1 else "errors"
            verb = "blocks" if errors == 1 else "block"
            parts.append(f"{errors} {noun} {verb} activation" if self.version.is_editable
                         else f"{errors} {noun}")  # fmt: skip
        if warnings:
            parts.append(f"{warnings} warning" + ("" if warnings == 1 else "s"))
        return " · ".join(parts)

    @property
    def can_activate(self) -> bool:
        return self.version.is_editable and not self.errors


def problems_report(version: Version) -> ProblemsReport:
    """The problems of `version`, errors first, each placed on the canvas."""
    problems = sorted(version_problems(version), key=lambda p: not p.is_error)
    places = Places(version)
    return ProblemsReport(version, [places.place(p) for p in problems])


class Places:
    """The parts of a version by their index in the exported definition (the order
    `export_definition` writes them in), loaded only when a path needs them."""

    def __init__(self, version: Version):
        self.version = version

    @cached_property
    def stages(self) -> list[tuple[int, str, list[tuple[int, str]]]]:
        steps: dict[int, list[tuple[int, str]]] = {}
        for pk, name, stage_id in self.version.steps.order_by("position", "pk").values_list(
            "pk", "name", "stage_id"
        ):
            steps.setdefault(stage_id, []).append((pk, name))
        stages = self.version.stages.order_by("position", "pk").values_list("pk", "name")
        return [(pk, name, steps.get(pk, [])) for pk, name in stages]

    @cached_property
    def forms(self) -> list[tuple[int, str, list[str]]]:
        forms = self.version.forms.order_by("pk").prefetch_related("fields")
        return [(f.pk, f.name, [field.label for field in f.fields.all()]) for f in forms]

    @cached_property
    def inputs(self) -> list[tuple[int, str]]:
        return list(self.version.inputs.order_by("position", "pk").values_list("pk", "label"))

    def place(self, problem: Problem) -> PlacedProblem:
        match = PATH_RE.match(problem.path)
        if problem.path.startswith(("$.trigger", "$.label")):
            where = "Trigger" if problem.path.startswith("$.trigger") else "Run label"
            return PlacedProblem(
                problem, where, reverse("builder:trigger-edit", args=[self.version.pk])
            )
        if match is None or match["i"] is None:
            return self._whole(problem, match)
        i, j, rest = int(match["i"]), match["j"], _words(match["rest"])
        found = getattr(self, match["part"])
        if i >= len(found):
            return PlacedProblem(problem, "The definition")
        if match["part"] == "stages":
            return self._stage(problem, found[i], j, rest)
        if match["part"] == "forms":
            pk, name, fields = found[i]
            where = f"Form “{name}”"
            if j is not None and int(j) < len(fields):
                where += f"{SEP}field “{fields[int(j)]}”"
            return PlacedProblem(problem, where + rest, reverse("builder:form-edit", args=[pk]))
        pk, label = found[i]
        return PlacedProblem(
            problem, f"Input “{label}”{rest}", reverse("builder:input-edit", args=[pk])
        )

    def _whole(self, problem: Problem, match: re.Match[str] | None) -> PlacedProblem:
        canvas = reverse("builder:version", args=[self.version.pk])
        if match is not None and match["part"] == "stages":
            return PlacedProblem(problem, "Stages", f"{canvas}#add-stage")
        return PlacedProblem(problem, "The definition")

    def _stage(
        self,
        problem: Problem,
        stage: tuple[int, str, list[tuple[int, str]]],
        j: str | None,
        rest: str,
    ) -> PlacedProblem:
        stage_pk, stage_name, steps = stage
        where = f"Stage “{stage_name}”"
        if j is not None and int(j) < len(steps):
            step_pk, step_name = steps[int(j)]
            url = reverse("builder:step-edit", args=[step_pk])
            return PlacedProblem(
                problem, f"{where}{SEP}step “{step_name}”{rest}", url, f"step-{step_pk}"
            )
        url = reverse("builder:stage-edit", args=[stage_pk])
        return PlacedProblem(problem, where + rest, url, f"stage-{stage_pk}")


def _words(rest: str) -> str:
    """The words for the rest of a path like ".due_in" ("" when nothing is left)."""
    name = re.match(r"^\.(\w+)", rest)
    if name is None:
        return ""
    return f"{SEP}{FIELD_WORDS.get(name[1], name[1].replace('_', ' '))}"
