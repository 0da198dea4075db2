from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from demo.loading import load_demo, summary
from demo.people import existing_demo_usernames
from demo.processes import PROCESS_KEYS
from demo.stories import DemoError
from orchestrations.models import Orchestration


class Command(BaseCommand):
    help = (
        "Load the demo: teams, users (one shared password), the four sample processes "
        "and runs left at different stages."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database has any user (what `make run` uses).",
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and get_user_model().objects.exists():
            self.stdout.write("The database already has users: not loading the demo.")
            return
        clashes = existing_demo_usernames()
        if clashes:
            raise CommandError(
                f"The demo users already exist ({', '.join(clashes[:5])}"
                f"{', …' if len(clashes) > 5 else ''}): the demo is loaded already, or these "
                "names are taken. Load it into an empty database."
            )
        taken = list(
            Orchestration.objects.filter(key__in=PROCESS_KEYS).values_list("key", flat=True)
        )
        if taken:
            raise CommandError(
                f"Orchestrations {', '.join(taken)} exist already. Load the demo into an empty "
                "database."
            )
        try:
            held_back = load_demo()
        except DemoError as error:
            raise CommandError(
                f"Loading the demo stopped: {error} The database is partly loaded; "
                "start again from an empty one."
            ) from error
        self.stdout.write(summary(held_back))
