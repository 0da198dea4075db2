"""python manage.py orchestration_import FILE [--activate]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from orchestrations.definition import (
    DefinitionError,
    errors_of,
    import_definition,
    validate_definition,
)
from orchestrations.versions import version_activate


class Command(BaseCommand):
    help = "Import a definition file as a new draft version (and activate it with --activate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A JSON definition file (see docs/definition-format.md)")
        parser.add_argument("--activate", action="store_true", help="Activate the new version")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], encoding="utf-8") as file:
                data = json.load(file)
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from None
        except ValueError as error:
            raise CommandError(f"{options['file']} is not valid JSON: {error}.") from None
        try:
            # One transaction: with --activate, a refused activation leaves no draft behind.
            with transaction.atomic():
                version = import_definition(data)
                if options["activate"]:
                    version = version_activate(version)
        except DefinitionError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            count = len(errors_of(error.problems))
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} in {options['file']}; "
                "nothing was imported."
            ) from None
        for problem in validate_definition(data):
            self.stderr.write(str(problem))
        state = "active" if options["activate"] else "a draft"
        self.stdout.write(f"Imported {version} ({state}).")
