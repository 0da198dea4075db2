"""The demo's people: teams (groups), users with one shared password, and the
permissions of the process designer and the support team."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.models import User as UserType

DEMO_PASSWORD = "handoff-demo"
EMAIL_DOMAIN = "example.com"

TEAMS = [
    "Sales",
    "Customer Success",
    "Implementation",
    "HR",
    "IT",
    "Engineering",
    "Lending",
    "Underwriting",
    "Funding",
    "Front desk",
    "Clinical",
    "Providers",
    "Support",
]


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    role: str
    teams: tuple[str, ...] = ()
    staff: bool = False
    superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}@{EMAIL_DOMAIN}".lower()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


PEOPLE = [
    Person("admin", "Adrian", "Cole", "Administrator (superuser)", staff=True, superuser=True),
    Person(
        "designer", "Diego", "Ramos", "Process designer (builder, definitions admin)", staff=True
    ),
    Person(
        "support", "Sasha", "Novak", "Support staff (runs in the admin)", ("Support",), staff=True
    ),
    Person("steve", "Steve", "Park", "Support staff (runs in the admin)", ("Support",), staff=True),
    Person("ava", "Ava", "Thompson", "Account executive", ("Sales",)),
    Person("sam", "Sam", "Rivera", "Account executive", ("Sales",)),
    Person("carla", "Carla", "Mendes", "Customer success manager", ("Customer Success",)),
    Person("chris", "Chris", "Walker", "Customer success manager", ("Customer Success",)),
    Person("ivan", "Ivan", "Petrov", "Implementation engineer", ("Implementation",)),
    Person("iris", "Iris", "Nakamura", "Implementation engineer", ("Implementation",)),
    Person("hana", "Hana", "Kim", "HR partner", ("HR",)),
    Person("hugo", "Hugo", "Laurent", "HR coordinator", ("HR",)),
    Person("ian", "Ian", "Brooks", "IT support", ("IT",)),
    Person("isaac", "Isaac", "Cohen", "IT support", ("IT",)),
    Person("mark", "Mark", "Chen", "Engineering manager (hiring manager)", ("Engineering",)),
    Person("erin", "Erin", "Shaw", "Engineering lead (covers for Mark)", ("Engineering",)),
    Person("newt", "Newt", "Okafor", "New hire, Engineering"),
    Person("grace", "Grace", "Liu", "New hire, Engineering"),
    Person("priya", "Priya", "Raman", "New hire, Sales"),
    Person("omar", "Omar", "Haddad", "New hire, Finance"),
    # Loan officers are members (a team) so that they see the staff's notes and hand work
    # to each other; applicants are in no team: outside participants, who see only what is
    # shared with them and never reassign, delegate or browse people.
    Person("lola", "Lola", "Martinez", "Loan officer (starts loan applications)", ("Lending",)),
    Person("leo", "Leo", "Fischer", "Loan officer (covers for Lola)", ("Lending",)),
    Person("uma", "Uma", "Sharma", "Underwriter", ("Underwriting",)),
    Person("ulrich", "Ulrich", "Weber", "Senior underwriter", ("Underwriting",)),
    Person("fay", "Fay", "Morgan", "Funding specialist", ("Funding",)),
    Person("felix", "Felix", "Wagner", "Funding specialist", ("Funding",)),
    Person("dana", "Dana", "Whitfield", "Loan applicant"),
    Person("ben", "Ben", "Carter", "Loan applicant"),
    Person("elena", "Elena", "Petrova", "Loan applicant"),
    Person("raj", "Raj", "Patel", "Loan applicant"),
    Person("fred", "Fred", "Dawson", "Front desk", ("Front desk",)),
    Person("flora", "Flora", "Jensen", "Front desk", ("Front desk",)),
    Person("nina", "Nina", "Alvarez", "Nurse", ("Clinical",)),
    Person("noel", "Noel", "Grant", "Nurse", ("Clinical",)),
    Person("pete", "Pete", "Osei", "Physician", ("Providers",)),
    Person("paula", "Paula", "Reyes", "Physician", ("Providers",)),
]

DEMO_MODELS = ["account", "employee", "loanapplication", "patient"]
DEFINITION_MODELS = [
    "orchestration",
    "version",
    "stage",
    "step",
    "form",
    "formfield",
    "inputvariable",
    "decisionoutcome",
]
DESIGNER_PERMISSIONS = [
    *(f"orchestrations.{action}_{model}" for model in DEFINITION_MODELS
      for action in ("add", "change", "delete", "view")),
    *(f"demo.{action}_{model}" for model in DEMO_MODELS for action in ("add", "change", "view")),
]  # fmt: skip
SUPPORT_PERMISSIONS = [
    "orchestrations.view_run",
    "orchestrations.change_run",
    "orchestrations.view_workitem",
    "orchestrations.change_workitem",
    "orchestrations.view_stagerun",
    "orchestrations.view_steprun",
    "orchestrations.view_runevent",
    "orchestrations.view_outboxmessage",
    "orchestrations.change_outboxmessage",
    "orchestrations.reassign_workitem",
    "orchestrations.view_orchestration",
    "orchestrations.view_version",
    *(f"demo.{action}_{model}" for model in DEMO_MODELS for action in ("add", "change", "view")),
]


def existing_demo_usernames() -> list[str]:
    usernames = [person.username for person in PEOPLE]
    return sorted(
        get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True)
    )


def create_people() -> dict[str, UserType]:
    """Create the teams and every demo user; returns the users by username."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in TEAMS}
    user_model = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashing is slow on purpose: once is enough
    users = {}
    for person in PEOPLE:
        user = user_model(
            username=person.username,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            is_staff=person.staff,
            is_superuser=person.superuser,
            password=password,
        )
        user.save()
        user.groups.add(*(groups[team] for team in person.teams))
        users[person.username] = user
    users["designer"].user_permissions.add(*permissions(DESIGNER_PERMISSIONS))
    groups["Support"].permissions.add(*permissions(SUPPORT_PERMISSIONS))
    # Loan officers start loan applications (My requests → Start a request).
    users["lola"].user_permissions.add(*permissions(["orchestrations.add_run"]))
    return users


def permissions(names: list[str]) -> list[Permission]:
    """The permissions named "app_label.codename"; a missing one is a bug here."""
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def logins_text() -> str:
    """The table of demo logins that `make run` prints."""
    width = max(len(person.username) for person in PEOPLE) + 2
    name_width = max(len(person.full_name) for person in PEOPLE) + 2
    lines = [
        f"Handoff demo logins (password for everyone: {DEMO_PASSWORD})",
        "",
        f"{'username':<{width}}{'name':<{name_width}}role / team",
    ]
    for person in PEOPLE:
        teams = f" — {', '.join(person.teams)}" if person.teams else ""
        lines.append(
            f"{person.username:<{width}}{person.full_name:<{name_width}}{person.role}{teams}"
        )
    return "\n".join(lines) + "\n"


def write_logins(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(logins_text(), encoding="utf-8")
