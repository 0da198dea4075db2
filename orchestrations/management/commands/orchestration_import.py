"""python manage.py orchestration_import FILE [--activate]"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from orchestrations.definition import (
    DefinitionError,
    errors_of,
    import_definition,
    validate_definition,
)
from orchestrations.definition.limits import (
    MAX_TEXT_BYTES,
    DefinitionTextError,
    load_definition_text,
    megabytes,
)
from orchestrations.versions import version_activate


class Command(BaseCommand):
    help = "Import a definition file as a new draft version (and activate it with --activate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A JSON definition file (see docs/definition-format.md)")
        parser.add_argument("--activate", action="store_true", help="Activate the new version")

    def handle(self, *args: Any, **options: Any) -> None:
        data = self.read(options["file"])
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

    def read(self, name: str) -> Any:
        """The parsed file; a clear `CommandError` for anything that can't be read as a
        definition (too large, not UTF-8, not JSON, nested too deeply)."""
        try:
            with open(name, "rb") as file:
                raw = file.read(MAX_TEXT_BYTES + 1)  # never more than the limit and a byte
                size = max(os.fstat(file.fileno()).st_size, len(raw))
        except OSError as error:
            raise CommandError(f"Cannot read {name}: {error.strerror}.") from None
        if len(raw) > MAX_TEXT_BYTES:
            raise CommandError(f"{name} is {megabytes(size)}: at most {megabytes(MAX_TEXT_BYTES)}.")
        try:
            return load_definition_text(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise CommandError(f"{name} is not UTF-8 text.") from None
        except DefinitionTextError as error:
            raise CommandError(f"{name}: {error}") from None
