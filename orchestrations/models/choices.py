"""The choices of a definition's fields (statuses live in `orchestrations.status`)."""

from django.db import models


class TriggerType(models.TextChoices):
    MANUAL = "manual", "Started by a person or from code"
    RECORD = "record", "When a record is created or updated"


class TriggerOn(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    BOTH = "both", "Created or updated"


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    LONG_TEXT = "long_text", "Long text"
    NUMBER = "number", "Whole number"
    DECIMAL = "decimal", "Decimal"
    DATE = "date", "Date"
    DATETIME = "datetime", "Date and time"
    YES_NO = "yes_no", "Yes / no"
    CHOICE = "choice", "Single choice"
    MULTI_CHOICE = "multi_choice", "Multiple choice"
    EMAIL = "email", "Email"
    URL = "url", "URL"
    PERSON = "person", "Person"


# A person is named by text only where the people who type it may know who has an
# account (a Start page); forms can be shown to outside participants, who may not.
INPUT_ONLY_FIELD_TYPES = (FieldType.PERSON,)


class StepKind(models.TextChoices):
    INTERACTIVE = "interactive", "Interactive (a person completes a form)"
    BACKGROUND = "background", "Background (an action runs)"


class StartWhen(models.TextChoices):
    STAGE_START = "stage_start", "When the stage starts"
    AFTER = "after", "After other steps complete"
    CONDITION = "condition", "When a condition holds"


class AssigneeType(models.TextChoices):
    USER = "user", "A user"
    GROUP = "group", "A team queue"
    EXPRESSION = "expression", "An expression"


class ReassignScope(models.TextChoices):
    """Whom the people working a step's item may hand it to (support staff with the
    reassign permission may always hand it to any member or team)."""

    TEAM = "team", "Their teammates, or a team of this process"
    ORCHESTRATION = "orchestration", "Anyone in a team of this process, or one of those teams"
    NOBODY = "nobody", "Nobody: only support staff reassign it"


class Visibility(models.TextChoices):
    """Who sees a step's answers later (besides support staff, and whoever gave them):
    the rule is `orchestrations.visibility`."""

    PARTICIPANTS = "participants", "Members and the run's participants"
    MEMBERS = "members", "Members only"
    GROUPS = "groups", "Only the teams named"
